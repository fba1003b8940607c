import { useState, type FormEvent } from 'react';
import type { ViewType } from '@orrery/core/browser';
import { useAction, useApi, useLoad } from '../api/api-context.js';
import { ErrorNote } from '../components/error-note.js';
import { formatTime } from '../components/format.js';
import { experimentNameFilter } from '../state/experiment-filter.js';

/** Experiments: search by name, create, rename, delete and restore (deleted ones under "Deleted"). */
export function ExperimentsPage() {
  const api = useApi();
  const act = useAction();
  const [search, setSearch] = useState('');
  const [viewType, setViewType] = useState<ViewType>('ACTIVE_ONLY');
  const [newName, setNewName] = useState('');
  const [actionError, setActionError] = useState<string | undefined>();
  const loaded = useLoad(() => api.searchExperiments({ filter: experimentNameFilter(search), viewType, orderBy: ['name ASC'] }), [api, search, viewType]);

  const create = async (event: FormEvent) => {
    event.preventDefault();
    setActionError(undefined);
    if (await act(() => api.createExperiment(newName.trim()).then(() => undefined), setActionError)) {
      setNewName('');
      loaded.reload();
    }
  };
  const rename = async (experimentId: string, current: string) => {
    const name = window.prompt('New name of the experiment', current);
    if (name === null || name.trim() === '' || name === current) return;
    setActionError(undefined);
    if (await act(() => api.renameExperiment(experimentId, name.trim()), setActionError)) loaded.reload();
  };
  const remove = async (experimentId: string) => {
    setActionError(undefined);
    if (await act(() => api.deleteExperiment(experimentId), setActionError)) loaded.reload();
  };
  const restore = async (experimentId: string) => {
    setActionError(undefined);
    if (await act(() => api.restoreExperiment(experimentId), setActionError)) loaded.reload();
  };

  return (
    <section>
      <h1>Experiments</h1>
      <div className="toolbar">
        <input type="search" placeholder="Search experiments by name" aria-label="Search experiments" value={search} onChange={(event) => setSearch(event.target.value)} />
        <select aria-label="Lifecycle" value={viewType} onChange={(event) => setViewType(event.target.value as ViewType)}>
          <option value="ACTIVE_ONLY">Active</option>
          <option value="DELETED_ONLY">Deleted</option>
          <option value="ALL">All</option>
        </select>
        <form className="inline" onSubmit={(event) => void create(event)}>
          <input placeholder="New experiment name" aria-label="New experiment name" value={newName} onChange={(event) => setNewName(event.target.value)} />
          <button type="submit" disabled={newName.trim() === ''}>
            Create
          </button>
        </form>
      </div>
      <ErrorNote error={actionError} />
      <ErrorNote error={loaded.error} />
      <table className="grid" data-testid="experiments-table">
        <thead>
          <tr>
            <th>Name</th>
            <th>ID</th>
            <th>Created</th>
            <th>Artifact location</th>
            <th />
          </tr>
        </thead>
        <tbody>
          {(loaded.data?.items ?? []).map((experiment) => (
            <tr key={experiment.experimentId} data-experiment-id={experiment.experimentId}>
              <td>
                <a href={`#/experiments/${encodeURIComponent(experiment.experimentId)}`}>{experiment.name}</a>
                {experiment.lifecycleStage === 'deleted' && <span className="badge">deleted</span>}
              </td>
              <td>{experiment.experimentId}</td>
              <td>{formatTime(experiment.creationTime)}</td>
              <td className="muted">{experiment.artifactLocation}</td>
              <td className="actions">
                {experiment.lifecycleStage === 'deleted' ? (
                  <button type="button" onClick={() => void restore(experiment.experimentId)}>
                    Restore
                  </button>
                ) : (
                  <>
                    <button type="button" onClick={() => void rename(experiment.experimentId, experiment.name)}>
                      Rename
                    </button>
                    <button type="button" onClick={() => void remove(experiment.experimentId)}>
                      Delete
                    </button>
                  </>
                )}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
      {loaded.data !== undefined && loaded.data.items.length === 0 && <p className="muted">No experiments match.</p>}
    </section>
  );
}
