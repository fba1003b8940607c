import { Command } from 'commander';
import { writeFileSync } from 'node:fs';
import { errors, type Experiment, type Page, type Run, type ViewType } from '@orrery/core';
import { runsCsv } from '../runs-csv.js';
import { action, type CliContext } from '../cli-context.js';
import { UsageError } from '../cli-errors.js';
import { collect, collectTag, parsePositiveInt, parseView } from '../option-parsers.js';
import { formatTime } from '../output.js';

interface SearchOptions {
  filter?: string;
  view?: ViewType;
  orderBy?: string[];
  maxResults?: number;
}

/** Pages through experiments until `maxResults` (default: all) are collected. */
async function searchAll(context: CliContext, filter: string | undefined, options: SearchOptions): Promise<Experiment[]> {
  const client = await context.client();
  const found: Experiment[] = [];
  let pageToken: string | undefined;
  do {
    const wanted = options.maxResults === undefined ? 1000 : Math.min(1000, options.maxResults - found.length);
    const page: Page<Experiment> = await client.searchExperiments({
      ...(filter !== undefined ? { filter } : {}),
      ...(options.view !== undefined ? { viewType: options.view } : {}),
      ...(options.orderBy !== undefined ? { orderBy: options.orderBy } : {}),
      maxResults: wanted,
      ...(pageToken !== undefined ? { pageToken } : {}),
    });
    found.push(...page.items);
    pageToken = page.nextPageToken;
  } while (pageToken && (options.maxResults === undefined || found.length < options.maxResults));
  return found;
}

function printExperiments(context: CliContext, experiments: Experiment[]): void {
  if (context.output.json) {
    context.output.writeJson(experiments);
    return;
  }
  context.output.table(
    ['ID', 'NAME', 'STAGE', 'CREATED', 'ARTIFACT LOCATION'],
    experiments.map((e) => [e.experimentId, e.name, e.lifecycleStage, formatTime(e.creationTime), e.artifactLocation]),
  );
}

function addSearchOptions(command: Command): Command {
  return command
    .option('--view <view>', 'which experiments: active, deleted or all', parseView)
    .option('--order-by <clause>', 'order clause, e.g. "name ASC"; repeatable', collect)
    .option('--max-results <n>', 'return at most n experiments (default: all)', parsePositiveInt);
}

