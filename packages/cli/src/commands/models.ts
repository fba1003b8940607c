import { Command } from 'commander';
import type { OrreryClient} from '@orrery/client';
import { type ModelVersionLineage } from '@orrery/client';
import type { ModelVersion, Page, RegisteredModel } from '@orrery/core';
import { action, type CliContext } from '../cli-context.js';
import { modelsInspectCommand } from './models-inspect.js';
import { UsageError } from '../cli-errors.js';
import { collect, collectTag, parsePositiveInt } from '../option-parsers.js';
import { formatTime } from '../output.js';
import { addModelServingCommands } from './models-serving.js';

/**
 * Like `action`, but also hands the command the client, opened with `--registry-uri` (default
 * `ORRERY_REGISTRY_URI`, `MLFLOW_REGISTRY_URI`, then the tracking URI) and closed after.
 */
export function registryAction<A extends unknown[]>(
  run: (context: CliContext, client: OrreryClient, ...args: A) => Promise<void>,
): (...args: [...A, unknown, Command]) => Promise<void> {
  return action(async (context: CliContext, ...args: A) => run(context, await context.client(), ...args));
}

interface SearchOptions {
  filter?: string;
  orderBy?: string[];
  maxResults?: number;
}

/** Pages through a search until `maxResults` (default: all) are collected. */
async function collectPages<T>(
  maxResults: number | undefined,
  pageSize: number,
  search: (input: { maxResults: number; pageToken?: string }) => Promise<Page<T>>,
): Promise<T[]> {
  const found: T[] = [];
  let pageToken: string | undefined;
  do {
    const wanted = maxResults === undefined ? pageSize : Math.min(pageSize, maxResults - found.length);
    const page = await search({ maxResults: wanted, ...(pageToken !== undefined ? { pageToken } : {}) });
    found.push(...page.items);
    pageToken = page.nextPageToken;
  } while (pageToken && (maxResults === undefined || found.length < maxResults));
  return found;
}

/** A search-grammar string literal: single-quoted, quotes doubled. */
function quoted(value: string): string {
  return `'${value.replace(/'/g, "''")}'`;
}

async function versionsOf(client: OrreryClient, name: string): Promise<ModelVersion[]> {
  // An unknown model is an error, not an empty list.
  await client.getRegisteredModel(name);
  const versions = await collectPages(undefined, 1000, (input) => client.searchModelVersions({ filter: `name = ${quoted(name)}`, ...input }));
  return versions.sort((a, b) => Number(b.version) - Number(a.version));
}

function latestSummary(model: RegisteredModel): string {
  return model.latestVersions.map((v) => `${v.currentStage}:${v.version}`).join(', ');
}

function aliasSummary(model: RegisteredModel): string {
  return model.aliases.map((a) => `${a.alias}→${a.version}`).join(', ');
}

function versionRow(version: ModelVersion): string[] {
  return [
    version.version,
    version.currentStage,
    version.status,
    version.aliases.join(', '),
    version.runId ?? '',
    formatTime(version.creationTimestamp),
    version.source,
  ];
}

const VERSION_HEADERS = ['VERSION', 'STAGE', 'STATUS', 'ALIASES', 'RUN ID', 'CREATED', 'SOURCE'];

function lineageFields(lineage: ModelVersionLineage): Array<[string, string]> {
  const v = lineage.modelVersion;
  const pairs: Array<[string, string]> = [
    ['Name', v.name],
    ['Version', v.version],
    ['Stage', v.currentStage],
    ['Status', v.status],
    ['Aliases', v.aliases.join(', ')],
    ['Description', v.description ?? ''],
    ['Source', v.source],
    ['Created', formatTime(v.creationTimestamp)],
    ['Updated', formatTime(v.lastUpdatedTimestamp)],
    ...v.tags.map((t): [string, string] => [`Tag ${t.key}`, t.value]),
  ];
  const run = lineage.run;
  if (run === undefined) {
    pairs.push(['Run', lineage.runUnavailable ?? '']);
    return pairs;
  }
  pairs.push(
    ['Run ID', run.runId],
    ['Run name', run.runName],
    ['Run status', run.status],
    ['Experiment', `${run.experimentId}${run.experimentName !== undefined ? ` (${run.experimentName})` : ''}`],
    ['Link', run.url ?? run.link],
    ...Object.entries(run.params).map(([k, value]): [string, string] => [`Param ${k}`, value]),
    ...Object.entries(run.metrics).map(([k, value]): [string, string] => [`Metric ${k}`, String(value)]),
  );
  return pairs;
}

