import { useEffect, useMemo, useState } from 'react';
import type { Run } from '@orrery/core/browser';
import { useApi, useLoad } from '../api/api-context.js';
import { RunChartsSlot } from '../chart-slots.js';
import { ArtifactBrowser } from '../components/artifact-browser.js';
import { ErrorNote } from '../components/error-note.js';
import { KeyValueEditor } from '../components/key-value-editor.js';
import { formatDuration, formatNumber, formatTime } from '../components/format.js';
import { Sparkline } from '../components/sparkline.js';
import { routeHash } from '../routing/hash-route.js';
import { parentOf } from '../state/runs-table-state.js';

/** Sparklines are drawn for this many metrics at most (one sampled request each). */
const SPARKLINE_METRICS = 30;

function Overview({ run, experimentName }: { run: Run; experimentName: string | undefined }) {
  const parent = parentOf(run);
  const source = run.data.tags.find((tag) => tag.key === 'mlflow.source.name')?.value;
  const rows: Array<[string, React.ReactNode]> = [
    ['Run ID', <code key="id">{run.info.runId}</code>],
    ['Run name', run.info.runName],
    ['Experiment', <a key="e" href={routeHash({ page: 'experiment', experimentId: run.info.experimentId, tab: 'runs' })}>{experimentName ?? run.info.experimentId}</a>],
    ['Status', run.info.status],
    ['Started', formatTime(run.info.startTime)],
    ['Ended', formatTime(run.info.endTime)],
    ['Duration', formatDuration(run.info.startTime, run.info.endTime)],
    ['User', run.info.userId],
    ['Lifecycle', run.info.lifecycleStage],
    ['Artifact location', <code key="a">{run.info.artifactUri}</code>],
  ];
  if (source !== undefined) rows.push(['Source', source]);
  if (parent !== undefined) rows.push(['Parent run', <a key="p" href={routeHash({ page: 'run', experimentId: run.info.experimentId, runId: parent })}>{parent}</a>]);
  return (
    <table className="kv" data-testid="run-overview">
      <tbody>
        {rows.map(([label, value]) => (
          <tr key={label}>
            <th>{label}</th>
            <td>{value}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

function MetricsTable({ run }: { run: Run }) {
  const api = useApi();
  const [series, setSeries] = useState<Record<string, number[]>>({});
  const metrics = useMemo(() => [...run.data.metrics].sort((a, b) => a.key.localeCompare(b.key)), [run]);
  useEffect(() => {
    let cancelled = false;
    for (const metric of metrics.slice(0, SPARKLINE_METRICS)) {
      api.sampledMetricHistory([run.info.runId], metric.key, 60).then(
        (points) => {
          if (!cancelled) setSeries((previous) => ({ ...previous, [metric.key]: [...points].sort((a, b) => a.step - b.step || a.timestamp - b.timestamp).map((point) => point.value) }));
        },
        () => undefined,
      );
    }
    return () => {
      cancelled = true;
    };
  }, [api, run, metrics]);
  if (metrics.length === 0) return <p className="muted">No metrics.</p>;
  return (
    <table className="grid" data-testid="run-metrics">
      <thead>
        <tr>
          <th>Metric</th>
          <th>Latest value</th>
          <th>Step</th>
          <th>History</th>
        </tr>
      </thead>
      <tbody>
        {metrics.map((metric) => (
          <tr key={metric.key}>
            <td>{metric.key}</td>
            <td>{formatNumber(metric.value)}</td>
            <td>{metric.step}</td>
            <td>{series[metric.key] !== undefined && <Sparkline values={series[metric.key]!} />}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

function TagsEditor({ run, onChanged }: { run: Run; onChanged: () => void }) {
  const api = useApi();
  // mlflow.* tags are the system's (shown in the overview), not the user's to edit here.
  const tags = [...run.data.tags].filter((tag) => !tag.key.startsWith('mlflow.')).sort((a, b) => a.key.localeCompare(b.key));
  return (
    <KeyValueEditor
      label="run"
      items={tags}
      onSet={(key, value) => api.setRunTag(run.info.runId, key, value)}
      onDelete={(key) => api.deleteRunTag(run.info.runId, key)}
      onChanged={onChanged}
    />
  );
}

function DatasetInputs({ run }: { run: Run }) {
  const inputs = run.inputs.datasetInputs;
  if (inputs.length === 0) return <p className="muted">No dataset inputs.</p>;
  return (
    <table className="grid" data-testid="run-datasets">
      <thead>
        <tr>
          <th>Dataset</th>
          <th>Digest</th>
          <th>Source</th>
          <th>Context</th>
        </tr>
      </thead>
      <tbody>
        {inputs.map((input, index) => (
          <tr key={`${input.dataset.name}-${input.dataset.digest}-${index}`}>
            <td>{input.dataset.name}</td>
            <td>
              <code>{input.dataset.digest}</code>
            </td>
            <td>
              {input.dataset.sourceType}: <span className="muted">{input.dataset.source}</span>
            </td>
            <td>{input.tags.map((tag) => `${tag.key.replace(/^mlflow\.data\./, '')}=${tag.value}`).join(', ')}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

/** Run detail: overview, params, metrics with sparklines, editable tags, datasets, charts and artifacts. */
export function RunPage({ experimentId, runId }: { experimentId: string; runId: string }) {
  const api = useApi();
  const loaded = useLoad(() => api.getRun(runId), [api, runId]);
  const experiment = useLoad(() => api.getExperiment(experimentId), [api, experimentId]);
  const browser = useMemo(() => ({ list: (path: string) => api.listArtifacts(runId, path), urlOf: (path: string) => api.artifactUrl(runId, path) }), [api, runId]);
  const run = loaded.data;
  return (
    <section>
      <h1>
        <a href="#/experiments">Experiments</a> / <a href={routeHash({ page: 'experiment', experimentId, tab: 'runs' })}>{experiment.data?.name ?? experimentId}</a> /{' '}
        <span data-testid="run-name">{run?.info.runName ?? runId}</span>
      </h1>
      <ErrorNote error={loaded.error} />
      {run !== undefined && (
        <>
          <h2>Overview</h2>
          <Overview run={run} experimentName={experiment.data?.name} />
          <h2>Parameters</h2>
          {run.data.params.length === 0 ? (
            <p className="muted">No parameters.</p>
          ) : (
            <table className="grid" data-testid="run-params">
              <thead>
                <tr>
                  <th>Parameter</th>
                  <th>Value</th>
                </tr>
              </thead>
              <tbody>
                {[...run.data.params]
                  .sort((a, b) => a.key.localeCompare(b.key))
                  .map((param) => (
                    <tr key={param.key}>
                      <td>{param.key}</td>
                      <td>{param.value}</td>
                    </tr>
                  ))}
              </tbody>
            </table>
          )}
          <h2>Metrics</h2>
          <MetricsTable run={run} />
          <h2>Charts</h2>
          <RunChartsSlot experimentId={run.info.experimentId} runId={run.info.runId} metricKeys={run.data.metrics.map((metric) => metric.key)} />
          <h2>Tags</h2>
          <TagsEditor run={run} onChanged={loaded.reload} />
          <h2>Datasets</h2>
          <DatasetInputs run={run} />
          <h2>Artifacts</h2>
          <ArtifactBrowser list={browser.list} urlOf={browser.urlOf} />
        </>
      )}
    </section>
  );
}
