// What versions of a chart a repository publishes, read over HTTP before anything is pulled:
// a Helm repository's index.yaml, or an OCI registry's tag list (`GET /v2/<name>/tags/list`,
// the distribution API), plus the manifest digest of the chosen tag, which names the chart's
// content in the cache. Registries that hand out tokens (Docker Hub, GHCR, Harbor) answer the
// first request with 401 and a `WWW-Authenticate: Bearer realm=...` challenge; the token is asked
// for with the stored user name and password and used for that one request.
// Credentials travel only in Authorization headers, never in a URL, and fetch drops them on a
// redirect to another origin. Answers are size-capped and time-limited.
import { type ChartLocation, isLoopbackRegistry, redactChartURL } from "../core/chart-source.ts";
import type { GitCredentials } from "../git/credentials.ts";
import { GitError } from "../git/errors.ts";

const MAX_INDEX_BYTES = 32 * 1024 * 1024;
const MAX_TAGS_BYTES = 8 * 1024 * 1024;
const TIMEOUT_MS = 60_000;
const MANIFEST_TYPES = [
  "application/vnd.oci.image.manifest.v1+json",
  "application/vnd.docker.distribution.manifest.v2+json",
].join(", ");

function basic(creds: GitCredentials | undefined): string | undefined {
  if (creds?.username === undefined || creds.password === undefined) return undefined;
  return `Basic ${Buffer.from(`${creds.username}:${creds.password}`).toString("base64")}`;
}

/** The origin a registry is reached at: plain HTTP only for this machine's own. */
export function registryOrigin(registry: string): string {
  return `${isLoopbackRegistry(registry) ? "http" : "https"}://${registry}`;
}

async function request(
  url: string,
  init: RequestInit,
  shown: string,
  timeoutMs = TIMEOUT_MS,
): Promise<Response> {
  try {
    return await fetch(url, { ...init, signal: AbortSignal.timeout(timeoutMs) });
  } catch (err) {
    throw unreachable(err, shown, timeoutMs);
  }
}

function unreachable(err: unknown, shown: string, timeoutMs: number): GitError {
  if ((err as Error).name === "TimeoutError")
    return new GitError(
      "timeout",
      `chart repository ${shown} did not answer within ${timeoutMs / 1000} s; waiting helps if it is slow`,
      shown,
    );
  const cause = (err as { cause?: { code?: string } }).cause?.code ?? (err as Error).name;
  return new GitError(
    "unreachable",
    `chart repository ${shown} cannot be reached (${cause}); waiting helps if it is down`,
    shown,
  );
}

/** The body as text, refused past `limit` bytes; the request's time limit covers reading it too. */
async function bodyWithin(response: Response, limit: number, shown: string, timeoutMs = TIMEOUT_MS) {
  const declared = Number(response.headers.get("content-length") ?? "0");
  if (declared > limit)
    throw new GitError("too-large", `${shown} answers with more than ${limit} bytes`, shown);
  const reader = response.body?.getReader();
  if (!reader) return "";
  const chunks: Uint8Array[] = [];
  let total = 0;
  for (;;) {
    const { done, value } = await reader.read().catch((err: unknown) => {
      throw unreachable(err, shown, timeoutMs);
    });
    if (done) break;
    total += value.length;
    if (total > limit) {
      await reader.cancel();
      throw new GitError("too-large", `${shown} answers with more than ${limit} bytes`, shown);
    }
    chunks.push(value);
  }
  return Buffer.concat(chunks).toString("utf8");
}

function refuse(status: number, shown: string, what: string): never {
  if (status === 401 || status === 403)
    throw new GitError(
      "auth-failed",
      `${shown} refused ${what} (HTTP ${status}): add or fix a repository Secret whose url covers it`,
      shown,
    );
  if (status === 404)
    throw new GitError(
      "repo-not-found",
      `${shown} has no ${what} (HTTP 404): check repoURL and chart`,
      shown,
    );
  throw new GitError(
    status >= 500 ? "unreachable" : "git-failed",
    `${shown} answered ${what} with HTTP ${status}`,
    shown,
  );
}

export interface IndexLimits {
  /** Largest index.yaml read; default 32 MiB. */
  maxBytes?: number;
  /** Time for the whole answer, body included; default 60 s. */
  timeoutMs?: number;
}

/**
 * A Helm repository's index.yaml, as text. A redirect is followed, but to another origin (host,
 * port or scheme) without the credentials: fetch drops the Authorization header there.
 */
