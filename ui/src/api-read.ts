// Reading what a view shows from the server: a read starts when the view appears (and again when
// what it depends on changes, or when asked to), a newer read cancels the one still in flight, and
// the view is in one of three states — loading, failed with the server's message, or loaded. A
// page that already shows an answer keeps it on screen while the next one is read, so a refresh
// does not flash "Loading…".
import { useEffect, useRef, useState } from "preact/hooks";
import { ApiRequestError } from "./api.ts";

export type Load<T> =
  | { state: "loading" }
  | { state: "failed"; message: string }
  | { state: "loaded"; value: T };

/** What a failed read says: the server's message, or that the server could not be reached. */
export function readFailure(err: unknown): string {
  return err instanceof ApiRequestError ? err.message : `could not reach the server: ${String(err)}`;
}

export interface ApiReadOptions {
  /** Keep a loaded answer on screen while the next read runs (default true); false shows loading. */
  keepShown?: boolean;
}

export interface ApiRead<T> {
  load: Load<T>;
  /** Reads again (a Refresh button, the live stream reconnected). */
  reload: () => void;
  /** The latest state, for callbacks set up once (a stream subscription). */
  current: () => Load<T>;
  /** Shows a value changed in the browser (a row updated from the live stream). */
  show: (value: T) => void;
  /** Counts answers read from the server (not values shown by `show`). */
  reads: number;
}

/** Reads `read(signal)` on mount and whenever `deps` change or `reload()` is called. */
export function useApiRead<T>(
  read: (signal: AbortSignal) => Promise<T>,
  deps: readonly unknown[],
  options: ApiReadOptions = {},
): ApiRead<T> {
  const keepShown = options.keepShown ?? true;
  const [load, setLoad] = useState<Load<T>>({ state: "loading" });
  const [reloads, setReloads] = useState(0);
  const [reads, setReads] = useState(0);
  const latest = useRef(load);
  latest.current = load;

  useEffect(() => {
    const abort = new AbortController();
    setLoad((old) => (keepShown && old.state === "loaded" ? old : { state: "loading" }));
    read(abort.signal)
      .then((value) => {
        if (abort.signal.aborted) return; // a newer read (or leaving the view) supersedes this one
        setLoad({ state: "loaded", value });
        setReads((n) => n + 1);
      })
      .catch((err: unknown) => {
        if (!abort.signal.aborted) setLoad({ state: "failed", message: readFailure(err) });
      });
    return () => abort.abort();
  }, [...deps, reloads]);

  return {
    load,
    reload: () => setReloads((n) => n + 1),
    current: () => latest.current,
    show: (value) => setLoad({ state: "loaded", value }),
    reads,
  };
}