function parseTagArguments(pairs: string[]): Record<string, string> {
  let tags: Record<string, string> = {};
  for (const pair of pairs) {
    try {
      tags = collectTag(pair, tags);
    } catch {
      throw new UsageError(`Invalid tag "${pair}": expected key=value.`);
    }
  }
  return tags;
}

function registeredModelCommands(models: Command): void {
  models
    .command('list')
    .description('list registered models')
    .option('--filter <filter>', "search filter, e.g. \"name LIKE 'fraud%'\"")
    .option('--order-by <clause>', 'order clause, e.g. "name ASC"; repeatable', collect)
    .option('--max-results <n>', 'return at most n models (default: all)', parsePositiveInt)
    .action(
      registryAction(async (context, client, options: SearchOptions) => {
        const found = await collectPages(options.maxResults, 1000, (input) =>
          client.searchRegisteredModels({
            ...(options.filter !== undefined ? { filter: options.filter } : {}),
            ...(options.orderBy !== undefined ? { orderBy: options.orderBy } : {}),
            ...input,
          }),
        );
        if (context.output.json) {
          context.output.writeJson(found);
          return;
        }
        context.output.table(
          ['NAME', 'LATEST VERSIONS', 'ALIASES', 'UPDATED', 'DESCRIPTION'],
          found.map((m) => [m.name, latestSummary(m), aliasSummary(m), formatTime(m.lastUpdatedTimestamp), m.description ?? '']),
        );
      }),
    );

  models
    .command('create')
    .description('create a registered model (with no versions)')
    .argument('<name>', 'unique model name')
    .option('--description <text>', 'description')
    .option('--tag <key=value>', 'model tag; repeatable', collectTag)
    .action(
      registryAction(async (context, client, name: string, options: { description?: string; tag?: Record<string, string> }) => {
        const model = await client.createRegisteredModel(name, {
          ...(options.description !== undefined ? { description: options.description } : {}),
          ...(options.tag !== undefined ? { tags: options.tag } : {}),
        });
        if (context.output.json) context.output.writeJson(model);
        else context.output.line(`Created registered model "${model.name}"`);
      }),
    );

  models
    .command('describe')
    .description('show a registered model, its aliases and versions, and the runs behind them')
    .argument('<name>', 'model name')
    .action(
      registryAction(async (context, client, name: string) => {
        const model = await client.getRegisteredModel(name);
        const versions = await versionsOf(client, name);
        const lineages: ModelVersionLineage[] = [];
        for (const version of versions) lineages.push(await client.describeModelVersionLineage(name, version.version));
        if (context.output.json) {
          context.output.writeJson({ ...model, versions: lineages });
          return;
        }
        context.output.fields([
          ['Name', model.name],
          ['Description', model.description ?? ''],
          ['Created', formatTime(model.creationTimestamp)],
          ['Updated', formatTime(model.lastUpdatedTimestamp)],
          ['Latest versions', latestSummary(model)],
          ['Aliases', aliasSummary(model)],
          ...model.tags.map((t): [string, string] => [`Tag ${t.key}`, t.value]),
        ]);
        context.output.line('');
        context.output.table(
          ['VERSION', 'STAGE', 'ALIASES', 'RUN ID', 'EXPERIMENT', 'LINK'],
          lineages.map((l) => [
            l.modelVersion.version,
            l.modelVersion.currentStage,
            l.modelVersion.aliases.join(', '),
            l.modelVersion.runId ?? '',
            l.run ? `${l.run.experimentId}${l.run.experimentName !== undefined ? ` (${l.run.experimentName})` : ''}` : '',
            l.run ? (l.run.url ?? l.run.link) : '',
          ]),
        );
      }),
    );

  models
    .command('rename')
    .description('rename a registered model (its versions follow)')
    .argument('<name>', 'model name')
    .argument('<new-name>', 'new unique name')
    .action(
      registryAction(async (context, client, name: string, newName: string) => {
        const model = await client.renameRegisteredModel(name, newName);
        if (context.output.json) context.output.writeJson(model);
        else context.output.line(`Renamed registered model "${name}" to "${model.name}"`);
      }),
    );

  models
    .command('delete')
    .description('delete a registered model with all its versions')
    .argument('<name>', 'model name')
    .action(
      registryAction(async (context, client, name: string) => {
        await client.deleteRegisteredModel(name);
        if (context.output.json) context.output.writeJson({ name, deleted: true });
        else context.output.line(`Deleted registered model "${name}"`);
      }),
    );

  models
    .command('tag')
    .description('set (key=value) or delete (--delete key) tags of a registered model')
    .argument('<name>', 'model name')
    .argument('[tags...]', 'tags to set, as key=value')
    .option('--delete <key>', 'tag key to delete; repeatable', collect)
    .action(
      registryAction(async (context, client, name: string, pairs: string[], options: { delete?: string[] }) => {
        const tags = parseTagArguments(pairs);
        const deletes = options.delete ?? [];
        if (Object.keys(tags).length === 0 && deletes.length === 0) throw new UsageError('models tag needs key=value arguments or --delete <key>');
        // Checked first, so a missing model changes nothing.
        await client.getRegisteredModel(name);
        for (const [key, value] of Object.entries(tags)) await client.setRegisteredModelTag(name, key, value);
        for (const key of deletes) await client.deleteRegisteredModelTag(name, key);
        if (context.output.json) context.output.writeJson({ name, set: tags, deleted: deletes });
        else context.output.line(`Updated tags of registered model "${name}"`);
      }),
    );
}

