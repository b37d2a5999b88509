// The forges previews talk to, configured as Secrets in the controller namespace labelled
// `mooring.dev/secret-type: forge` (src/core/preview/protocol.ts): `type` (gitea | github |
// gitlab), `url` (the forge's web address), `token` (the user Mooring comments as) and optionally
// `apiURL` (default: Gitea `<url>/api/v1/`, GitHub api.github.com or `<url>/api/v3/` for GitHub
// Enterprise, GitLab `<url>/api/v4/`). A repository belongs to the forge whose web address it
// lives under (repoRefOf). The Secrets are read again at most every `maxAgeMs`, so a new forge or
// a rotated token is used without a restart. A Secret that cannot be used (an unknown type, a
// url that is not http(s), no token) is logged once per version, naming the Secret but never
// its token, and left out.

import { SECRET_TYPE_LABEL, secretText } from "../controller/destinations.ts";
import type { KubeObject } from "../core/objects.ts";
import { FORGE_KINDS, FORGE_SECRET_TYPE, type ForgeKind } from "../core/preview/protocol.ts";
import { redactRepoURL } from "../core/repo-url.ts";
import type { ForgeClient, RepoRef } from "../forge/forge.ts";
import { repoRefOf } from "../forge/forge.ts";
import { giteaForge } from "../forge/gitea.ts";
import { githubForge } from "../forge/github.ts";
import { gitlabForge } from "../forge/gitlab.ts";
import type { Logger } from "../util/log.ts";

/** One usable forge: its Secret's name, kind, web address and client. */
export interface ConfiguredForge {
  /** The Secret's name: how logs, metrics and the API name the forge. */
  name: string;
  kind: ForgeKind;
  url: string;
  client: ForgeClient;
}

/** A repository on a configured forge. */
export interface ForgeRepo {
  forge: ConfiguredForge;
  repo: RepoRef;
}

export interface ForgeSettings {
  kind: ForgeKind;
  url: string;
  token: string;
  apiURL?: string;
}

/** How a client is made from settings; tests pass fakes. */
export type ForgeClientFactory = (settings: ForgeSettings) => ForgeClient;

export const makeForgeClient: ForgeClientFactory = ({ kind, url, token, apiURL }) => {
  switch (kind) {
    case "gitea":
      return apiURL
        ? giteaForge({ url: apiURL.replace(/api\/v1\/?$/, ""), token })
        : giteaForge({ url, token });
    case "github": {
      const host = new URL(url).hostname;
      const api = apiURL ?? (host === "github.com" ? undefined : new URL("api/v3/", slash(url)).toString());
      return githubForge({ token, ...(api ? { apiURL: api } : {}) });
    }
    case "gitlab":
      return gitlabForge({ token, apiURL: apiURL ?? new URL("api/v4/", slash(url)).toString() });
  }
};

function slash(url: string): string {
  return url.endsWith("/") ? url : `${url}/`;
}

/** The settings a forge Secret holds, or the reason it cannot be used (never quoting the token). */
export function forgeSettingsOf(secret: KubeObject): ForgeSettings | { problem: string } {
  const name = `Secret ${secret.metadata.namespace ?? ""}/${secret.metadata.name ?? ""}`;
  const kind = secretText(secret, "type")?.trim() ?? "";
  if (!(FORGE_KINDS as readonly string[]).includes(kind))
    return { problem: `${name}: type ${JSON.stringify(kind)} is not one of ${FORGE_KINDS.join(", ")}` };
  const url = secretText(secret, "url")?.trim() ?? "";
  if (!isHttpURL(url))
    return {
      problem: `${name}: url ${JSON.stringify(redactRepoURL(url))} is not an http(s) address of the forge`,
    };
  const token = secretText(secret, "token")?.trim() ?? "";
  if (token === "")
    return { problem: `${name}: token is missing; set the token of the user Mooring comments as` };
  const apiURL = secretText(secret, "apiURL")?.trim();
  if (apiURL && !isHttpURL(apiURL))
    return { problem: `${name}: apiURL ${JSON.stringify(redactRepoURL(apiURL))} is not an http(s) address` };
  return { kind: kind as ForgeKind, url, token, ...(apiURL ? { apiURL } : {}) };
}

