import { Command } from 'commander';
import { errors, type Page, type Run, type ViewType } from '@orrery/core';
import { action, type CliContext } from '../cli-context.js';
import { UsageError } from '../cli-errors.js';
import { collect, collectList, parsePositiveInt, parseView } from '../option-parsers.js';
import { formatTime } from '../output.js';

interface ListOptions {
  experimentId?: string[];
  experimentName?: string[];
  filter?: string;
  orderBy?: string[];
  maxResults?: number;
  view?: ViewType;
}

async function experimentIds(context: CliContext, options: ListOptions): Promise<string[]> {
  const ids = [...(options.experimentId ?? [])];
  const client = await context.client();
  for (const name of options.experimentName ?? []) {
    const experiment = await client.getExperimentByName(name);
    if (!experiment) throw errors.notFound(`No experiment named "${name}" exists`);
    ids.push(experiment.experimentId);
  }
  if (ids.length === 0) throw new UsageError('runs list needs --experiment-id or --experiment-name');
  return ids;
}

function duration(run: Run): string {
  if (run.info.endTime === null) return '';
  const seconds = Math.max(0, (run.info.endTime - run.info.startTime) / 1000);
  return seconds < 60 ? `${seconds.toFixed(1)}s` : `${(seconds / 60).toFixed(1)}min`;
}

interface RunIdOption {
  runId?: string;
}

/** The run a command names, as an argument (Orrery) or with --run-id (MLflow). */
function runIdOf(command: string, positional: string | undefined, options: RunIdOption): string {
  const runId = options.runId ?? positional;
  if (runId === undefined) throw new UsageError(`runs ${command} needs a run id: orrery runs ${command} --run-id <id>`);
  if (options.runId !== undefined && positional !== undefined && positional !== options.runId) {
    throw new UsageError(`runs ${command} takes one run id: give it as an argument or with --run-id, not both`);
  }
  return runId;
}

export function runsCommand(): Command {
  const runs = new Command('runs').description('inspect and manage runs');

  runs
    .command('list')
    .description('list the runs of one or more experiments')
    .option('--experiment-id <id>', 'experiment id; repeatable or comma-separated', collectList)
    .option('--experiment-name <name>', 'experiment name; repeatable', collect)
    .option('--filter <filter>', 'search filter, e.g. "metrics.rmse < 1 and params.model = \'tree\'"')
    .option('--order-by <clause>', 'order clause, e.g. "metrics.rmse ASC"; repeatable', collect)
    .option('--max-results <n>', 'return at most n runs (default: all)', parsePositiveInt)
    .option('-v, --view <view>', 'which runs: active (active_only), deleted (deleted_only) or all', parseView)
    .action(
      action(async (context, options: ListOptions) => {
        const ids = await experimentIds(context, options);
        const client = await context.client();
        const found: Run[] = [];
        let pageToken: string | undefined;
        do {
          const page: Page<Run> = await client.searchRuns({
            experimentIds: ids,
            ...(options.filter !== undefined ? { filter: options.filter } : {}),
            ...(options.orderBy !== undefined ? { orderBy: options.orderBy } : {}),
            ...(options.view !== undefined ? { runViewType: options.view } : {}),
            maxResults: options.maxResults === undefined ? 1000 : Math.min(1000, options.maxResults - found.length),
            ...(pageToken !== undefined ? { pageToken } : {}),
          });
          found.push(...page.items);
          pageToken = page.nextPageToken;
        } while (pageToken && (options.maxResults === undefined || found.length < options.maxResults));
        if (context.output.json) {
          context.output.writeJson(found);
          return;
        }
        context.output.table(
          ['RUN ID', 'NAME', 'EXPERIMENT', 'STATUS', 'STARTED', 'DURATION'],
          found.map((r) => [r.info.runId, r.info.runName, r.info.experimentId, r.info.status, formatTime(r.info.startTime), duration(r)]),
        );
      }),
    );

  runs
    .command('describe')
    .description('show a run: its info, params, latest metrics and tags')
    .argument('[run-id]', 'run id (or --run-id, as MLflow spells it)')
    .option('--run-id <id>', 'run id')
    .action(
      action(async (context, positional: string | undefined, options: RunIdOption) => {
        const runId = runIdOf('describe', positional, options);
        const run = await (await context.client()).getRun(runId);
        if (context.output.json) {
          context.output.writeJson(run);
          return;
        }
        const { info, data } = run;
        context.output.fields([
          ['Run ID', info.runId],
          ['Name', info.runName],
          ['Experiment', info.experimentId],
          ['Status', info.status],
          ['Stage', info.lifecycleStage],
          ['User', info.userId],
          ['Started', formatTime(info.startTime)],
          ['Ended', formatTime(info.endTime)],
          ['Artifact URI', info.artifactUri],
        ]);
        const section = (title: string, headers: string[], rows: string[][]) => {
          context.output.line('');
          context.output.line(`${title}:`);
          context.output.table(headers, rows);
        };
        section('Params', ['KEY', 'VALUE'], data.params.map((p) => [p.key, p.value]));
        section('Metrics', ['KEY', 'VALUE', 'STEP'], data.metrics.map((m) => [m.key, String(m.value), String(m.step)]));
        section('Tags', ['KEY', 'VALUE'], data.tags.map((t) => [t.key, t.value]));
      }),
    );

  runs
    .command('delete')
    .description('mark a run deleted; restore brings it back')
    .argument('[run-id]', 'run id (or --run-id)')
    .option('--run-id <id>', 'run id')
    .action(
      action(async (context, positional: string | undefined, options: RunIdOption) => {
        const runId = runIdOf('delete', positional, options);
        await (await context.client()).deleteRun(runId);
        if (context.output.json) context.output.writeJson({ runId, lifecycleStage: 'deleted' });
        else context.output.line(`Deleted run ${runId}`);
      }),
    );

  runs
    .command('restore')
    .description('restore a deleted run')
    .argument('[run-id]', 'run id (or --run-id)')
    .option('--run-id <id>', 'run id')
    .action(
      action(async (context, positional: string | undefined, options: RunIdOption) => {
        const runId = runIdOf('restore', positional, options);
        await (await context.client()).restoreRun(runId);
        if (context.output.json) context.output.writeJson({ runId, lifecycleStage: 'active' });
        else context.output.line(`Restored run ${runId}`);
      }),
    );

  return runs;
}