function versionCommands(models: Command): void {
  const versions = new Command('versions').description('create, inspect, stage and delete model versions');

  versions
    .command('list')
    .description('list the versions of a registered model, newest first')
    .argument('<name>', 'model name')
    .action(
      registryAction(async (context, client, name: string) => {
        const found = await versionsOf(client, name);
        if (context.output.json) context.output.writeJson(found);
        else context.output.table(VERSION_HEADERS, found.map(versionRow));
      }),
    );

  versions
    .command('create')
    .description('register a new version from a source (runs:/<run_id>/<path>, models:/..., or an artifact URI)')
    .argument('<name>', 'model name (created when missing)')
    .requiredOption('--source <uri>', 'where the model files are')
    .option('--run-id <id>', 'run that produced the model (set automatically for runs:/ sources)')
    .option('--description <text>', 'description')
    .option('--tag <key=value>', 'version tag; repeatable', collectTag)
    .action(
      registryAction(
        async (context, client, name: string, options: { source: string; runId?: string; description?: string; tag?: Record<string, string> }) => {
          const common = {
            ...(options.description !== undefined ? { description: options.description } : {}),
            ...(options.tag !== undefined ? { tags: options.tag } : {}),
          };
          let version: ModelVersion;
          if (options.runId !== undefined) {
            if (/^(runs|models):/i.test(options.source)) throw new UsageError('--run-id goes with an artifact URI source, not with runs:/ or models:/ sources');
            version = await client.createModelVersion(name, options.source, { ...common, runId: options.runId });
          } else {
            version = await client.registerModel(options.source, name, common);
          }
          if (context.output.json) context.output.writeJson(version);
          else context.output.line(`Created version ${version.version} of registered model "${version.name}"`);
        },
      ),
    );

  versions
    .command('describe')
    .description('show a model version and the run that produced it (params, metrics, experiment link)')
    .argument('<name>', 'model name')
    .argument('<version>', 'version number')
    .action(
      registryAction(async (context, client, name: string, version: string) => {
        const lineage = await client.describeModelVersionLineage(name, version);
        if (context.output.json) context.output.writeJson(lineage);
        else context.output.fields(lineageFields(lineage));
      }),
    );

  versions
    .command('delete')
    .description('delete a model version (and the aliases pointing at it)')
    .argument('<name>', 'model name')
    .argument('<version>', 'version number')
    .action(
      registryAction(async (context, client, name: string, version: string) => {
        await client.deleteModelVersion(name, version);
        if (context.output.json) context.output.writeJson({ name, version, deleted: true });
        else context.output.line(`Deleted version ${version} of registered model "${name}"`);
      }),
    );

  versions
    .command('stage')
    .description('move a model version to a stage: None, Staging, Production or Archived')
    .argument('<name>', 'model name')
    .argument('<version>', 'version number')
    .argument('<stage>', 'target stage')
    .option('--archive-existing', 'move the versions already in the target stage to Archived', false)
    .action(
      registryAction(async (context, client, name: string, version: string, stage: string, options: { archiveExisting: boolean }) => {
        const moved = await client.transitionModelVersionStage(name, version, stage, options.archiveExisting);
        if (context.output.json) context.output.writeJson(moved);
        else context.output.line(`Moved version ${moved.version} of registered model "${moved.name}" to ${moved.currentStage}`);
      }),
    );

  models.addCommand(versions);
}

