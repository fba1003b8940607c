import { createContext, useCallback, useContext, useEffect, useRef, useState, type DependencyList } from 'react';
import { ApiError } from './api-error.js';
import type { OrreryApi } from './orrery-api.js';

export interface ApiSession {
  api: OrreryApi;
  /** Called when a call answers 401: the app asks for credentials. */
  unauthenticated(): void;
}

export const ApiContext = createContext<ApiSession | undefined>(undefined);

export function useApi(): OrreryApi {
  const session = useContext(ApiContext);
  if (session === undefined) throw new Error('useApi outside the ApiContext provider.');
  return session.api;
}

export interface Loaded<T> {
  data: T | undefined;
  error: ApiError | Error | undefined;
  loading: boolean;
  reload(): void;
}

/** Runs `load` when `deps` change; a 401 sends the user to the sign-in form. */
export function useLoad<T>(load: () => Promise<T>, deps: DependencyList): Loaded<T> {
  const session = useContext(ApiContext);
  const [state, setState] = useState<{ data: T | undefined; error: Error | undefined; loading: boolean }>({ data: undefined, error: undefined, loading: true });
  const [generation, setGeneration] = useState(0);
  const current = useRef(0);
  useEffect(() => {
    const ticket = ++current.current;
    setState((previous) => ({ ...previous, loading: true }));
    load().then(
      (data) => {
        if (ticket === current.current) setState({ data, error: undefined, loading: false });
      },
      (error: unknown) => {
        if (ticket !== current.current) return;
        if (error instanceof ApiError && error.unauthenticated) session?.unauthenticated();
        setState({ data: undefined, error: error instanceof Error ? error : new Error(String(error)), loading: false });
      },
    );
  }, [...deps, generation]);
  const reload = useCallback(() => setGeneration((value) => value + 1), []);
  return { ...state, reload };
}

/** Wraps an action (a write): returns a runner that reports a refusal through `onError` and a 401 to the session. */
export function useAction(): (action: () => Promise<void>, onError?: (message: string) => void) => Promise<boolean> {
  const session = useContext(ApiContext);
  return useCallback(
    async (action, onError) => {
      try {
        await action();
        return true;
      } catch (error) {
        if (error instanceof ApiError && error.unauthenticated) session?.unauthenticated();
        const message = error instanceof Error ? error.message : String(error);
        if (onError) onError(message);
        else window.alert(message);
        return false;
      }
    },
    [session],
  );
}
