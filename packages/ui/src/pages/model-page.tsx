import { useState, type FormEvent } from 'react';
import { useAction, useApi, useLoad } from '../api/api-context.js';
import { ErrorNote } from '../components/error-note.js';
import { formatTime } from '../components/format.js';
import { KeyValueEditor } from '../components/key-value-editor.js';
import { routeHash } from '../routing/hash-route.js';

/** One registered model: description, tags, aliases and its versions. */
export function ModelPage({ name }: { name: string }) {
  const api = useApi();
  const act = useAction();
  const model = useLoad(() => api.getRegisteredModel(name), [api, name]);
  const versions = useLoad(() => api.searchModelVersions(name), [api, name]);
  const [alias, setAlias] = useState('');
  const [aliasVersion, setAliasVersion] = useState('');
  const [error, setError] = useState<string | undefined>();
  const addAlias = async (event: FormEvent) => {
    event.preventDefault();
    setError(undefined);
    if (await act(() => api.setAlias(name, alias.trim(), aliasVersion.trim()), setError)) {
      setAlias('');
      setAliasVersion('');
      model.reload();
      versions.reload();
    }
  };
  const removeAlias = async (which: string) => {
    if (await act(() => api.deleteAlias(name, which), setError)) {
      model.reload();
      versions.reload();
    }
  };
  return (
    <section>
      <h1>
        <a href="#/models">Registered models</a> / <span data-testid="model-name">{name}</span>
      </h1>
      <ErrorNote error={model.error} />
      {model.data !== undefined && (
        <>
          <table className="kv">
            <tbody>
              <tr>
                <th>Created</th>
                <td>{formatTime(model.data.creationTimestamp)}</td>
              </tr>
              <tr>
                <th>Last modified</th>
                <td>{formatTime(model.data.lastUpdatedTimestamp)}</td>
              </tr>
              <tr>
                <th>Description</th>
                <td>{model.data.description || <span className="muted">none</span>}</td>
              </tr>
            </tbody>
          </table>
          <h2>Aliases</h2>
          <ul data-testid="model-aliases">
            {model.data.aliases.map((entry) => (
              <li key={entry.alias}>
                @{entry.alias} → <a href={routeHash({ page: 'model-version', name, version: entry.version })}>version {entry.version}</a>{' '}
                <button type="button" aria-label={`Delete alias ${entry.alias}`} onClick={() => void removeAlias(entry.alias)}>
                  Delete
                </button>
              </li>
            ))}
          </ul>
          <form className="toolbar" onSubmit={(event) => void addAlias(event)}>
            <input aria-label="Alias" placeholder="alias" value={alias} onChange={(event) => setAlias(event.target.value)} />
            <input aria-label="Alias version" placeholder="version" value={aliasVersion} onChange={(event) => setAliasVersion(event.target.value)} />
            <button type="submit" disabled={alias.trim() === '' || aliasVersion.trim() === ''}>
              Set alias
            </button>
          </form>
          <ErrorNote error={error} />
          <h2>Tags</h2>
          <KeyValueEditor
            label="model"
            items={model.data.tags}
            onSet={(key, value) => api.setModelTag(name, key, value)}
            onDelete={(key) => api.deleteModelTag(name, key)}
            onChanged={model.reload}
          />
        </>
      )}
      <h2>Versions</h2>
      <ErrorNote error={versions.error} />
      <table className="grid" data-testid="model-versions">
        <thead>
          <tr>
            <th>Version</th>
            <th>Stage</th>
            <th>Aliases</th>
            <th>Created</th>
            <th>Source run</th>
          </tr>
        </thead>
        <tbody>
          {(versions.data?.items ?? []).map((version) => (
            <tr key={version.version}>
              <td>
                <a href={routeHash({ page: 'model-version', name, version: version.version })}>Version {version.version}</a>
              </td>
              <td>{version.currentStage}</td>
              <td>{version.aliases.map((entry) => `@${entry}`).join(', ')}</td>
              <td>{formatTime(version.creationTimestamp)}</td>
              <td>{version.runId ? <code>{version.runId}</code> : ''}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </section>
  );
}