function aliasCommands(models: Command): void {
  const alias = new Command('alias').description('point aliases at model versions');

  alias
    .command('set')
    .description('point an alias at a version (moving it if it pointed elsewhere)')
    .argument('<name>', 'model name')
    .argument('<alias>', 'alias, e.g. champion')
    .argument('<version>', 'version number')
    .action(
      registryAction(async (context, client, name: string, aliasName: string, version: string) => {
        await client.setRegisteredModelAlias(name, aliasName, version);
        if (context.output.json) context.output.writeJson({ name, alias: aliasName, version });
        else context.output.line(`Alias "${aliasName}" of registered model "${name}" now points at version ${version}`);
      }),
    );

  alias
    .command('delete')
    .description('remove an alias')
    .argument('<name>', 'model name')
    .argument('<alias>', 'alias')
    .action(
      registryAction(async (context, client, name: string, aliasName: string) => {
        await client.deleteRegisteredModelAlias(name, aliasName);
        if (context.output.json) context.output.writeJson({ name, alias: aliasName, deleted: true });
        else context.output.line(`Deleted alias "${aliasName}" of registered model "${name}"`);
      }),
    );

  models.addCommand(alias);
}

export function modelsCommand(): Command {
  const models = new Command('models')
    .description('the model registry: registered models, versions, stages, aliases and lineage')
    .option('--registry-uri <uri>', 'model registry URI (default: ORRERY_REGISTRY_URI, MLFLOW_REGISTRY_URI, then the tracking URI)');

  registeredModelCommands(models);

  models
    .command('runs-behind')
    .description('which runs produced the versions now under an alias or in a stage')
    .argument('<name>', 'model name')
    .option('--alias <alias>', 'alias, e.g. champion')
    .option('--stage <stage>', 'stage, e.g. Production')
    .action(
      registryAction(async (context, client, name: string, options: { alias?: string; stage?: string }) => {
        if ((options.alias === undefined) === (options.stage === undefined)) throw new UsageError('models runs-behind needs exactly one of --alias or --stage');
        const lineages = await client.runsBehind(name, options.alias !== undefined ? { alias: options.alias } : { stage: options.stage! });
        if (context.output.json) {
          context.output.writeJson(lineages);
          return;
        }
        context.output.table(
          ['VERSION', 'STAGE', 'RUN ID', 'RUN NAME', 'EXPERIMENT', 'LINK'],
          lineages.map((l) => [
            l.modelVersion.version,
            l.modelVersion.currentStage,
            l.modelVersion.runId ?? '',
            l.run?.runName ?? l.runUnavailable ?? '',
            l.run ? `${l.run.experimentId}${l.run.experimentName !== undefined ? ` (${l.run.experimentName})` : ''}` : '',
            l.run ? (l.run.url ?? l.run.link) : '',
          ]),
        );
      }),
    );

  versionCommands(models);
  aliasCommands(models);
  models.addCommand(modelsInspectCommand());
  addModelServingCommands(models);
  return models;
}
