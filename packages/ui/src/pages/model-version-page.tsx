export function ModelVersionPage({ name, version }: { name: string; version: string }) {
  return <section data-todo="model-version-page">{JSON.stringify({ name, version })}</section>;
}
