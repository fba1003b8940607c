import { useState } from 'react';
import { useApi, useLoad } from '../api/api-context.js';
import { ErrorNote } from '../components/error-note.js';
import { formatTime } from '../components/format.js';
import { routeHash } from '../routing/hash-route.js';
import { experimentNameFilter } from '../state/experiment-filter.js';

/** Registered models: search by name; latest version per stage and aliases. */
export function ModelsPage() {
  const api = useApi();
  const [search, setSearch] = useState('');
  const loaded = useLoad(() => api.searchRegisteredModels({ filter: experimentNameFilter(search) ?? '' }), [api, search]);
  return (
    <section>
      <h1>Registered models</h1>
      <div className="toolbar">
        <input type="search" placeholder="Search models by name" aria-label="Search models" value={search} onChange={(event) => setSearch(event.target.value)} />
      </div>
      <ErrorNote error={loaded.error} />
      <table className="grid" data-testid="models-table">
        <thead>
          <tr>
            <th>Name</th>
            <th>Latest versions</th>
            <th>Aliases</th>
            <th>Last modified</th>
          </tr>
        </thead>
        <tbody>
          {(loaded.data?.items ?? []).map((model) => (
            <tr key={model.name}>
              <td>
                <a href={routeHash({ page: 'model', name: model.name })}>{model.name}</a>
              </td>
              <td>
                {model.latestVersions.map((version) => (
                  <a key={version.version} href={routeHash({ page: 'model-version', name: model.name, version: version.version })} style={{ marginRight: 8 }}>
                    v{version.version}
                    {version.currentStage !== 'None' ? ` (${version.currentStage})` : ''}
                  </a>
                ))}
              </td>
              <td>{model.aliases.map((alias) => `@${alias.alias} → v${alias.version}`).join(', ')}</td>
              <td>{formatTime(model.lastUpdatedTimestamp)}</td>
            </tr>
          ))}
        </tbody>
      </table>
      {loaded.data !== undefined && loaded.data.items.length === 0 && <p className="muted">No registered models.</p>}
    </section>
  );
}
