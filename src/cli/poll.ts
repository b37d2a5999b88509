// Bounded waiting for the controller's answer, shared by `moor app` and `moor stack`: read the
// object, judge it, show each new judgement as the progress line, and stop when the judgement is
// done or failed, or when the time is up. A failed read is retried until the time is up (its
// error ends up in the label). A failed judgement can be asked to hold for a while before it
// counts, for controllers that write a failure just before correcting it.
import { setTimeout as sleep } from "node:timers/promises";
import type { Progress } from "./progress.ts";

export type Verdict =
  | { state: "waiting"; label: string }
  | { state: "done"; label: string }
  | { state: "failed"; label: string };

export interface PollOptions {
  timeoutMs: number;
  intervalMs: number;
  /** How long a failed verdict must hold before it counts; 0 = at once. */
  confirmMs: number;
  progress: Progress;
}

export interface Polled<T> {
  verdict: Verdict;
  value: T | null;
  timedOut: boolean;
}

export async function poll<T>(
  read: () => Promise<T | null>,
  judge: (value: T | null) => Verdict,
  options: PollOptions,
): Promise<Polled<T>> {
  const deadline = Date.now() + options.timeoutMs;
  const { intervalMs: interval, confirmMs: confirm } = options;
  let shown = "";
  let failedSince: number | undefined;
  let last: Polled<T> = { verdict: { state: "waiting", label: "waiting" }, value: null, timedOut: true };
  for (;;) {
    let wait = interval;
    try {
      const value = await read();
      const verdict = judge(value);
      last = { verdict, value, timedOut: false };
      if (verdict.state === "done") return last;
      if (verdict.state === "failed") {
        failedSince ??= Date.now();
        if (Date.now() - failedSince >= confirm) return last;
        wait = Math.min(interval, confirm);
      } else {
        failedSince = undefined;
      }
    } catch (err) {
      last = {
        ...last,
        verdict: {
          state: "waiting",
          label: `${last.verdict.label} (last read failed: ${(err as Error).message})`,
        },
      };
    }
    if (last.verdict.state === "waiting" && last.verdict.label !== shown) {
      shown = last.verdict.label;
      options.progress.step(shown);
    }
    const left = deadline - Date.now();
    if (left <= 0) return { ...last, timedOut: true };
    await sleep(Math.min(wait, left));
  }
}