function isHttpURL(text: string): boolean {
  try {
    const url = new URL(text);
    return (
      (url.protocol === "http:" || url.protocol === "https:") && url.username === "" && url.password === ""
    );
  } catch {
    return false;
  }
}

/** What the directory reads Secrets with (a KubeClient). */
export interface SecretLister {
  list(
    apiVersion: string,
    kind: string,
    options: { namespace?: string; labelSelector?: string },
  ): Promise<{ items: KubeObject[] }>;
}

export interface ForgeDirectoryOptions {
  namespace: string;
  log: Logger;
  /** How long the Secrets read are trusted; default 30 s. */
  maxAgeMs?: number;
  makeClient?: ForgeClientFactory;
  now?: () => number;
}

/** The configured forges, read from their Secrets and kept for a while. */
export class ForgeDirectory {
  readonly #client: SecretLister;
  readonly #options: Required<ForgeDirectoryOptions>;
  #forges: ConfiguredForge[] = [];
  #readAt = Number.NEGATIVE_INFINITY;
  /** Clients by Secret name and resourceVersion, so a client's cached login survives a re-read. */
  #clients = new Map<string, { version: string; forge: ConfiguredForge }>();
  /** Secret versions whose problem was logged already. */
  #reported = new Set<string>();

  constructor(client: SecretLister, options: ForgeDirectoryOptions) {
    this.#client = client;
    this.#options = {
      maxAgeMs: 30_000,
      makeClient: makeForgeClient,
      now: Date.now,
      ...options,
    };
  }

  /** The usable forges now (read again when older than maxAgeMs, or when `fresh`). */
  async list(fresh = false): Promise<ConfiguredForge[]> {
    const now = this.#options.now();
    if (!fresh && now - this.#readAt < this.#options.maxAgeMs) return this.#forges;
    const { items: secrets } = await this.#client.list("v1", "Secret", {
      namespace: this.#options.namespace,
      labelSelector: `${SECRET_TYPE_LABEL}=${FORGE_SECRET_TYPE}`,
    });
    const forges: ConfiguredForge[] = [];
    const clients = new Map<string, { version: string; forge: ConfiguredForge }>();
    for (const secret of secrets) {
      const name = secret.metadata.name ?? "";
      const version = secret.metadata.resourceVersion ?? "";
      const known = this.#clients.get(name);
      if (known && known.version === version) {
        forges.push(known.forge);
        clients.set(name, known);
        continue;
      }
      const settings = forgeSettingsOf(secret);
      if ("problem" in settings) {
        const key = `${name}@${version}`;
        if (!this.#reported.has(key)) {
          this.#reported.add(key);
          this.#options.log.error("forge Secret skipped", {
            code: "forge-secret-invalid",
            error: settings.problem,
          });
        }
        continue;
      }
      const forge = {
        name,
        kind: settings.kind,
        url: settings.url,
        client: this.#options.makeClient(settings),
      };
      forges.push(forge);
      clients.set(name, { version, forge });
    }
    forges.sort((a, b) => a.name.localeCompare(b.name));
    this.#forges = forges;
    this.#clients = clients;
    this.#readAt = now;
    return forges;
  }

  /** The forge serving `repoURL` and the repository's name there; undefined when none does. */
  async forRepo(repoURL: string): Promise<ForgeRepo | undefined> {
    return forgeFor(await this.list(), repoURL);
  }
}

/** The first forge (by Secret name) serving `repoURL`. */
export function forgeFor(forges: readonly ConfiguredForge[], repoURL: string): ForgeRepo | undefined {
  for (const forge of forges) {
    const repo = repoRefOf(forge.kind, forge.url, repoURL);
    if (repo) return { forge, repo };
  }
  return undefined;
}
