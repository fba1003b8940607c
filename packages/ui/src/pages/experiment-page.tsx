export function ExperimentPage({ experimentId, tab }: { experimentId: string; tab: 'runs' | 'charts' }) {
  return <section data-todo="experiment-page">{JSON.stringify({ experimentId, tab })}</section>;
}
