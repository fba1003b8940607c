/**
 * `orrery models predict`: MLflow's `mlflow models predict` — one input file (scoring-protocol JSON
 * or CSV) scored in-process and the predictions written as the scoring server writes them. Like
 * MLflow's CLI, inputs are not cast to the signature while parsing and ints are not widened to
 * floats (`allowIntToFloat: false`).
 */
import { randomUUID } from 'node:crypto';
import { readFile, rename, rm, writeFile } from 'node:fs/promises';
import { OrreryError } from '@orrery/core';
import type { LoadedModel, LoadModelOptions } from '@orrery/models';
import { parseInvocation } from './scoring-protocol.js';
import { scoringResponseJson } from './scoring-output.js';

export interface BatchPredictOptions {
  modelUri: string;
  /** The input file; stdin when absent. */
  inputPath?: string;
  /** The output file; stdout when absent. */
  outputPath?: string;
  contentType: 'json' | 'csv';
  loadOptions?: LoadModelOptions;
  loaderModule?: string;
  /** Where stdout goes (tests). */
  stdout?: (text: string) => void;
}

async function readStdin(): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

/** Predicts on the input; writes the output file atomically (nothing is written when predict fails). */
export async function batchPredict(options: BatchPredictOptions): Promise<void> {
  if (options.contentType !== 'json' && options.contentType !== 'csv') {
    throw new OrreryError('INVALID_PARAMETER_VALUE', `Unknown content type '${String(options.contentType)}': use json or csv`);
  }
  let text: string;
  try {
    text = options.inputPath === undefined ? await readStdin() : await readFile(options.inputPath, 'utf8');
  } catch (error) {
    throw new OrreryError('INVALID_PARAMETER_VALUE', `Cannot read the input file ${options.inputPath}: ${(error as Error).message}`);
  }
  const loader = (await import(options.loaderModule ?? '@orrery/models')) as {
    loadModel(uri: string, o?: LoadModelOptions): Promise<LoadedModel>;
  };
  const model = await loader.loadModel(options.modelUri, { ...options.loadOptions, allowIntToFloat: false });
  try {
    const request = parseInvocation(options.contentType, text, model.signature?.inputs, false);
    const output = await model.predict(request.input, request.params);
    const json = scoringResponseJson(output, model.signature?.outputs);
    if (options.outputPath === undefined) {
      (options.stdout ?? ((t: string) => process.stdout.write(t)))(json);
      return;
    }
    const temp = `${options.outputPath}.${randomUUID()}.tmp`;
    try {
      await writeFile(temp, json);
      await rename(temp, options.outputPath);
    } catch (error) {
      await rm(temp, { force: true });
      throw error;
    }
  } finally {
    await model.close();
  }
}
