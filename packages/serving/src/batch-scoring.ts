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

/**
 * Scores requests; responses come back in the order of `items`. Requests are parsed in order and
 * consecutive ones with the same layout gather into one model call of at most `maxBatchRows`
 * rows; a group is predicted as soon as the next request cannot join it, so only one group's
 * parsed data is alive at a time (parsing everything first keeps large inputs alive long enough
 * to be promoted to the old generation, which costs more than the call saves).
 */
export async function scoreBatch(model: LoadedModel, items: BatchItem[], info: OipModelInfo, maxBatchRows = Infinity): Promise<BatchResult> {
  const responses = new Array<ScoringResponse>(items.length);
  const schema = model.signature?.inputs;
  const calls: number[] = [];
  let group: Parsed[] = [];
  let groupKey: string | undefined;
  let groupRows = 0;
  const flush = async (): Promise<void> => {
    if (group.length > 0) await runMerged(model, group, info, responses, calls);
    group = [];
    groupKey = undefined;
    groupRows = 0;
  };
  for (const [index, item] of items.entries()) {
    let parsed: Parsed;
    try {
      if (item.protocol === 'oip') {
        const r = parseOipRequest(item.body, schema);
        parsed = { index, item, input: r.input, params: r.params, rows: r.rows, oipId: r.id };
      } else {
        parsed = { index, item, ...parseInvocation(item.format, item.body, schema) };
      }
    } catch (error) {
      responses[index] = failure(item, error);
      continue;
    }
    const key = items.length > 1 ? batchKey(parsed.input, parsed.params) : undefined;
    if (key === undefined || key !== groupKey || groupRows + parsed.rows > maxBatchRows) await flush();
    group.push(parsed);
    groupRows += parsed.rows;
    groupKey = key;
    // A request that cannot be merged goes alone.
    if (key === undefined) await flush();
  }
  await flush();
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
  for (const m of members) {
    calls.push(1);
    responses[m.index] = await predictOne(model, m, info);
  }
}
