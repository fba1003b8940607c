import { mkdtempSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Command } from 'commander';
import { errors } from '@orrery/core';
import { action } from '../cli-context.js';
import { formatSize } from '../output.js';

export function artifactsCommand(): Command {
  const artifacts = new Command('artifacts').description("upload, list and download a run's artifacts");

  artifacts
    .command('log')
    .description('upload a local file or directory to a run')
    .argument('<local-path>', 'file or directory to upload')
    .requiredOption('--run-id <id>', 'run id')
    .option('--artifact-path <path>', 'directory inside the run\'s artifacts (default: the root)')
    .action(
      action(async (context, localPath: string, options: { runId: string; artifactPath?: string }) => {
        let isDir: boolean;
        try {
          isDir = statSync(localPath).isDirectory();
        } catch {
          throw errors.invalidParameter(`Local path "${localPath}" does not exist`);
        }
        const client = await context.client();
        if (isDir) await client.logArtifacts(options.runId, localPath, options.artifactPath);
        else await client.logArtifact(options.runId, localPath, options.artifactPath);
        const where = options.artifactPath ? `${options.artifactPath}/` : '';
        const target = isDir ? where || '(root)' : `${where}${path.basename(localPath)}`;
        if (context.output.json) context.output.writeJson({ runId: options.runId, localPath, artifactPath: target });
        else context.output.line(`Logged ${isDir ? 'directory' : 'file'} ${localPath} to run ${options.runId} at ${target}`);
      }),
    );

  artifacts
    .command('list')
    .description("list the files directly under a directory of a run's artifacts")
    .requiredOption('--run-id <id>', 'run id')
    .option('--artifact-path <path>', 'directory to list (default: the root)')
    .action(
      action(async (context, options: { runId: string; artifactPath?: string }) => {
        const files = await (await context.client()).listArtifacts(options.runId, options.artifactPath);
        if (context.output.json) {
          context.output.writeJson(files);
          return;
        }
        context.output.table(
          ['PATH', 'TYPE', 'SIZE'],
          files.map((f) => [f.isDir ? `${f.path}/` : f.path, f.isDir ? 'dir' : 'file', formatSize(f.fileSize)]),
        );
      }),
    );

  artifacts
    .command('download')
    .description("download a run's artifact (file or directory) and print where it went")
    .requiredOption('--run-id <id>', 'run id')
    .option('--artifact-path <path>', 'file or directory to download (default: everything)')
    .option('--dst <dir>', 'local destination directory (default: a new temporary directory)')
    .action(
      action(async (context, options: { runId: string; artifactPath?: string; dst?: string }) => {
        const dst = options.dst ?? mkdtempSync(path.join(tmpdir(), 'orrery-artifacts-'));
        const local = await (await context.client()).downloadArtifacts(options.runId, options.artifactPath ?? '', dst);
        if (context.output.json) context.output.writeJson({ runId: options.runId, localPath: local });
        else context.output.line(local);
      }),
    );

  return artifacts;
}
