// Remembering renders. A commit never changes, so rendering the same commit, path and parameters
// again gives the same objects — yet the controller asks every few minutes per Application, and
// a helm template costs tens of milliseconds to seconds. The cache answers repeat questions from
// memory.
//
// The key is (commit sha, path, sha256 of everything else that shapes the output): the tool
// blocks of the source, the Application name and destination namespace (helm's release name
// and namespace default to them), and the destination's kubeVersion and apiVersions (what
// `.Capabilities` shows templates). repoURL, targetRevision and the Project are left out on
// purpose — the commit sha already pins the content, so a branch and a tag at the same commit
// share a render — unless the tool blocks refer to build variables ($ARGOCD_APP_SOURCE_REPO_URL
// and friends, core/build-env.ts), whose values then shape the output and join the key.
//
// Entries are deep copies in both directions — callers normalise and annotate the objects they
// get, and must not reach into the cache's copy. Failures are not cached: a timeout or a missing
// binary is worth retrying.
import { createHash } from "node:crypto";
import { mentionsBuildVariables } from "../core/build-env.ts";
import { clone } from "../core/objects.ts";
import { type RenderInput, type RenderResult, render } from "./render.ts";

export interface RenderCacheOptions {
  /** Most results kept; past it the least recently used is dropped. Default 200. */
  maxEntries?: number;
  /** What renders on a miss; default `render` with default options. */
  render?: (input: RenderInput) => Promise<RenderResult>;
}

export interface RenderCacheStats {
  hits: number;
  misses: number;
  entries: number;
}

export const DEFAULT_RENDER_CACHE_ENTRIES = 200;

export class RenderCache {
  readonly #maxEntries: number;
  readonly #render: (input: RenderInput) => Promise<RenderResult>;
  /** Map order is recency order: the first key is the least recently used. */
  readonly #entries = new Map<string, RenderResult>();
  /** Renders under way, so concurrent asks for one key run the tool once. */
  readonly #inFlight = new Map<string, Promise<RenderResult>>();
  #hits = 0;
  #misses = 0;

  constructor(options: RenderCacheOptions = {}) {
    this.#maxEntries = Math.max(1, options.maxEntries ?? DEFAULT_RENDER_CACHE_ENTRIES);
    this.#render = options.render ?? ((input) => render(input));
  }

  /** The objects `input` renders to at `commitSha`, from memory when this was rendered before. */
  async render(commitSha: string, input: RenderInput): Promise<RenderResult> {
    const key = renderCacheKey(commitSha, input);
    const cached = this.#lookup(key);
    if (cached) {
      this.#hits++;
      return clone(cached);
    }
    this.#misses++;
    let pending = this.#inFlight.get(key);
    if (!pending) {
      // The commit is the revision the build variables describe.
      pending = this.#render({ ...input, revision: input.revision ?? commitSha }).then((result) => {
        this.#store(key, clone(result));
        return result;
      });
      this.#inFlight.set(key, pending);
      pending.then(
        () => this.#inFlight.delete(key),
        () => this.#inFlight.delete(key),
      );
    }
    return clone(await pending);
  }

  /** The cached result without rendering; undefined on a miss. */
  peek(commitSha: string, input: RenderInput): RenderResult | undefined {
    const cached = this.#lookup(renderCacheKey(commitSha, input));
    return cached && clone(cached);
  }

  stats(): RenderCacheStats {
    return { hits: this.#hits, misses: this.#misses, entries: this.#entries.size };
  }

  clear(): void {
    this.#entries.clear();
  }

  #lookup(key: string): RenderResult | undefined {
    const cached = this.#entries.get(key);
    if (cached) {
      this.#entries.delete(key);
      this.#entries.set(key, cached);
    }
    return cached;
  }

  #store(key: string, result: RenderResult): void {
    this.#entries.delete(key);
    this.#entries.set(key, result);
    while (this.#entries.size > this.#maxEntries) {
      const oldest = this.#entries.keys().next().value;
      if (oldest === undefined) break;
      this.#entries.delete(oldest);
    }
  }
}

/** The cache key of a render: `<sha>:<path>:<sha256 of the parameters>`. */
export function renderCacheKey(commitSha: string, input: RenderInput): string {
  const { source } = input;
  const tools = { directory: source.directory, kustomize: source.kustomize, helm: source.helm };
  const parameters = {
    ...tools,
    // The values the build variables take, beyond those already in the key.
    buildEnv: mentionsBuildVariables(canonicalJson(tools))
      ? {
          repoURL: source.repoURL,
          targetRevision: source.targetRevision,
          project: input.project,
          revision: input.revision,
        }
      : undefined,
    appName: input.appName,
    destinationNamespace: input.destinationNamespace,
    // Another source's checkout lends values files: its folder (one per commit or chart digest)
    // pins what they hold.
    refs: input.refs,
    kubeVersion: input.kubeVersion,
    // Order and repeats in discovery's list do not change what `.Capabilities.APIVersions.Has` says.
    apiVersions: [...new Set(input.apiVersions)].sort(),
  };
  const digest = createHash("sha256").update(canonicalJson(parameters)).digest("hex");
  // The path as written: folding "./a/" into "a" is tempting, but folding "/../a" into "a" would
  // answer an escaping path from the cache instead of refusing it.
  return `${commitSha}:${source.path || "."}:${digest}`;
}

/** JSON with object keys sorted at every level and undefined fields dropped. */
export function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map((v) => canonicalJson(v ?? null)).join(",")}]`;
  if (typeof value === "object" && value !== null) {
    const fields = Object.keys(value)
      .filter((k) => (value as Record<string, unknown>)[k] !== undefined)
      .sort()
      .map((k) => `${JSON.stringify(k)}:${canonicalJson((value as Record<string, unknown>)[k])}`);
    return `{${fields.join(",")}}`;
  }
  return JSON.stringify(value ?? null);
}
