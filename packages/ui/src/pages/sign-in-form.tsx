import { useState, type FormEvent } from 'react';

export function SignInForm({ onSignIn }: { onSignIn: (username: string, password: string) => Promise<string | undefined> }) {
  const [username, setUsername] = useState('');
  const [password, setPassword] = useState('');
  const [error, setError] = useState<string | undefined>();
  const [busy, setBusy] = useState(false);
  const submit = async (event: FormEvent) => {
    event.preventDefault();
    setBusy(true);
    setError(await onSignIn(username, password));
    setBusy(false);
  };
  return (
    <section className="sign-in">
      <h1>Sign in</h1>
      <p>This server requires credentials.</p>
      <form onSubmit={(event) => void submit(event)}>
        <label>
          Username <input name="username" autoComplete="username" value={username} onChange={(event) => setUsername(event.target.value)} />
        </label>
        <label>
          Password{' '}
          <input name="password" type="password" autoComplete="current-password" value={password} onChange={(event) => setPassword(event.target.value)} />
        </label>
        <button type="submit" disabled={busy || username === ''}>
          Sign in
        </button>
        {error !== undefined && (
          <p className="error" role="alert">
            {error}
          </p>
        )}
      </form>
    </section>
  );
}