export function experimentsCommand(): Command {
  const experiments = new Command('experiments').description('create, inspect and manage experiments');

  experiments
    .command('create')
    .description('create an experiment and print its id')
    .argument('[name]', 'unique experiment name (or -n/--experiment-name, as MLflow spells it)')
    .option('-n, --experiment-name <name>', 'unique experiment name')
    .option('-l, --artifact-location <uri>', 'where its runs store artifacts (default: under the default artifact root)')
    .option('--tag <key=value>', 'experiment tag; repeatable', collectTag)
    .action(
      action(async (context, positional: string | undefined, options: { experimentName?: string; artifactLocation?: string; tag?: Record<string, string> }) => {
        const name = options.experimentName ?? positional;
        if (name === undefined) throw new UsageError('experiments create needs a name: orrery experiments create -n <name>');
        if (options.experimentName !== undefined && positional !== undefined && positional !== options.experimentName) {
          throw new UsageError('experiments create takes one name: give it as an argument or with -n, not both');
        }
        const client = await context.client();
        const id = await client.createExperiment(name, {
          ...(options.artifactLocation !== undefined ? { artifactLocation: options.artifactLocation } : {}),
          ...(options.tag !== undefined ? { tags: options.tag } : {}),
        });
        if (context.output.json) context.output.writeJson({ experimentId: id, name });
        else context.output.line(`Created experiment "${name}" with id ${id}`);
      }),
    );

  experiments
    .command('csv')
    .description("write an experiment's runs as CSV (info, then params.*, metrics.* with the latest values, tags.*), as mlflow experiments csv")
    .requiredOption('-x, --experiment-id <id>', 'experiment id')
    .option('-o, --filename <file>', 'write to this file (default: stdout)')
    .action(
      action(async (context, options: { experimentId: string; filename?: string }) => {
        const client = await context.client();
        const runs: Run[] = [];
        let pageToken: string | undefined;
        do {
          const page: Page<Run> = await client.searchRuns({ experimentIds: [options.experimentId], maxResults: 1000, ...(pageToken ? { pageToken } : {}) });
          runs.push(...page.items);
          pageToken = page.nextPageToken;
        } while (pageToken);
        const csv = runsCsv(runs);
        if (options.filename !== undefined) writeFileSync(options.filename, csv);
        else context.output.line(csv.trimEnd());
      }),
    );

  addSearchOptions(
    experiments
      .command('list')
      .description('list experiments (active ones by default)')
      .option('--filter <filter>', 'search filter, e.g. "name LIKE \'fraud%\'"'),
  ).action(
    action(async (context, options: SearchOptions) => {
      printExperiments(context, await searchAll(context, options.filter, options));
    }),
  );

  addSearchOptions(
    experiments
      .command('search')
      .description('search experiments with a filter')
      .argument('<filter>', 'search filter, e.g. "tags.team = \'risk\'"'),
  ).action(
    action(async (context, filter: string, options: SearchOptions) => {
      printExperiments(context, await searchAll(context, filter, options));
    }),
  );

  experiments
    .command('get')
    .description('show one experiment, by id or by --name')
    .argument('[experiment-id]', 'experiment id')
    .option('--name <name>', 'experiment name instead of an id')
    .action(
      action(async (context, id: string | undefined, options: { name?: string }) => {
        const client = await context.client();
        let experiment: Experiment;
        if (options.name !== undefined) {
          const byName = await client.getExperimentByName(options.name);
          if (!byName) throw errors.notFound(`No experiment named "${options.name}" exists`);
          experiment = byName;
        } else if (id !== undefined) {
          experiment = await client.getExperiment(id);
        } else {
          throw new UsageError('experiments get needs an experiment id or --name');
        }
        if (context.output.json) {
          context.output.writeJson(experiment);
          return;
        }
        context.output.fields([
          ['ID', experiment.experimentId],
          ['Name', experiment.name],
          ['Stage', experiment.lifecycleStage],
          ['Artifact location', experiment.artifactLocation],
          ['Created', formatTime(experiment.creationTime)],
          ['Updated', formatTime(experiment.lastUpdateTime)],
          ...experiment.tags.map((t): [string, string] => [`Tag ${t.key}`, t.value]),
        ]);
      }),
    );

  experiments
    .command('rename')
    .description('rename an experiment')
    .argument('<experiment-id>', 'experiment id')
    .argument('<new-name>', 'new unique name')
    .action(
      action(async (context, id: string, newName: string) => {
        await (await context.client()).renameExperiment(id, newName);
        if (context.output.json) context.output.writeJson({ experimentId: id, name: newName });
        else context.output.line(`Renamed experiment ${id} to "${newName}"`);
      }),
    );

  experiments
    .command('delete')
    .description('mark an experiment (and its runs) deleted; restore brings it back')
    .argument('<experiment-id>', 'experiment id')
    .action(
      action(async (context, id: string) => {
        await (await context.client()).deleteExperiment(id);
        if (context.output.json) context.output.writeJson({ experimentId: id, lifecycleStage: 'deleted' });
        else context.output.line(`Deleted experiment ${id}`);
      }),
    );

  experiments
    .command('restore')
    .description('restore a deleted experiment')
    .argument('<experiment-id>', 'experiment id')
    .action(
      action(async (context, id: string) => {
        await (await context.client()).restoreExperiment(id);
        if (context.output.json) context.output.writeJson({ experimentId: id, lifecycleStage: 'active' });
        else context.output.line(`Restored experiment ${id}`);
      }),
    );

  return experiments;
}
