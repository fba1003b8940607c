import { Command } from 'commander';
import { defaultArtifactRoot, type ModelRegistryStore } from '@orrery/core';
import { action } from '../cli-context.js';
import { addTrustedRootOptions, trustedRootsFrom, type TrustedRootOptions } from './trusted-roots-options.js';

interface ImportOptions extends TrustedRootOptions {
  from: string;
  to: string;
  registryUri?: string;
  remapIds?: boolean;
  copyArtifacts?: string;
  quiet?: boolean;
}

export function importCommand(): Command {
  const command = new Command('import')
    .description("copy an MLflow store (SQLite or PostgreSQL database, or mlruns/ folder) into an Orrery store, keeping its ids")
    .requiredOption('--from <uri>', "MLflow's backend store URI: sqlite:///mlflow.db, postgresql://..., or a path to mlruns/")
    .requiredOption('--to <uri>', 'the Orrery store to import into: sqlite:, postgresql: or redis: URI')
    .option('--registry-uri <uri>', 'the Orrery model registry to import registered models into (default: --to)')
    .option('--remap-ids', 'give experiments whose id the target uses for another experiment a new id (the mapping is printed)')
    .option('--copy-artifacts <uri>', "copy run artifacts under this root instead of keeping each run's artifact URI")
    .option('--quiet', 'print no progress lines');
  return addTrustedRootOptions(command).action(
    action(async (context, options: ImportOptions) => {
      // Loaded here, not at startup: the readers bring PostgreSQL's driver and a YAML parser.
      const { openMlflowSource } = await import('../mlflow-import/open-mlflow-source.js');
      const { importMlflowStore } = await import('../mlflow-import/mlflow-importer.js');
      const registry = await context.registry();
      const source = await openMlflowSource(options.from);
      const tracking = await registry.openTrackingStore(options.to, { defaultArtifactRoot: options.defaultArtifactRoot ?? defaultArtifactRoot() });
      let models: ModelRegistryStore | undefined;
      try {
        models = await registry.openModelRegistryStore(options.registryUri ?? options.to).catch(() => undefined);
        const report = await importMlflowStore({
          source,
          tracking,
          ...(models ? { registry: models } : {}),
          remapIds: options.remapIds === true,
          ...(options.copyArtifacts !== undefined ? { copyArtifactsTo: options.copyArtifacts } : {}),
          openRepository: (uri) => registry.openArtifactRepository(uri).catch(() => undefined),
          trustedRoots: trustedRootsFrom(options),
          log: options.quiet ? undefined : (line) => process.stderr.write(`${line}\n`),
        });
        if (context.output.json) {
          context.output.writeJson({ ...report, remapped: Object.fromEntries(report.remapped) });
          return;
        }
        const { experiments, runs, registeredModels } = report;
        context.output.line(
          `Imported into ${options.to}: experiments ${experiments.created} new, ${experiments.existing} already there` +
            `${experiments.merged > 0 ? ', Default merged' : ''}; runs ${runs.created} new, ${runs.existing} already there; ` +
            `${report.metricPoints} metric points; registered models ${registeredModels.created} new, ${registeredModels.existing} already there`,
        );
        context.output.line(`Count check passed: ${report.source.experiments} experiments, ${report.source.runs} runs, ${report.source.registeredModels} registered models.`);
        if (report.remapped.size > 0) {
          context.output.line('Experiment ids changed (MLflow id -> Orrery id):');
          for (const [from, to] of report.remapped) context.output.line(`  ${from} -> ${to}`);
        }
        if (report.untrustedLocations.length > 0) {
          context.output.line("Imported artifact locations outside the server's trusted roots (the server will not open them with its own credentials):");
          for (const location of report.untrustedLocations) context.output.line(`  ${location}`);
          context.output.line(
            `To trust them, start the server with: ${report.untrustedLocations.map((l) => `--allowed-artifact-root ${l}`).join(' ')} (see docs/security.md)`,
          );
        }
      } finally {
        await source.close();
        await tracking.close();
        await models?.close();
      }
    }),
  );
}
