import { useCallback, useEffect, useMemo, useState } from 'react';
import { ApiContext, type ApiSession } from './api/api-context.js';
import { ApiError } from './api/api-error.js';
import { OrreryApi } from './api/orrery-api.js';
import { CompareRunsSlot } from './chart-slots.js';
import { parseRoute, type Route } from './routing/hash-route.js';
import { basicAuthorization, loadCredentials, saveCredentials, type Credentials } from './state/session.js';
import { ExperimentPage } from './pages/experiment-page.js';
import { ExperimentsPage } from './pages/experiments-page.js';
import { ModelPage } from './pages/model-page.js';
import { ModelVersionPage } from './pages/model-version-page.js';
import { ModelsPage } from './pages/models-page.js';
import { RunPage } from './pages/run-page.js';
import { SignInForm } from './pages/sign-in-form.js';

function sessionStore(): Storage | undefined {
  try {
    return window.sessionStorage;
  } catch {
    return undefined;
  }
}

function useHashRoute(): Route {
  const [route, setRoute] = useState(() => parseRoute(window.location.hash));
  useEffect(() => {
    const onChange = () => setRoute(parseRoute(window.location.hash));
    window.addEventListener('hashchange', onChange);
    return () => window.removeEventListener('hashchange', onChange);
  }, []);
  return route;
}

function Page({ route }: { route: Route }) {
  switch (route.page) {
    case 'experiments':
      return <ExperimentsPage />;
    case 'experiment':
      return <ExperimentPage key={route.experimentId} experimentId={route.experimentId} tab={route.tab} />;
    case 'run':
      return <RunPage key={route.runId} experimentId={route.experimentId} runId={route.runId} />;
    case 'models':
      return <ModelsPage />;
    case 'model':
      return <ModelPage key={route.name} name={route.name} />;
    case 'model-version':
      return <ModelVersionPage key={`${route.name}/${route.version}`} name={route.name} version={route.version} />;
    case 'compare-runs':
      return (
        <section>
          <h1>Compare runs</h1>
          <CompareRunsSlot runIds={route.runIds} experimentIds={route.experimentIds} />
        </section>
      );
    case 'not-found':
      return (
        <section>
          <h1>Page not found</h1>
          <p>
            Nothing lives at <code>#{route.hash}</code>. <a href="#/experiments">Back to the experiments</a>.
          </p>
        </section>
      );
  }
}

export function App() {
  const route = useHashRoute();
  const [credentials, setCredentials] = useState<Credentials | undefined>(() => loadCredentials(sessionStore()));
  const [signInNeeded, setSignInNeeded] = useState(false);
  const api = useMemo(() => new OrreryApi('', () => credentials?.header), [credentials]);
  const session: ApiSession = useMemo(() => ({ api, unauthenticated: () => setSignInNeeded(true) }), [api]);

  const signIn = useCallback(async (username: string, password: string): Promise<string | undefined> => {
    const candidate: Credentials = { username, header: basicAuthorization(username, password) };
    try {
      await new OrreryApi('', () => candidate.header).searchExperiments({ maxResults: 1 });
    } catch (error) {
      if (error instanceof ApiError && error.unauthenticated) return 'Incorrect username or password.';
      return error instanceof Error ? error.message : String(error);
    }
    saveCredentials(sessionStore(), candidate);
    setCredentials(candidate);
    setSignInNeeded(false);
    return undefined;
  }, []);

  const signOut = useCallback(() => {
    saveCredentials(sessionStore(), undefined);
    setCredentials(undefined);
    setSignInNeeded(true);
  }, []);

  const section = route.page === 'models' || route.page === 'model' || route.page === 'model-version' ? 'models' : 'experiments';
  return (
    <ApiContext.Provider value={session}>
      <header className="topbar">
        <a className="brand" href="#/experiments">
          Orrery
        </a>
        <nav>
          <a href="#/experiments" className={section === 'experiments' ? 'active' : ''}>
            Experiments
          </a>
          <a href="#/models" className={section === 'models' ? 'active' : ''}>
            Models
          </a>
        </nav>
        <span className="spacer" />
        {credentials !== undefined && (
          <span className="user">
            Signed in as <strong data-testid="signed-in-user">{credentials.username}</strong>{' '}
            <button type="button" onClick={signOut}>
              Sign out
            </button>
          </span>
        )}
      </header>
      <main>{signInNeeded ? <SignInForm onSignIn={signIn} /> : <Page route={route} />}</main>
    </ApiContext.Provider>
  );
}
