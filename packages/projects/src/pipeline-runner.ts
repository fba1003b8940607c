import { errors, type Run } from '@orrery/core';
import { entryPointCommand, loggedParameters, resolveParameters } from './entry-point-command.js';
import type { EntryPointSpec, PipelineSpec, PipelineStepSpec, ProjectSpec } from './mlproject.js';
import { ORRERY_PROJECT_TAGS, PROJECT_TAGS, projectRunTags } from './project-run-tags.js';
import type { ProjectSource } from './project-source.js';
import { baseSubmission, executeOnBackend, resolveExperimentId, type ProjectRunResult, type RunProjectOptions } from './project-runner.js';
import { projectCodeHash, stepCacheKey } from './step-cache-key.js';

const REFERENCE = /\$\{([^}]*)\}/g;

interface StepResult {
  state: 'FINISHED' | 'FAILED' | 'KILLED';
  runId?: string;
  cacheKey?: string;
  /** The artifact URI under which the step's `outputs/<name>` live. */
  outputsBase?: string;
  exitCode?: number;
}

function escapeFilterValue(value: string): string {
  return value.replaceAll("'", "\\'");
}

/** Checks every step's references and required parameters before the pipeline's run is created. */
function checkPipeline(spec: ProjectSpec, pipeline: PipelineSpec, params: Record<string, string>): void {
  for (const step of pipeline.steps) {
    const entryPoint = spec.entryPoints.get(step.entryPoint)!;
    const missing = entryPoint.parameters.filter((p) => step.parameters[p.name] === undefined && p.default === undefined).map((p) => `'${p.name}'`);
    if (missing.length > 0) throw errors.invalidParameter(`Step '${step.name}' gives no value for parameters of entry point '${entryPoint.name}': ${missing.join(', ')}`);
    for (const value of Object.values(step.parameters)) {
      for (const [, reference] of value.matchAll(REFERENCE)) {
        const parts = reference!.split('.');
        if (parts[0] === 'params' && parts.length === 2) {
          if (params[parts[1]!] === undefined) throw errors.invalidParameter(`Step '${step.name}' uses \${${reference}}, which is not a parameter of pipeline '${pipeline.name}'.`);
        } else if (parts[0] === 'steps' && parts.length === 4 && parts[2] === 'outputs') {
          const upstream = pipeline.steps.find((s) => s.name === parts[1]);
          if (upstream === undefined || !step.dependsOn.includes(upstream.name)) {
            throw errors.invalidParameter(`Step '${step.name}' uses \${${reference}} but does not depend on step '${parts[1]}'.`);
          }
          if (!spec.entryPoints.get(upstream.entryPoint)!.outputs.includes(parts[3]!)) {
            throw errors.invalidParameter(`Step '${step.name}' uses \${${reference}}, but entry point '${upstream.entryPoint}' declares no output '${parts[3]}'.`);
          }
        } else {
          throw errors.invalidParameter(`Step '${step.name}' uses \${${reference}}; references are \${params.<name>} and \${steps.<step>.outputs.<name>}.`);
        }
      }
    }
  }
}

/** Replaces `${params.x}` everywhere and `${steps.s.outputs.o}` with `outputs(s, o)` (or leaves it when undefined). */
function substitute(value: string, params: Record<string, string>, output?: (step: string, name: string) => string): string {
  return value.replace(REFERENCE, (match, reference: string) => {
    const parts = reference.split('.');
    if (parts[0] === 'params') return params[parts[1]!]!;
    return output === undefined ? match : output(parts[1]!, parts[3]!);
  });
}

/**
 * Runs a pipeline of the project: one parent run, each step a nested run executed on the backend
 * once its dependencies have finished (independent steps at the same time). A step whose cache key
 * (code, entry point, parameters, upstream keys) matches an earlier FINISHED step run in the
 * experiment is not executed: its nested run records the reuse and later steps read the earlier
 * run's outputs.
 */
