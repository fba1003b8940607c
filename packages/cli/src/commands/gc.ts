import { Command } from 'commander';
import { defaultArtifactRoot, errors, parseOlderThan, planGarbageCollection, resolveTrackingUri, trackingRestoreOf } from '@orrery/core';
import { action } from '../cli-context.js';
import { collectList } from '../option-parsers.js';
import { addTrustedRootOptions, trustedRootsFrom, type TrustedRootOptions } from './trusted-roots-options.js';

interface GcOptions extends TrustedRootOptions {
  backendStoreUri?: string;
  olderThan?: string;
  runIds?: string[];
  experimentIds?: string[];
}

export function gcCommand(): Command {
  const command = new Command('gc')
    .description('permanently delete runs and experiments in the deleted lifecycle stage, with their artifacts under trusted roots')
    .option('--backend-store-uri <uri>', 'the store to collect (default: --tracking-uri, ORRERY_TRACKING_URI, MLFLOW_TRACKING_URI, then ./orrery.db)')
    .option('--older-than <age>', "only what was deleted longer ago than this, e.g. '1d2h3m4s', '8h', '30m'")
    .option('--run-ids <ids>', 'only these runs (comma-separated; each must be deleted)', collectList)
    .option('--experiment-ids <ids>', 'only these experiments and their runs (comma-separated; each must be deleted)', collectList);
  return addTrustedRootOptions(command).action(
    action(async (context, options: GcOptions) => {
      const globals = command.optsWithGlobals<{ trackingUri?: string }>();
      const uri = options.backendStoreUri ?? resolveTrackingUri({ ...(globals.trackingUri ? { explicit: globals.trackingUri } : {}) });
      const olderThanMs = options.olderThan !== undefined ? parseOlderThan(options.olderThan) : undefined;
      const trusted = trustedRootsFrom(options);
      const registry = await context.registry();
      const store = await registry.openTrackingStore(uri, { defaultArtifactRoot: options.defaultArtifactRoot ?? defaultArtifactRoot() });
      try {
        const restore = trackingRestoreOf(store);
        if (!restore) throw errors.invalidParameter(`The store at ${uri} cannot purge: its backend offers no purge operation (use a sqlite:, postgresql: or redis: store).`);
        const plan = await planGarbageCollection(store, restore, {
          ...(olderThanMs !== undefined ? { olderThanMs } : {}),
          ...(options.runIds ? { runIds: options.runIds } : {}),
          ...(options.experimentIds ? { experimentIds: options.experimentIds } : {}),
        });
        const untouched: string[] = [];
        const purgedRuns: string[] = [];
        for (const run of plan.runs) {
          const location = run.artifactUri ? await trusted.resolve(run.artifactUri) : undefined;
          if (location !== undefined) {
            const repo = await registry.openArtifactRepository(location);
            try {
              await repo.deleteArtifacts();
            } finally {
              await repo.close?.();
            }
          } else if (run.artifactUri) {
            untouched.push(run.artifactUri);
          }
          await restore.purgeRun(run.runId);
          purgedRuns.push(run.runId);
          if (!context.output.json) context.output.line(`Run with ID ${run.runId} has been permanently deleted.`);
        }
        for (const experiment of plan.experiments) {
          await restore.purgeExperiment(experiment.experimentId);
          if (!context.output.json) context.output.line(`Experiment with ID ${experiment.experimentId} has been permanently deleted.`);
        }
        if (context.output.json) {
          context.output.writeJson({ runs: purgedRuns, experiments: plan.experiments.map((e) => e.experimentId), artifactsNotDeleted: untouched });
          return;
        }
        if (untouched.length > 0) {
          context.output.line('Artifacts left in place (outside the trusted roots; delete them with their own tools):');
          for (const location of untouched) context.output.line(`  ${location}`);
        }
      } finally {
        await store.close();
      }
    }),
  );
}
