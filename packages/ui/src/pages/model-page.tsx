export function ModelPage({ name }: { name: string }) {
  return <section data-todo="model-page">{JSON.stringify({ name })}</section>;
}