export async function runPipeline(options: RunProjectOptions, source: ProjectSource, spec: ProjectSpec, pipeline: PipelineSpec): Promise<ProjectRunResult> {
  const cwd = options.cwd ?? process.cwd();
  const pipelineEntry: EntryPointSpec = { name: pipeline.name, command: '', parameters: pipeline.parameters, outputs: [] };
  const params = resolveParameters(pipelineEntry, options.parameters, cwd).values;
  checkPipeline(spec, pipeline, params);
  const experimentId = await resolveExperimentId(options);
  const client = options.client;
  const parent = await client.createRun(experimentId, {
    ...(options.runName !== undefined ? { runName: options.runName } : {}),
    tags: { ...projectRunTags(source, pipeline.name, options.backend.name), [ORRERY_PROJECT_TAGS.pipeline]: pipeline.name },
  });
  const parentId = parent.info.runId;
  const logged = Object.entries(loggedParameters(params)).map(([key, value]) => ({ key, value }));
  if (logged.length > 0) await client.logBatch(parentId, { params: logged });
  options.report(`=== Running pipeline '${pipeline.name}' (${pipeline.steps.length} steps) in run with ID '${parentId}' ===`);
  const codeHash = projectCodeHash(source.dir);
  const results = new Map<string, StepResult>();
  const inFlight = new Map<string, Promise<void>>();
  let failed = false;

  const runStep = async (step: PipelineStepSpec): Promise<StepResult> => {
    const entryPoint = spec.entryPoints.get(step.entryPoint)!;
    const keyParameters = Object.fromEntries(Object.entries(step.parameters).map(([k, v]) => [k, substitute(v, params)]));
    const values = Object.fromEntries(
      Object.entries(step.parameters).map(([k, v]) => [k, substitute(v, params, (from, name) => `${results.get(from)!.outputsBase}/outputs/${name}`)]),
    );
    const resolved = resolveParameters(entryPoint, values, cwd);
    const upstream = Object.fromEntries(step.dependsOn.map((name) => [name, results.get(name)!.cacheKey!]));
    const cacheKey = stepCacheKey({ codeHash, entryPoint: entryPoint.name, command: entryPoint.command, parameters: keyParameters, upstream });
    const tags = {
      ...projectRunTags(source, entryPoint.name, options.backend.name),
      [PROJECT_TAGS.parentRunId]: parentId,
      [ORRERY_PROJECT_TAGS.pipeline]: pipeline.name,
      [ORRERY_PROJECT_TAGS.step]: step.name,
      [ORRERY_PROJECT_TAGS.cacheKey]: cacheKey,
    };
    const stepParams = Object.entries(loggedParameters(resolved.values)).map(([key, value]) => ({ key, value }));
    const cached = step.cache ? await findCachedRun(options, experimentId, cacheKey) : undefined;
    if (cached !== undefined) {
      const origin = cached.data.tags.find((t) => t.key === ORRERY_PROJECT_TAGS.cachedFrom)?.value;
      const source_ = origin === undefined ? cached : await client.getRun(origin);
      const run = await client.createRun(experimentId, { runName: step.name, tags: { ...tags, [ORRERY_PROJECT_TAGS.cachedFrom]: source_.info.runId } });
      if (stepParams.length > 0) await client.logBatch(run.info.runId, { params: stepParams });
      await client.setTerminated(run.info.runId, 'FINISHED');
      options.report(`[${pipeline.name}] step '${step.name}': cached, reusing the outputs of run ${source_.info.runId}`);
      return { state: 'FINISHED', runId: run.info.runId, cacheKey, outputsBase: source_.info.artifactUri };
    }
    const run = await client.createRun(experimentId, { runName: step.name, tags });
    if (stepParams.length > 0) await client.logBatch(run.info.runId, { params: stepParams });
    options.report(`[${pipeline.name}] step '${step.name}': running '${entryPointCommand(entryPoint, resolved.values)}' in run ${run.info.runId}`);
    const { status } = await executeOnBackend(
      { ...options, wait: true },
      { ...baseSubmission(options, source), entryPoint: entryPoint.name, parameters: resolved.values, experimentId, runId: run.info.runId, outputs: entryPoint.outputs },
      step.name,
    );
    const state = status!.state === 'QUEUED' || status!.state === 'RUNNING' ? 'FAILED' : status!.state;
    options.report(`[${pipeline.name}] step '${step.name}': ${state}`);
    return { state, runId: run.info.runId, cacheKey, outputsBase: run.info.artifactUri, ...(status!.exitCode !== undefined ? { exitCode: status!.exitCode } : {}) };
  };

  const start = (step: PipelineStepSpec) => {
    const promise = runStep(step)
      .catch((error: unknown): StepResult => {
        options.report(`[${pipeline.name}] step '${step.name}': FAILED: ${(error as Error).message}`);
        return { state: 'FAILED' };
      })
      .then((result) => {
        results.set(step.name, result);
        if (result.state !== 'FINISHED') failed = true;
        inFlight.delete(step.name);
      });
    inFlight.set(step.name, promise);
  };

  for (;;) {
    if (!failed) {
      for (const step of pipeline.steps) {
        if (results.has(step.name) || inFlight.has(step.name)) continue;
        if (step.dependsOn.every((dependency) => results.get(dependency)?.state === 'FINISHED')) start(step);
      }
    }
    if (inFlight.size === 0) break;
    await Promise.race(inFlight.values());
  }
  const skipped = pipeline.steps.filter((step) => !results.has(step.name)).map((step) => step.name);
  if (skipped.length > 0) options.report(`[${pipeline.name}] not run after a failure: ${skipped.join(', ')}`);
  const failure = pipeline.steps.map((step) => results.get(step.name)).find((result) => result !== undefined && result.state !== 'FINISHED');
  const state = failure === undefined && skipped.length === 0 ? 'FINISHED' : failure?.state === 'KILLED' ? 'KILLED' : 'FAILED';
  await client.setTerminated(parentId, state);
  options.report(state === 'FINISHED' ? `=== Run (ID '${parentId}') succeeded ===` : `=== Run (ID '${parentId}') failed ===`);
  return { runId: parentId, status: { id: parentId, runId: parentId, state, updatedAt: Date.now() }, exitCode: state === 'FINISHED' ? 0 : failure?.exitCode || 1 };
}

async function findCachedRun(options: RunProjectOptions, experimentId: string, cacheKey: string): Promise<Run | undefined> {
  const page = await options.client.searchRuns({
    experimentIds: [experimentId],
    filter: `tags.\`${ORRERY_PROJECT_TAGS.cacheKey}\` = '${escapeFilterValue(cacheKey)}' and attributes.status = 'FINISHED'`,
    orderBy: ['attributes.start_time DESC'],
    maxResults: 1,
  });
  return page.items[0];
}
