/** A refusal or failure shown in place, with the server's message. */
export function ErrorNote({ error }: { error: Error | string | undefined }) {
  if (error === undefined) return null;
  return (
    <p className="error" role="alert">
      {typeof error === 'string' ? error : error.message}
    </p>
  );
}