export async function fetchHelmIndex(
  repoURL: string,
  creds: GitCredentials | undefined,
  limits: IndexLimits = {},
): Promise<string> {
  const shown = redactChartURL(repoURL);
  const auth = basic(creds);
  const timeoutMs = limits.timeoutMs ?? TIMEOUT_MS;
  const response = await request(
    `${repoURL}/index.yaml`,
    { headers: auth ? { authorization: auth } : {}, redirect: "follow" },
    shown,
    timeoutMs,
  );
  if (!response.ok) refuse(response.status, shown, "index.yaml");
  return bodyWithin(response, limits.maxBytes ?? MAX_INDEX_BYTES, shown, timeoutMs);
}

/** Sends a registry request, answering a Bearer challenge with a token for this one request. */
async function registryRequest(
  url: string,
  init: RequestInit & { headers: Record<string, string> },
  creds: GitCredentials | undefined,
  shown: string,
): Promise<Response> {
  const auth = basic(creds);
  const first = await request(
    url,
    { ...init, headers: { ...init.headers, ...(auth ? { authorization: auth } : {}) } },
    shown,
  );
  const challenge = first.headers.get("www-authenticate") ?? "";
  if (first.status !== 401 || !/^bearer\s/i.test(challenge)) return first;
  await first.body?.cancel();
  const params = Object.fromEntries(
    [...challenge.matchAll(/(\w+)="([^"]*)"/g)].map((m) => [m[1]?.toLowerCase() ?? "", m[2] ?? ""]),
  );
  if (!params.realm) return first;
  const tokenURL = new URL(params.realm);
  if (tokenURL.protocol !== "https:" && !isLoopbackRegistry(tokenURL.host)) return first;
  if (params.service) tokenURL.searchParams.set("service", params.service);
  if (params.scope) tokenURL.searchParams.set("scope", params.scope);
  const tokenResponse = await request(tokenURL.href, { headers: auth ? { authorization: auth } : {} }, shown);
  if (!tokenResponse.ok) refuse(tokenResponse.status, shown, "a token");
  const body = JSON.parse(await bodyWithin(tokenResponse, 1024 * 1024, shown)) as {
    token?: string;
    access_token?: string;
  };
  const token = body.token ?? body.access_token;
  if (!token) return first;
  return request(url, { ...init, headers: { ...init.headers, authorization: `Bearer ${token}` } }, shown);
}

type OciLocation = Extract<ChartLocation, { kind: "oci" }>;

/** Every tag of the chart's OCI repository (following the registry's `Link` pages). */
export async function listOciTags(
  location: OciLocation,
  creds: GitCredentials | undefined,
): Promise<string[]> {
  const origin = registryOrigin(location.registry);
  const shown = `oci://${location.registry}/${location.repository}`;
  const tags: string[] = [];
  let next: string | undefined = `${origin}/v2/${location.repository}/tags/list?n=1000`;
  for (let page = 0; next !== undefined && page < 100; page++) {
    const response = await registryRequest(next, { headers: {} }, creds, shown);
    if (response.status === 404) {
      await response.body?.cancel();
      return [];
    }
    if (!response.ok) refuse(response.status, shown, "its tag list");
    const body = JSON.parse(await bodyWithin(response, MAX_TAGS_BYTES, shown)) as { tags?: unknown };
    if (Array.isArray(body.tags)) tags.push(...body.tags.filter((t): t is string => typeof t === "string"));
    const link = /<([^>]+)>;\s*rel="next"/.exec(response.headers.get("link") ?? "")?.[1];
    next = link === undefined ? undefined : new URL(link, origin).href;
    if (next !== undefined && new URL(next).origin !== origin) next = undefined;
  }
  return tags;
}

/** The manifest digest (sha256:...) a tag points at now. */
export async function ociManifestDigest(
  location: OciLocation,
  tag: string,
  creds: GitCredentials | undefined,
): Promise<string> {
  const shown = `oci://${location.registry}/${location.repository}:${tag}`;
  const url = `${registryOrigin(location.registry)}/v2/${location.repository}/manifests/${encodeURIComponent(tag)}`;
  const response = await registryRequest(
    url,
    { method: "HEAD", headers: { accept: MANIFEST_TYPES } },
    creds,
    shown,
  );
  if (!response.ok) refuse(response.status, shown, "the manifest");
  const digest = response.headers.get("docker-content-digest") ?? "";
  if (!/^sha256:[0-9a-f]{64}$/.test(digest))
    throw new GitError("git-failed", `${shown}: the registry gave no sha256 manifest digest`, shown);
  return digest;
}
