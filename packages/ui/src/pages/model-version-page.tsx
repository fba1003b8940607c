import { useState } from 'react';
import type { ModelStage } from '@orrery/core/browser';
import { useAction, useApi, useLoad } from '../api/api-context.js';
import { ApiError } from '../api/api-error.js';
import { ErrorNote } from '../components/error-note.js';
import { formatTime } from '../components/format.js';
import { KeyValueEditor } from '../components/key-value-editor.js';
import { routeHash } from '../routing/hash-route.js';

const STAGES: ModelStage[] = ['None', 'Staging', 'Production', 'Archived'];

/** One model version: stage transitions, aliases, tags, and the link to the run that made it. */
export function ModelVersionPage({ name, version }: { name: string; version: string }) {
  const api = useApi();
  const act = useAction();
  const loaded = useLoad(() => api.getModelVersion(name, version), [api, name, version]);
  // The run's experiment, for the run link (MLflow's version page links to the run the same way).
  const runLink = useLoad(async () => {
    const runId = loaded.data?.runId;
    if (!runId) return undefined;
    try {
      const run = await api.getRun(runId);
      return { runId, experimentId: run.info.experimentId, runName: run.info.runName };
    } catch (error) {
      // A run the user may not read (or one deleted since) is named without a link.
      if (error instanceof ApiError && !error.unauthenticated) return { runId, experimentId: undefined, runName: runId };
      throw error;
    }
  }, [api, loaded.data?.runId]);
  const [stage, setStage] = useState<ModelStage>('Staging');
  const [archiveExisting, setArchiveExisting] = useState(false);
  const [error, setError] = useState<string | undefined>();
  const mv = loaded.data;
  const transition = async () => {
    setError(undefined);
    if (await act(() => api.transitionStage(name, version, stage, archiveExisting), setError)) loaded.reload();
  };
  return (
    <section>
      <h1>
        <a href="#/models">Registered models</a> / <a href={routeHash({ page: 'model', name })}>{name}</a> / <span data-testid="version-title">Version {version}</span>
      </h1>
      <ErrorNote error={loaded.error} />
      {mv !== undefined && (
        <>
          <table className="kv" data-testid="version-overview">
            <tbody>
              <tr>
                <th>Stage</th>
                <td data-testid="version-stage">{mv.currentStage}</td>
              </tr>
              <tr>
                <th>Status</th>
                <td>{mv.status}</td>
              </tr>
              <tr>
                <th>Aliases</th>
                <td>{mv.aliases.map((entry) => `@${entry}`).join(', ') || <span className="muted">none</span>}</td>
              </tr>
              <tr>
                <th>Created</th>
                <td>{formatTime(mv.creationTimestamp)}</td>
              </tr>
              <tr>
                <th>Source</th>
                <td>
                  <code>{mv.source}</code>
                </td>
              </tr>
              <tr>
                <th>Source run</th>
                <td>
                  {runLink.data === undefined ? (
                    mv.runId ? <code>{mv.runId}</code> : <span className="muted">none</span>
                  ) : runLink.data.experimentId === undefined ? (
                    <code>{runLink.data.runId}</code>
                  ) : (
                    <a data-testid="source-run-link" href={routeHash({ page: 'run', experimentId: runLink.data.experimentId, runId: runLink.data.runId })}>
                      {runLink.data.runName || runLink.data.runId}
                    </a>
                  )}
                </td>
              </tr>
              <tr>
                <th>Description</th>
                <td>{mv.description || <span className="muted">none</span>}</td>
              </tr>
            </tbody>
          </table>
          <h2>Stage</h2>
          <div className="toolbar">
            <select aria-label="New stage" value={stage} onChange={(event) => setStage(event.target.value as ModelStage)}>
              {STAGES.map((candidate) => (
                <option key={candidate} value={candidate}>
                  {candidate}
                </option>
              ))}
            </select>
            <label>
              <input type="checkbox" checked={archiveExisting} onChange={(event) => setArchiveExisting(event.target.checked)} /> archive versions now in that stage
            </label>
            <button type="button" onClick={() => void transition()}>
              Transition
            </button>
          </div>
          <ErrorNote error={error} />
          <h2>Tags</h2>
          <KeyValueEditor
            label="version"
            items={mv.tags}
            onSet={(key, value) => api.setVersionTag(name, version, key, value)}
            onDelete={(key) => api.deleteVersionTag(name, version, key)}
            onChanged={loaded.reload}
          />
        </>
      )}
    </section>
  );
}
