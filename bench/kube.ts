// Small helpers the benchmarks share: Applications through the raw admin client, bounded waits,
// a bounded worker pool, and the apiserver's own request counters (apiserver_request_total).
import { setTimeout as sleep } from "node:timers/promises";
import type { ApplicationStatus } from "../src/core/app-status.ts";
import type { ApplicationSpec } from "../src/core/application.ts";
import type { KubeObject } from "../src/core/objects.ts";
import type { KubeClient, WatchEvent } from "../src/kube/client.ts";

export const APP_API = "mooring.dev/v1alpha1";
export const APP_NAMESPACE = "mooring";

export type AppObject = KubeObject & { spec: ApplicationSpec; status?: ApplicationStatus };

export function applyApp(
  client: KubeClient,
  name: string,
  spec: ApplicationSpec,
  labels: Record<string, string> = {},
): Promise<KubeObject> {
  const app = {
    apiVersion: APP_API,
    kind: "Application",
    metadata: { name, namespace: APP_NAMESPACE, labels },
    spec,
  } as unknown as KubeObject;
  return client.apply(app, { fieldManager: "bench" });
}

export async function getApp(client: KubeClient, name: string): Promise<AppObject | null> {
  return (await client.get(APP_API, "Application", APP_NAMESPACE, name)) as AppObject | null;
}

export function syncedAndHealthy(app: AppObject | null, revision?: string): boolean {
  const s = app?.status;
  return (
    s?.sync?.status === "Synced" &&
    s.health?.status === "Healthy" &&
    (revision === undefined || s.sync.revision === revision)
  );
}

/** Polls until check returns a value, or fails naming what it waited for. */
export async function waitFor<T>(
  what: string,
  check: () => Promise<T | undefined>,
  timeoutMs: number,
  intervalMs = 200,
): Promise<T> {
  const deadline = performance.now() + timeoutMs;
  let lastError: unknown;
  while (performance.now() < deadline) {
    try {
      const value = await check();
      if (value !== undefined) return value;
    } catch (err) {
      lastError = err;
    }
    await sleep(intervalMs);
  }
  throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}${lastError ? `: ${lastError}` : ""}`);
}

/** Runs task(0..count-1) with at most `concurrency` in flight; rejects on the first failure. */
export async function runPool(
  count: number,
  concurrency: number,
  task: (i: number) => Promise<unknown>,
): Promise<void> {
  let next = 0;
  const worker = async () => {
    while (next < count) {
      const i = next++;
      await task(i);
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, count) }, worker));
}

export async function ensureNamespace(client: KubeClient, name: string): Promise<void> {
  await client.apply({ apiVersion: "v1", kind: "Namespace", metadata: { name } } as KubeObject, {
    fieldManager: "bench",
  });
}

/** apiserver_request_total summed per "VERB group/resource/subresource" (dry runs marked). */
export async function requestCounts(client: KubeClient): Promise<Map<string, number>> {
  const res = await client.rest.request("GET", "/metrics", { accept: "text/plain" });
  if (res.status !== 200) throw new Error(`GET /metrics: HTTP ${res.status}`);
  const counts = new Map<string, number>();
  for (const line of res.text.split("\n")) {
    if (!line.startsWith("apiserver_request_total{")) continue;
    const labels = Object.fromEntries(
      [...line.matchAll(/(\w+)="([^"]*)"/g)].map((m) => [m[1] as string, m[2] as string]),
    );
    const value = Number(line.slice(line.lastIndexOf(" ") + 1));
    const resource = [labels.group, labels.resource, labels.subresource].filter(Boolean).join("/");
    const key = `${labels.verb} ${resource || "(non-resource)"}${labels.dry_run ? " (dry-run)" : ""}`;
    counts.set(key, (counts.get(key) ?? 0) + value);
  }
  return counts;
}

export function countsDelta(after: Map<string, number>, before: Map<string, number>): Map<string, number> {
  const delta = new Map<string, number>();
  for (const [key, value] of after) {
    const d = value - (before.get(key) ?? 0);
    if (d > 0) delta.set(key, d);
  }
  return delta;
}

export function total(counts: Map<string, number>): number {
  let sum = 0;
  for (const value of counts.values()) sum += value;
  return sum;
}

/** Resolves with the promise's value, or rejects naming `what` after ms; never leaves a timer behind. */
export async function withTimeout<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`timed out after ${ms} ms waiting for ${what}`)), ms);
  });
  try {
    return await Promise.race([promise, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

/** Requests/s the apiserver serves over `seconds` (run with no controller: the cluster's own chatter). */
export async function backgroundRate(client: KubeClient, seconds: number): Promise<number> {
  const before = await requestCounts(client);
  const t0 = performance.now();
  await sleep(seconds * 1000);
  const after = await requestCounts(client);
  return total(countsDelta(after, before)) / ((performance.now() - t0) / 1000);
}

/**
 * Watches a collection from resourceVersion until the signal aborts, opening the watch again each
 * time the server ends it, and calls onEvent for every change. Resolves once aborted.
 */
export async function watchUntilAborted(
  client: KubeClient,
  apiVersion: string,
  kind: string,
  options: { namespace?: string; resourceVersion: string },
  onEvent: (event: WatchEvent) => void,
  signal: AbortSignal,
): Promise<void> {
  let resourceVersion = options.resourceVersion;
  while (!signal.aborted) {
    const watchOptions = { ...options, resourceVersion, timeoutSeconds: 300 };
    const res = await client.watch(apiVersion, kind, watchOptions, onEvent, signal).catch((err) => {
      if (signal.aborted) return undefined;
      throw err;
    });
    if (!res) return;
    if (res.expired) throw new Error(`the watch of ${kind} expired: the apiserver compacted its history`);
    resourceVersion = res.resourceVersion;
  }
}
