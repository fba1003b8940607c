export function RunPage({ experimentId, runId }: { experimentId: string; runId: string }) {
  return <section data-todo="run-page">{JSON.stringify({ experimentId, runId })}</section>;
}
