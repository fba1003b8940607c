import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { isMap, isScalar, isSeq, parseDocument, type Node as YamlNode } from 'yaml';
import { errors } from '@orrery/core';

/** The parameter types of MLflow's MLproject format. */
export const PARAMETER_TYPES = ['string', 'float', 'int', 'path', 'uri'] as const;
export type ParameterType = (typeof PARAMETER_TYPES)[number];

export interface ParameterSpec {
  name: string;
  type: ParameterType;
  /** The default as written in the file; undefined when the parameter is required. */
  default?: string;
}

export interface EntryPointSpec {
  name: string;
  /** The command template, with `{param}` placeholders (Python `str.format` rules). */
  command: string;
  parameters: ParameterSpec[];
  /**
   * Orrery extension: outputs the command writes under `$ORRERY_OUTPUT_DIR/<name>`, logged as the
   * run's artifacts `outputs/<name>` and handed to later pipeline steps as artifact URIs.
   */
  outputs: string[];
}

export type ProjectEnvironmentKind = 'python_env' | 'conda_env' | 'docker_env';

export interface ProjectEnvironment {
  kind: ProjectEnvironmentKind;
  /** The file (python_env, conda_env) or the image (docker_env) named in the MLproject. */
  value: string;
}

export interface PipelineStepSpec {
  name: string;
  entryPoint: string;
  dependsOn: string[];
  /** Values with `${params.<name>}` and `${steps.<step>.outputs.<output>}` references. */
  parameters: Record<string, string>;
  /** False turns the step's cache off (it always runs). */
  cache: boolean;
}

/** Orrery extension: a DAG of entry points run as nested runs of one pipeline run. */
export interface PipelineSpec {
  name: string;
  parameters: ParameterSpec[];
  steps: PipelineStepSpec[];
}

export interface ProjectSpec {
  /** The project directory the spec was read from. */
  dir: string;
  name?: string;
  /** False when the directory has no MLproject file (scripts are run as entry points). */
  hasMLproject: boolean;
  entryPoints: Map<string, EntryPointSpec>;
  environment?: ProjectEnvironment;
  pipelines: Map<string, PipelineSpec>;
}

const ENVIRONMENT_KEYS: readonly ProjectEnvironmentKind[] = ['python_env', 'conda_env', 'docker_env'];

function invalid(message: string): Error {
  return errors.invalidParameter(`Invalid MLproject: ${message}`);
}

/** The text of a scalar as written, so a default `1.0` stays `1.0` (as Python's str() keeps it). */
function scalarText(node: unknown, where: string): string {
  if (!isScalar(node)) throw invalid(`${where} must be a single value.`);
  if (node.value === null) return '';
  if (typeof node.value === 'string') return node.value;
  return typeof node.source === 'string' ? node.source : String(node.value);
}

function mapEntries(node: unknown, where: string): Array<[string, YamlNode | null]> {
  if (node === undefined || node === null) return [];
  if (!isMap(node)) throw invalid(`${where} must be a mapping.`);
  return node.items.map((pair) => [scalarText(pair.key, `a key of ${where}`), (pair.value ?? null) as YamlNode | null]);
}

function stringList(node: unknown, where: string): string[] {
  if (node === undefined || node === null) return [];
  if (isScalar(node)) return [scalarText(node, where)];
  if (!isSeq(node)) throw invalid(`${where} must be a list.`);
  return node.items.map((item) => scalarText(item, `an item of ${where}`));
}

function parameterSpec(name: string, node: YamlNode | null, where: string): ParameterSpec {
  if (node === null) return { name, type: 'string' };
  let type = 'string';
  let defaultValue: string | undefined;
  if (isScalar(node)) {
    type = scalarText(node, where);
  } else if (isMap(node)) {
    const typeNode = node.get('type', true);
    if (typeNode !== undefined) type = scalarText(typeNode, `${where}.type`);
    const defaultNode = node.get('default', true);
    if (defaultNode !== undefined && !(isScalar(defaultNode) && defaultNode.value === null)) {
      defaultValue = scalarText(defaultNode, `${where}.default`);
    }
  } else {
    throw invalid(`${where} must be a type name or a mapping with "type" and "default".`);
  }
  if (!(PARAMETER_TYPES as readonly string[]).includes(type)) {
    throw invalid(`${where} has type "${type}"; allowed types: ${PARAMETER_TYPES.join(', ')}.`);
  }
  return { name, type: type as ParameterType, ...(defaultValue !== undefined ? { default: defaultValue } : {}) };
}

function parameterSpecs(node: unknown, where: string): ParameterSpec[] {
  return mapEntries(node, where).map(([name, value]) => parameterSpec(name, value, `${where}.${name}`));
}

function entryPointSpec(name: string, node: YamlNode | null): EntryPointSpec {
  const where = `entry_points.${name}`;
  if (!isMap(node)) throw invalid(`${where} must be a mapping with a "command".`);
  const command = node.get('command', true);
  if (command === undefined) throw invalid(`${where} has no "command".`);
  return {
    name,
    command: scalarText(command, `${where}.command`),
    parameters: parameterSpecs(node.get('parameters', true), `${where}.parameters`),
    outputs: stringList(node.get('outputs', true), `${where}.outputs`),
  };
}

