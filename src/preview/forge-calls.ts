// Calling a forge for previews: a forge that is rate-limited or unreachable is asked again after
// a backoff (its Retry-After when it gave one, src/core/preview/pull-lifecycle.ts), a bounded
// number of times; a refusal that needs a person (unauthorized, forbidden: the token is wrong or
// lacks a permission) is logged with a stable code naming the forge's Secret and the repository,
// and counted in a metric. There is no Kubernetes object to put an Event on. Forge errors never
// carry the token (src/forge/forge.ts), so neither do these lines.
import type { ControllerMetrics } from "../controller/metrics.ts";
import { forgeRetryDelayMs } from "../core/preview/pull-lifecycle.ts";
import { type ForgeClient, ForgeError, type RepoRef, repoPath } from "../forge/forge.ts";
import type { Logger } from "../util/log.ts";
import type { ConfiguredForge } from "./forges.ts";

export interface ForgeCallOptions {
  /** Calls at most, the first included. */
  attempts: number;
  log: Logger;
  metrics?: ControllerMetrics;
  /** Waits between attempts; default a timer the signal cuts short. */
  sleep?: (ms: number, signal?: AbortSignal) => Promise<void>;
}

/** Where a call goes: the forge (its Secret's name, for messages) and the repository. */
export interface ForgeTarget {
  forge: ConfiguredForge;
  repo: RepoRef;
}

export async function callForge<T>(
  target: ForgeTarget,
  call: (client: ForgeClient) => Promise<T>,
  options: ForgeCallOptions,
  signal?: AbortSignal,
): Promise<T> {
  const sleep = options.sleep ?? abortableSleep;
  for (let attempt = 1; ; attempt += 1) {
    try {
      return await call(target.forge.client);
    } catch (err) {
      if (!(err instanceof ForgeError)) throw err;
      options.metrics?.forgeErrors.inc({ forge: target.forge.name, code: err.code });
      if (err.retryable && attempt < options.attempts && !signal?.aborted) {
        await sleep(forgeRetryDelayMs(attempt, err.retryAfterSeconds), signal);
        continue;
      }
      if (needsPerson(err))
        options.log.error("the forge refused Mooring's token; a person must fix its access", {
          code: `forge-${err.code}`,
          forgeSecret: target.forge.name,
          repo: repoPath(target.repo),
          error: err.message,
        });
      throw err;
    }
  }
}

/**
 * Whether the forge says `login` may write to the repository. When the token may not ask (a
 * Gitea token needs repository admin for it), nobody counts as a writer: Stacks wait for
 * `/moor plan`, and the refusal is logged for a person to fix.
 */
export async function isWriter(
  target: ForgeTarget,
  login: string,
  options: ForgeCallOptions,
  signal?: AbortSignal,
): Promise<boolean> {
  try {
    return await callForge(target, (c) => c.hasWriteAccess(target.repo, login), options, signal);
  } catch (err) {
    if (err instanceof ForgeError && needsPerson(err)) return false;
    throw err;
  }
}

function needsPerson(err: ForgeError): boolean {
  return err.code === "unauthorized" || err.code === "forbidden";
}

function abortableSleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(resolve, ms);
    signal?.addEventListener(
      "abort",
      () => {
        clearTimeout(timer);
        resolve();
      },
      { once: true },
    );
  });
}
