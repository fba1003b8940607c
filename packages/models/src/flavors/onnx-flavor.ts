/**
 * The `onnx` flavor on onnxruntime-node, laid out as MLflow's `mlflow.onnx`: `model.onnx`, the
 * `onnx` entry (`code`, `data`, `onnx_session_options`, `onnx_version`, `providers`) and a
 * `python_function` entry with `loader_module: mlflow.onnx`, so MLflow loads what Orrery saves.
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { OrreryError } from '@orrery/core';
import type * as OnnxRuntime from 'onnxruntime-node';
import type { InferenceSession, Tensor as OrtTensor } from 'onnxruntime-node';
import { PYTHON_ENV_FILE, CONDA_FILE, PYTHON_VERSION } from '../environment-files.js';
import type { Flavor, FlavorModel } from '../flavor-plugin.js';
import type { ModelDirectory, ModelDirectoryContent } from '../model-directory.js';
import type { Tensor, TensorDType } from '../model-data.js';
import { onnxFeed, onnxOutput, type OnnxInputInfo } from './onnx-feed.js';

export const ONNX_FLAVOR = 'onnx';
export const ONNX_MODEL_FILE = 'model.onnx';
/** The Python packages MLflow's onnx flavor pins, at the versions MLflow 2.12.2 was observed with. */
export const ONNX_PYTHON_VERSION = '1.12.0';
export const ONNXRUNTIME_PYTHON_VERSION = '1.30.0';
export const DEFAULT_ONNX_PROVIDERS = ['CUDAExecutionProvider', 'CPUExecutionProvider'];

/** onnxruntime session settings, as MLflow's `onnx_session_options` names them. */
export interface OnnxSessionOptions {
  inter_op_num_threads?: number;
  intra_op_num_threads?: number;
  execution_mode?: 'sequential' | 'parallel';
  graph_optimization_level?: number;
  extra_session_config?: Record<string, string>;
}

/** The MLmodel flavors and files for an ONNX model's bytes. */
export function onnxDirectoryContent(bytes: Uint8Array, options: { sessionOptions?: OnnxSessionOptions; providers?: string[] } = {}): Pick<ModelDirectoryContent, 'flavors' | 'files' | 'requirements'> {
  return {
    files: { [ONNX_MODEL_FILE]: bytes },
    flavors: {
      onnx: {
        code: null,
        data: ONNX_MODEL_FILE,
        onnx_session_options: options.sessionOptions ?? null,
        onnx_version: ONNX_PYTHON_VERSION,
        providers: options.providers ?? DEFAULT_ONNX_PROVIDERS,
      },
      python_function: {
        data: ONNX_MODEL_FILE,
        env: { conda: CONDA_FILE, virtualenv: PYTHON_ENV_FILE },
        loader_module: 'mlflow.onnx',
        python_version: PYTHON_VERSION,
      },
    },
    requirements: [`onnx==${ONNX_PYTHON_VERSION}`, `onnxruntime==${ONNXRUNTIME_PYTHON_VERSION}`],
  };
}

/** The model bytes: given, or read from a path. */
export async function onnxBytes(modelPathOrBytes: string | Uint8Array): Promise<Uint8Array> {
  if (typeof modelPathOrBytes !== 'string') return modelPathOrBytes;
  try {
    return await readFile(modelPathOrBytes);
  } catch (error) {
    throw new OrreryError('INVALID_PARAMETER_VALUE', `Cannot read the ONNX model file '${modelPathOrBytes}': ${(error as Error).message}`);
  }
}

type Ort = typeof OnnxRuntime;
let ortModule: Promise<Ort> | undefined;

/** onnxruntime-node, imported on first use (its native binding costs time to load). */
export function loadOnnxRuntime(): Promise<Ort> {
  ortModule ??= import('onnxruntime-node').catch((error: unknown) => {
    ortModule = undefined;
    throw new OrreryError('INTERNAL_ERROR', `onnxruntime-node could not be loaded (its native binary ships in the package for linux-x64, darwin and win32): ${(error as Error).message}`, { cause: error });
  });
  return ortModule;
}

