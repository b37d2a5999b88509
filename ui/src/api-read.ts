// Reading what a view shows from the server: a read starts when the view appears (and again when
// what it depends on changes, or when asked to), a newer read cancels the one still in flight, and
// the view is in one of three states — loading, failed with the server's message, or loaded. A
// view that already shows an answer keeps it on screen while the next one is read, so a refresh
// does not flash "Loading…"; but a view turned to another object (another app, another
// manifest) starts afresh, never showing the previous object's answer under the new one's name.
import { useEffect, useRef, useState } from "preact/hooks";
import { ApiRequestError } from "./api.ts";

export type Load<T> =
  | { state: "loading" }
  | { state: "failed"; message: string }
  /** `failed`: the last re-read failed and the value shown may be out of date (see keepOnFailure). */
  | { state: "loaded"; value: T; failed?: string };

/** What a failed read says: the server's message, or that the server could not be reached. */
export function readFailure(err: unknown): string {
  return err instanceof ApiRequestError ? err.message : `could not reach the server: ${String(err)}`;
}

export interface ApiReadOptions {
  /** Keep a loaded answer on screen while the next read runs (default true); false shows loading. */
  keepShown?: boolean;
  /** What the view shows (default: always the same thing); when it changes the view starts at loading. */
  subject?: string;
  /** A failed re-read keeps the last answer, marked `failed` (default false: the failure replaces it). */
  keepOnFailure?: boolean;
  /** Re-reads of the same subject wait this long, so a burst of triggers reads once (default 0). */
  settleMs?: number;
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

/** Nothing shown yet: the first read of a view is never delayed. */
const NOTHING = Symbol("nothing shown");

/** Reads `read(signal)` on mount and whenever `deps` change or `reload()` is called. */
export function useApiRead<T>(
  read: (signal: AbortSignal) => Promise<T>,
  deps: readonly unknown[],
  options: ApiReadOptions = {},
): ApiRead<T> {
  const { keepShown = true, subject, keepOnFailure = false, settleMs = 0 } = options;
  const [load, setLoad] = useState<Load<T>>({ state: "loading" });
  const [reloads, setReloads] = useState(0);
  const [reads, setReads] = useState(0);
  const latest = useRef(load);
  latest.current = load;
  const shown = useRef<string | undefined | typeof NOTHING>(NOTHING);

  useEffect(() => {
    const abort = new AbortController();
    const fresh = shown.current !== subject;
    shown.current = subject;
    setLoad((old) => (!fresh && keepShown && old.state === "loaded" ? old : { state: "loading" }));
    const start = () =>
      read(abort.signal)
        .then((value) => {
          if (abort.signal.aborted) return; // a newer read (or leaving the view) supersedes this one
          setLoad({ state: "loaded", value });
          setReads((n) => n + 1);
        })
        .catch((err: unknown) => {
          if (abort.signal.aborted) return;
          const message = readFailure(err);
          setLoad((old) =>
            keepOnFailure && old.state === "loaded"
              ? { ...old, failed: message }
              : { state: "failed", message },
          );
        });
    const wait = fresh ? 0 : settleMs;
    const timer = wait === 0 ? undefined : setTimeout(start, wait);
    if (wait === 0) start();
    return () => {
      clearTimeout(timer);
      abort.abort();
    };
  }, [subject, ...deps, reloads]);

  return {
    load,
    reload: () => setReloads((n) => n + 1),
    current: () => latest.current,
    show: (value) => setLoad({ state: "loaded", value }),
    reads,
  };
}
