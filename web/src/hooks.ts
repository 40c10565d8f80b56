/** Small React hooks: a query that refetches when its key changes, and the hash route. */
import { useCallback, useEffect, useRef, useState } from "react";

export interface Loaded<T> {
  readonly data: T | null;
  readonly error: string | null;
  readonly loading: boolean;
  /** Runs the query again (same key). */
  reload(): void;
}

/**
 * Runs `run` whenever `key` changes (null: nothing to run); an older answer
 * arriving after a newer request is dropped (its request is aborted).
 */
export function useLoad<T>(key: string | null, run: (signal: AbortSignal) => Promise<T>): Loaded<T> {
  const [state, setState] = useState<{ key: string | null; data: T | null; error: string | null; loading: boolean }>({
    key: null,
    data: null,
    error: null,
    loading: key !== null,
  });
  const [tick, setTick] = useState(0);
  const runRef = useRef(run);
  runRef.current = run;
  useEffect(() => {
    if (key === null) {
      setState({ key, data: null, error: null, loading: false });
      return undefined;
    }
    const ctl = new AbortController();
    setState((s) => ({ key, data: s.key === key ? s.data : null, error: null, loading: true }));
    runRef.current(ctl.signal).then(
      (data) => {
        if (!ctl.signal.aborted) setState({ key, data, error: null, loading: false });
      },
      (err: unknown) => {
        if (!ctl.signal.aborted) setState({ key, data: null, error: err instanceof Error ? err.message : String(err), loading: false });
      },
    );
    return () => ctl.abort();
  }, [key, tick]);
  const reload = useCallback(() => setTick((t) => t + 1), []);
  return { data: state.key === key ? state.data : null, error: state.key === key ? state.error : null, loading: state.loading || state.key !== key, reload };
}

export interface Route {
  /** Path segments after `#/`, decoded. */
  readonly parts: readonly string[];
  readonly params: URLSearchParams;
}

function parseHash(hash: string): Route {
  const raw = hash.replace(/^#\/?/, "");
  const [path = "", query = ""] = raw.split("?", 2);
  return { parts: path.split("/").filter((p) => p).map((p) => decodeURIComponent(p)), params: new URLSearchParams(query) };
}

export function routeHref(parts: readonly string[], params?: Record<string, string | number | null | undefined>): string {
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(params ?? {})) if (v !== null && v !== undefined && v !== "") q.set(k, String(v));
  const qs = q.toString();
  return `#/${parts.map((p) => encodeURIComponent(p)).join("/")}${qs ? `?${qs}` : ""}`;
}

/** The hash route; `navigate(href, replace)` changes it (replace: no new history entry). */
export function useRoute(): [Route, (href: string, replace?: boolean) => void] {
  const [route, setRoute] = useState(() => parseHash(window.location.hash));
  useEffect(() => {
    const on = () => setRoute(parseHash(window.location.hash));
    window.addEventListener("hashchange", on);
    return () => window.removeEventListener("hashchange", on);
  }, []);
  const navigate = useCallback((href: string, replace = false) => {
    if (replace) {
      window.history.replaceState(null, "", href);
      setRoute(parseHash(href));
    } else {
      window.location.hash = href.replace(/^#/, "");
    }
  }, []);
  return [route, navigate];
}
