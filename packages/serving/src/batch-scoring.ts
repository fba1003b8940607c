/**
 * Scores a batch of raw requests against a loaded model: each body parsed (MLflow's scoring
 * protocol or the Open Inference Protocol), inputs of the same layout concatenated into one
 * `predict`, the output cut back per request and written in that request's protocol. This runs in
 * the inference worker threads, so the event loop only moves bytes.
 */
import type { LoadedModel, ModelInput, ModelOutput } from '@orrery/models';
import { batchKey, mergeInputs, splitOutput } from './batch-merge.js';
import { oipError, oipResponseJson, parseOipRequest, type OipModelInfo } from './open-inference.js';
import { errorResponse, parseInvocation, predictFailure, type ScoringResponse } from './scoring-protocol.js';
import { scoringResponseJson } from './scoring-output.js';

export type BatchItem =
  | { protocol: 'mlflow'; format: 'json' | 'csv'; body: string }
  | { protocol: 'oip'; body: string };

interface Parsed {
  index: number;
  item: BatchItem;
  input: ModelInput;
  params: Record<string, unknown> | undefined;
  rows: number;
  oipId?: string | undefined;
}

export interface BatchResult {
  responses: ScoringResponse[];
  /** Sizes (in requests) of the model calls made. */
  calls: number[];
}

function failure(item: BatchItem, error: unknown): ScoringResponse {
  if (item.protocol === 'oip') {
    const mlflow = errorResponse(error);
    const message = (JSON.parse(mlflow.body) as { message: string }).message;
    return oipError(mlflow.status, message);
  }
  return errorResponse(error);
}

function success(p: Parsed, output: ModelOutput, model: LoadedModel, info: OipModelInfo): ScoringResponse {
  if (p.item.protocol === 'oip') return { status: 200, contentType: 'application/json', body: oipResponseJson(info, p.oipId, output) };
  return { status: 200, contentType: 'application/json', body: scoringResponseJson(output, model.signature?.outputs) };
}

async function predictOne(model: LoadedModel, p: Parsed, info: OipModelInfo): Promise<ScoringResponse> {
  try {
    const output = await model.predict(p.input, p.params);
    return success(p, output, model, info);
  } catch (error) {
    return failure(p.item, predictFailure(error, p.input));
  }
}

/** Scores requests; responses come back in the order of `items`. */
export async function scoreBatch(model: LoadedModel, items: BatchItem[], info: OipModelInfo, maxBatchRows = Infinity): Promise<BatchResult> {
  const responses = new Array<ScoringResponse>(items.length);
  const groups = new Map<string, Parsed[]>();
  const alone: Parsed[] = [];
  const schema = model.signature?.inputs;
  items.forEach((item, index) => {
    try {
      const parsed: Parsed =
        item.protocol === 'oip'
          ? (() => {
              const r = parseOipRequest(item.body, schema);
              return { index, item, input: r.input, params: r.params, rows: r.rows, oipId: r.id };
            })()
          : { index, item, ...parseInvocation(item.format, item.body, schema) };
      const key = items.length > 1 ? batchKey(parsed.input, parsed.params) : undefined;
      if (key === undefined) alone.push(parsed);
      else {
        const group = groups.get(key);
        if (group) group.push(parsed);
        else groups.set(key, [parsed]);
      }
    } catch (error) {
      responses[index] = failure(item, error);
    }
  });
  const calls: number[] = [];
  const runs: Promise<void>[] = alone.map(async (p) => {
    calls.push(1);
    responses[p.index] = await predictOne(model, p, info);
  });
  for (const group of groups.values()) {
    // Chunks of at most maxBatchRows rows (a request larger than that runs on its own).
    let chunk: Parsed[] = [];
    let rows = 0;
    const chunks: Parsed[][] = [];
    for (const p of group) {
      if (chunk.length > 0 && rows + p.rows > maxBatchRows) {
        chunks.push(chunk);
        chunk = [];
        rows = 0;
      }
      chunk.push(p);
      rows += p.rows;
    }
    if (chunk.length > 0) chunks.push(chunk);
    for (const members of chunks) runs.push(runMerged(model, members, info, responses, calls));
  }
  await Promise.all(runs);
  return { responses, calls };
}

async function runMerged(model: LoadedModel, members: Parsed[], info: OipModelInfo, responses: ScoringResponse[], calls: number[]): Promise<void> {
  if (members.length === 1) {
    calls.push(1);
    responses[members[0]!.index] = await predictOne(model, members[0]!, info);
    return;
  }
  let parts: ModelOutput[] | undefined;
  try {
    const output = await model.predict(mergeInputs(members.map((m) => m.input)), undefined);
    parts = splitOutput(output, members.map((m) => m.rows));
  } catch {
    // One bad request must not fail its neighbours: predict them one by one to attribute the error.
    parts = undefined;
  }
  if (parts) {
    calls.push(members.length);
    members.forEach((m, i) => (responses[m.index] = success(m, parts[i]!, model, info)));
    return;
  }
  await Promise.all(members.map(async (m) => {
    calls.push(1);
    responses[m.index] = await predictOne(model, m, info);
  }));
}
