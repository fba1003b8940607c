/**
 * The inference worker thread: loads the model once, then scores the batches the pool sends it.
 * Parsing, predicting and writing the JSON all happen here, off the server's event loop.
 */
import { parentPort, workerData } from 'node:worker_threads';
import type { LoadedModel, LoadModelOptions } from '@orrery/models';
import { scoreBatch, type BatchItem } from './batch-scoring.js';
import type { OipModelInfo } from './open-inference.js';

export interface InferenceWorkerData {
  modelUri: string;
  /** The module whose `loadModel(uri, options)` loads the model (default `@orrery/models`). */
  loaderModule: string;
  loadOptions: LoadModelOptions;
  modelName: string;
  modelVersion: string | undefined;
  maxBatchRows: number;
}

export type WorkerRequest = { type: 'batch'; id: number; items: BatchItem[] } | { type: 'close' };

async function main(): Promise<void> {
  const port = parentPort!;
  const data = workerData as InferenceWorkerData;
  let model: LoadedModel;
  try {
    const loader = (await import(data.loaderModule)) as { loadModel(uri: string, options?: LoadModelOptions): Promise<LoadedModel> };
    model = await loader.loadModel(data.modelUri, data.loadOptions);
  } catch (error) {
    const code = (error as { code?: unknown }).code;
    port.postMessage({ type: 'failed', message: error instanceof Error ? error.message : String(error), code: typeof code === 'string' ? code : undefined });
    return;
  }
  const info: OipModelInfo = { name: data.modelName, version: data.modelVersion, flavor: model.flavor, signature: model.signature };
  port.postMessage({ type: 'ready', flavor: model.flavor, signature: model.signature, metadata: model.metadata });
  port.on('message', (message: WorkerRequest) => {
    if (message.type === 'close') {
      // process.exit in a worker thread ends the thread only; native sessions may keep its loop alive otherwise.
      void model.close().finally(() => process.exit(0));
      return;
    }
    void scoreBatch(model, message.items, info, data.maxBatchRows).then(
      (result) => port.postMessage({ type: 'done', id: message.id, responses: result.responses, calls: result.calls }),
      (error: unknown) => port.postMessage({ type: 'crashed', id: message.id, message: error instanceof Error ? error.message : String(error) }),
    );
  });
}

void main();