function pipelineSpec(name: string, node: YamlNode | null, entryPoints: Map<string, EntryPointSpec>): PipelineSpec {
  const where = `pipelines.${name}`;
  if (!isMap(node)) throw invalid(`${where} must be a mapping with "steps".`);
  const steps = mapEntries(node.get('steps', true), `${where}.steps`).map(([stepName, stepNode]): PipelineStepSpec => {
    const at = `${where}.steps.${stepName}`;
    if (stepNode !== null && !isMap(stepNode)) throw invalid(`${at} must be a mapping.`);
    const entryNode = stepNode?.get('entry_point', true);
    const entryPoint = entryNode === undefined ? stepName : scalarText(entryNode, `${at}.entry_point`);
    if (!entryPoints.has(entryPoint)) throw invalid(`${at} names entry point "${entryPoint}", which the file does not declare.`);
    const cacheNode = stepNode?.get('cache', true);
    return {
      name: stepName,
      entryPoint,
      dependsOn: stringList(stepNode?.get('depends_on', true), `${at}.depends_on`),
      parameters: Object.fromEntries(
        mapEntries(stepNode?.get('parameters', true), `${at}.parameters`).map(([key, value]) => [key, scalarText(value, `${at}.parameters.${key}`)]),
      ),
      cache: cacheNode === undefined ? true : scalarText(cacheNode, `${at}.cache`) !== 'false',
    };
  });
  if (steps.length === 0) throw invalid(`${where} has no steps.`);
  const names = new Set(steps.map((step) => step.name));
  for (const step of steps) {
    for (const dependency of step.dependsOn) {
      if (!names.has(dependency)) throw invalid(`step "${step.name}" of pipeline "${name}" depends on "${dependency}", which is not a step.`);
    }
  }
  const spec = { name, parameters: parameterSpecs(node.get('parameters', true), `${where}.parameters`), steps };
  pipelineOrder(spec);
  return spec;
}

/** The steps in an order where each comes after its dependencies; refuses a cycle. */
export function pipelineOrder(pipeline: PipelineSpec): PipelineStepSpec[] {
  const byName = new Map(pipeline.steps.map((step) => [step.name, step]));
  const done = new Set<string>();
  const visiting = new Set<string>();
  const order: PipelineStepSpec[] = [];
  const visit = (step: PipelineStepSpec, path: string[]): void => {
    if (done.has(step.name)) return;
    if (visiting.has(step.name)) throw invalid(`pipeline "${pipeline.name}" has a dependency cycle: ${[...path, step.name].join(' -> ')}.`);
    visiting.add(step.name);
    for (const dependency of step.dependsOn) visit(byName.get(dependency)!, [...path, step.name]);
    visiting.delete(step.name);
    done.add(step.name);
    order.push(step);
  };
  for (const step of pipeline.steps) visit(step, []);
  return order;
}

/** Parses MLproject text; `dir` is the project directory it belongs to. */
export function parseMLproject(text: string, dir: string): ProjectSpec {
  const document = parseDocument(text);
  if (document.errors.length > 0) throw invalid(document.errors[0]!.message.split('\n')[0]!);
  const root = document.contents;
  if (root !== null && !isMap(root)) throw invalid('the file must be a mapping.');
  const entryPoints = new Map<string, EntryPointSpec>();
  for (const [name, node] of mapEntries(root?.get('entry_points', true), 'entry_points')) {
    entryPoints.set(name, entryPointSpec(name, node));
  }
  const declared = ENVIRONMENT_KEYS.filter((key) => root?.has(key));
  if (declared.length > 1) throw invalid(`only one of ${ENVIRONMENT_KEYS.join(', ')} may be given; found ${declared.join(', ')}.`);
  let environment: ProjectEnvironment | undefined;
  if (declared[0] !== undefined) {
    const node = root!.get(declared[0], true);
    const value = isMap(node) ? scalarText(node.get('image', true), `${declared[0]}.image`) : scalarText(node, declared[0]);
    environment = { kind: declared[0], value };
  }
  const pipelines = new Map<string, PipelineSpec>();
  for (const [name, node] of mapEntries(root?.get('pipelines', true), 'pipelines')) {
    if (entryPoints.has(name)) throw invalid(`"${name}" is both an entry point and a pipeline.`);
    pipelines.set(name, pipelineSpec(name, node, entryPoints));
  }
  const nameNode = root?.get('name', true);
  return {
    dir,
    ...(nameNode !== undefined ? { name: scalarText(nameNode, 'name') } : {}),
    hasMLproject: true,
    entryPoints,
    ...(environment !== undefined ? { environment } : {}),
    pipelines,
  };
}

/**
 * Reads the project in `dir`: its MLproject file (any capitalisation MLflow accepts is not
 * searched for: MLflow reads exactly `MLproject`), or, without one, a spec with no declared entry
 * points whose scripts are run directly.
 */
export function loadProjectSpec(dir: string): ProjectSpec {
  if (!existsSync(dir)) throw errors.invalidParameter(`Project directory ${dir} does not exist.`);
  const file = join(dir, 'MLproject');
  if (existsSync(file)) return parseMLproject(readFileSync(file, 'utf8'), dir);
  const conda = join(dir, 'conda.yaml');
  return {
    dir,
    hasMLproject: false,
    entryPoints: new Map(),
    ...(existsSync(conda) ? { environment: { kind: 'conda_env' as const, value: 'conda.yaml' } } : {}),
    pipelines: new Map(),
  };
}