function sessionOptions(options: unknown): InferenceSession.SessionOptions {
  const result: InferenceSession.SessionOptions = { executionProviders: ['cpu'] };
  if (options === null || typeof options !== 'object') return result;
  const o = options as OnnxSessionOptions;
  if (typeof o.intra_op_num_threads === 'number') result.intraOpNumThreads = o.intra_op_num_threads;
  if (typeof o.inter_op_num_threads === 'number') result.interOpNumThreads = o.inter_op_num_threads;
  if (typeof o.execution_mode === 'string') result.executionMode = o.execution_mode.toLowerCase() === 'parallel' ? 'parallel' : 'sequential';
  if (typeof o.graph_optimization_level === 'number') {
    const levels = { 0: 'disabled', 1: 'basic', 2: 'extended', 99: 'all' } as const;
    result.graphOptimizationLevel = levels[o.graph_optimization_level as keyof typeof levels] ?? 'all';
  }
  if (o.extra_session_config !== undefined) result.extra = { session: o.extra_session_config };
  return result;
}

const ORT_TYPES: Record<TensorDType, OrtTensor.Type> = {
  float32: 'float32', float64: 'float64', int8: 'int8', int16: 'int16', int32: 'int32', int64: 'int64',
  uint8: 'uint8', uint16: 'uint16', uint32: 'uint32', uint64: 'uint64', bool: 'bool', string: 'string',
};

/** Opens an onnxruntime session on a model file, with MLflow's session options applied. */
export async function openOnnxSession(file: string, options?: unknown): Promise<InferenceSession> {
  const ort = await loadOnnxRuntime();
  try {
    return await ort.InferenceSession.create(file, sessionOptions(options));
  } catch (error) {
    throw new OrreryError('INVALID_PARAMETER_VALUE', `onnxruntime could not load the ONNX model '${file}': ${(error as Error).message}`, { cause: error });
  }
}

class OnnxModel implements FlavorModel {
  private readonly inputs: OnnxInputInfo[];

  constructor(private readonly ort: Ort, private readonly session: InferenceSession) {
    this.inputs = session.inputNames.map((name, i) => {
      const meta = session.inputMetadata[i];
      return { name, type: meta !== undefined && meta.isTensor ? meta.type : undefined };
    });
  }

  async predict(input: Parameters<FlavorModel['predict']>[0]): ReturnType<FlavorModel['predict']> {
    const feed = onnxFeed(input, this.inputs);
    const ortFeed: Record<string, OrtTensor> = {};
    for (const [name, tensor] of Object.entries(feed)) {
      ortFeed[name] = new this.ort.Tensor(ORT_TYPES[tensor.dtype], tensor.data as never, tensor.shape);
    }
    let results: InferenceSession.OnnxValueMapType;
    try {
      results = await this.session.run(ortFeed);
    } catch (error) {
      throw new OrreryError('INVALID_PARAMETER_VALUE', `onnxruntime could not run the model: ${(error as Error).message}`, { cause: error });
    }
    const outputs = this.session.outputNames.map((name) => {
      const value = results[name] as OrtTensor;
      const tensor: Tensor = { dtype: value.type as TensorDType, shape: [...value.dims], data: value.data as Tensor['data'] };
      return { name, tensor };
    });
    return onnxOutput(input, outputs);
  }

  async close(): Promise<void> {
    await this.session.release();
  }
}

/** The built-in onnx flavor. */
export const onnxFlavor: Flavor = {
  name: ONNX_FLAVOR,
  async load(directory: ModelDirectory, settings: Record<string, unknown>): Promise<FlavorModel> {
    const data = typeof settings.data === 'string' ? settings.data : ONNX_MODEL_FILE;
    const session = await openOnnxSession(join(directory.path, data), settings.onnx_session_options);
    return new OnnxModel(await loadOnnxRuntime(), session);
  },
};
