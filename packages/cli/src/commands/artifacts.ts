import { mkdtempSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Command } from 'commander';
import { errors } from '@orrery/core';
import { action } from '../cli-context.js';
import { UsageError } from '../cli-errors.js';
import { registryAction } from './models.js';
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
    .command('log-artifact')
    .description('upload one local file to a run (as mlflow artifacts log-artifact)')
    .requiredOption('-l, --local-file <file>', 'file to upload')
    .requiredOption('-r, --run-id <id>', 'run id')
    .option('-a, --artifact-path <path>', 'directory inside the run\'s artifacts (default: the root)')
    .action(
      action(async (context, options: { localFile: string; runId: string; artifactPath?: string }) => {
        await (await context.client()).logArtifact(options.runId, options.localFile, options.artifactPath);
        const target = `${options.artifactPath ? `${options.artifactPath}/` : ''}${path.basename(options.localFile)}`;
        if (context.output.json) context.output.writeJson({ runId: options.runId, localPath: options.localFile, artifactPath: target });
        else context.output.line(`Logged artifact from local file ${options.localFile} to artifact_path=${options.artifactPath ?? 'None'}`);
      }),
    );

  artifacts
    .command('log-artifacts')
    .description('upload a local directory to a run (as mlflow artifacts log-artifacts)')
    .requiredOption('-l, --local-dir <dir>', 'directory to upload')
    .requiredOption('-r, --run-id <id>', 'run id')
    .option('-a, --artifact-path <path>', 'directory inside the run\'s artifacts (default: the root)')
    .action(
      action(async (context, options: { localDir: string; runId: string; artifactPath?: string }) => {
        await (await context.client()).logArtifacts(options.runId, options.localDir, options.artifactPath);
        if (context.output.json) context.output.writeJson({ runId: options.runId, localPath: options.localDir, artifactPath: options.artifactPath ?? '' });
        else context.output.line(`Logged artifact from local dir ${options.localDir} to artifact_path=${options.artifactPath ?? 'None'}`);
      }),
    );

  artifacts
    .command('list')
    .description("list the files directly under a directory of a run's artifacts")
    .requiredOption('-r, --run-id <id>', 'run id')
    .option('-a, --artifact-path <path>', 'directory to list (default: the root)')
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
    .description("download a run's artifact (--run-id) or what a runs:/ or models:/ URI names (--uri), and print where it went")
    .option('-r, --run-id <id>', 'run id')
    .option('-a, --artifact-path <path>', 'with --run-id: file or directory to download (default: everything)')
    .option('--uri <uri>', 'runs:/<run_id>/<path>, models:/<name>/<version|stage|latest> or models:/<name>@<alias>')
    .option('-u, --artifact-uri <uri>', 'the same as --uri (MLflow\'s spelling)')
    .option('--registry-uri <uri>', 'model registry URI for models:/ URIs (default: ORRERY_REGISTRY_URI, then the tracking URI)')
    .option('--dst <dir>', 'local destination directory (default: a new temporary directory)')
    .option('-d, --dst-path <dir>', 'the same as --dst (MLflow\'s spelling)')
    .action(
      registryAction(async (context, client, given: { runId?: string; artifactPath?: string; uri?: string; artifactUri?: string; dst?: string; dstPath?: string }) => {
        const uri = given.uri ?? given.artifactUri;
        const dstGiven = given.dst ?? given.dstPath;
        const options = { ...given, ...(uri !== undefined ? { uri } : {}), ...(dstGiven !== undefined ? { dst: dstGiven } : {}) };
        if ((options.runId === undefined) === (options.uri === undefined)) {
          throw new UsageError('artifacts download needs exactly one of --run-id or --uri');
        }
        if (options.uri !== undefined && options.artifactPath !== undefined) {
          throw new UsageError('--artifact-path goes with --run-id; put the path in the URI instead (runs:/<run_id>/<path>)');
        }
        const dst = options.dst ?? mkdtempSync(path.join(tmpdir(), 'orrery-artifacts-'));
        const local =
          options.uri !== undefined
            ? await client.downloadArtifacts(options.uri, dst)
            : await client.downloadArtifacts(options.runId!, options.artifactPath ?? '', dst);
        if (context.output.json) {
          context.output.writeJson({ ...(options.uri !== undefined ? { uri: options.uri } : { runId: options.runId }), localPath: local });
        } else {
          context.output.line(local);
        }
      }),
    );

  return artifacts;
}
