export function ModelsPage() {
  return (
    <section>
      <h1>Registered models</h1>
    </section>
  );
}
