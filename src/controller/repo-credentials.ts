// Repository credentials, kept as Secrets in the `mooring` namespace the way Argo CD keeps them,
// so existing Secrets work unchanged. Two kinds, told apart by the label
// `mooring.dev/secret-type` (or Argo CD's `argocd.argoproj.io/secret-type`):
//   repository   credentials for one repository: data.url names it (compared as Argo CD does:
//                case, a trailing slash and a `.git` suffix do not matter)
//   repo-creds   a credential template for every repository under data.url (say,
//                https://github.com/my-org/); the longest matching prefix wins
// A repository Secret that carries no credentials of its own (only a url) takes them from the
// best template. Data keys follow Argo CD: username, password, bearerToken, sshPrivateKey,
// insecureIgnoreHostKey ("true"), plus sshKnownHosts.
//
// Unlike Argo CD, URLs are compared as parsed parts, not as text (see core/repo-url.ts): a
// template covers the same scheme, host and port and whole path segments only, so the prefix
// https://git.example.com never sends its password to https://git.example.com.attacker.io/ or to
// https://git.example.com:x@attacker.example/, and https://h/team not to https://h/teamster.
import { CONTROLLER_NAMESPACE } from "../core/application.ts";
import type { KubeObject } from "../core/objects.ts";
import {
  parseRepoLocation,
  prefixCovers,
  prefixLength,
  type RepoLocation,
  redactRepoURL,
  sameRepository,
} from "../core/repo-url.ts";
import type { GitCredentials } from "../git/credentials.ts";
import { GitError } from "../git/errors.ts";
import type { KubeClient } from "../kube/client.ts";
import { ARGOCD_SECRET_TYPE_LABEL, SECRET_TYPE_LABEL, secretText } from "./destinations.ts";

export const REPO_SECRET_TYPES = ["repository", "repo-creds"] as const;
export type RepoSecretType = (typeof REPO_SECRET_TYPES)[number];

/** A repository Secret, decoded. */
export interface RepoSecret {
  /** The Secret's name, for messages and a stable order. */
  secretName: string;
  type: RepoSecretType;
  url: string;
  credentials: GitCredentials;
  /** Which label marked it; Mooring's wins over Argo CD's when both match equally well. */
  labelledBy: "mooring" | "argocd";
}

/** Decodes a labelled Secret; undefined when it is not a repository Secret or has no url. */
export function repoSecretFrom(secret: KubeObject): RepoSecret | undefined {
  const labels = secret.metadata.labels ?? {};
  const mooring = labels[SECRET_TYPE_LABEL];
  const argocd = labels[ARGOCD_SECRET_TYPE_LABEL];
  const type = (REPO_SECRET_TYPES as readonly (string | undefined)[]).includes(mooring)
    ? mooring
    : (REPO_SECRET_TYPES as readonly (string | undefined)[]).includes(argocd)
      ? argocd
      : undefined;
  const url = secretText(secret, "url")?.trim();
  if (type === undefined || !url) return undefined;
  const text = (key: string) => {
    const value = secretText(secret, key);
    return value === undefined || value === "" ? undefined : value;
  };
  const credentials: GitCredentials = {};
  const username = text("username");
  const password = text("password");
  const token = text("bearerToken");
  const sshPrivateKey = text("sshPrivateKey");
  const sshKnownHosts = text("sshKnownHosts");
  if (username !== undefined) credentials.username = username;
  if (password !== undefined) credentials.password = password;
  if (token !== undefined) credentials.token = token;
  if (sshPrivateKey !== undefined) credentials.sshPrivateKey = sshPrivateKey;
  if (sshKnownHosts !== undefined) credentials.sshKnownHosts = sshKnownHosts;
  if (text("insecureIgnoreHostKey")?.trim().toLowerCase() === "true")
    credentials.insecureIgnoreHostKey = true;
  return {
    secretName: secret.metadata.name ?? "",
    type: type as RepoSecretType,
    url,
    credentials,
    labelledBy: mooring === type ? "mooring" : "argocd",
  };
}

function hasCredentials(c: GitCredentials): boolean {
  return [c.username, c.password, c.token, c.sshPrivateKey].some((v) => v !== undefined);
}

/** Stable preference: Mooring's label first, then the Secret name. */
function byPreference(a: RepoSecret, b: RepoSecret): number {
  return (
    Number(b.labelledBy === "mooring") - Number(a.labelledBy === "mooring") ||
    a.secretName.localeCompare(b.secretName)
  );
}

/**
 * The credentials for a repository: its own repository Secret, else the template with the
 * longest covering prefix; a repository Secret without credentials takes the template's.
 * URLs are compared as parsed parts (core/repo-url.ts). A repoURL carrying a user name or
 * password is refused (a GitError "url-refused") when stored credentials apply to it, or when
 * its text merely starts like a stored URL: the userinfo is then disguising another host.
 */
export function matchCredentials(
  repoURL: string,
  secrets: readonly RepoSecret[],
): GitCredentials | undefined {
  const wanted = parseRepoLocation(repoURL);
  if (wanted === undefined) return undefined;
  const located = secrets.flatMap((s) => {
    const at = parseRepoLocation(s.url);
    return at === undefined ? [] : [{ secret: s, at }];
  });
  const exact = located
    .filter((l) => l.secret.type === "repository" && sameRepository(l.at, wanted))
    .sort((a, b) => byPreference(a.secret, b.secret))[0]?.secret;
  const template = located
    .filter((l) => l.secret.type === "repo-creds" && prefixCovers(l.at, wanted))
    .sort((a, b) => prefixLength(b.at) - prefixLength(a.at) || byPreference(a.secret, b.secret))[0]?.secret;
  const applying = [exact, template].find((s) => s !== undefined && hasCredentials(s.credentials));
  if (wanted.userinfo) refuseUserinfo(repoURL, wanted, applying, secrets);
  if (exact && template) return { ...template.credentials, ...exact.credentials };
  if (exact) return { ...exact.credentials };
  if (template) return { ...template.credentials };
  return undefined;
}

function refuseUserinfo(
  repoURL: string,
  wanted: RepoLocation,
  applying: RepoSecret | undefined,
  secrets: readonly RepoSecret[],
): void {
  const shown = redactRepoURL(repoURL.trim());
  if (applying) {
    throw new GitError(
      "url-refused",
      `repoURL ${shown} carries a user name or password, and the stored credentials of Secret ${applying.secretName} apply to it: remove the userinfo from repoURL, Mooring sends the stored credentials`,
      shown,
    );
  }
  const text = repoURL.trim().toLowerCase();
  const lookalike = secrets.find((s) => {
    const stored = s.url.trim().toLowerCase();
    return stored !== "" && text.startsWith(stored) && hasCredentials(s.credentials);
  });
  if (lookalike) {
    throw new GitError(
      "url-refused",
      `repoURL ${shown} points at host ${wanted.host}, but a user name and password in front of that host make it read like ${redactRepoURL(lookalike.url.trim())}, whose credentials are stored in Secret ${lookalike.secretName}: remove the userinfo from repoURL`,
      shown,
    );
  }
}

/** Reads repository Secrets from the namespace Mooring runs in. */
export class RepoCredentials {
  private readonly client: KubeClient;
  private readonly namespace: string;

  constructor(client: KubeClient, namespace: string = CONTROLLER_NAMESPACE) {
    this.client = client;
    this.namespace = namespace;
  }

  /** Every repository Secret of either label, decoded (Secrets without a url are left out). */
  async secrets(): Promise<RepoSecret[]> {
    const selector = `in (${REPO_SECRET_TYPES.join(",")})`;
    const lists = await Promise.all(
      [SECRET_TYPE_LABEL, ARGOCD_SECRET_TYPE_LABEL].map((label) =>
        this.client.list("v1", "Secret", {
          namespace: this.namespace,
          labelSelector: `${label} ${selector}`,
        }),
      ),
    );
    const byName = new Map<string, KubeObject>();
    for (const s of lists.flatMap((l) => l.items)) byName.set(s.metadata.name ?? "", s);
    return [...byName.values()].map(repoSecretFrom).filter((s): s is RepoSecret => s !== undefined);
  }

  /** The credentials for a repository URL, or undefined when no Secret matches. */
  async credentialsFor(repoURL: string): Promise<GitCredentials | undefined> {
    return matchCredentials(repoURL, await this.secrets());
  }
}

/** Credentials change rarely; a short cache keeps 1,000 apps from listing Secrets constantly. */
export function cachedCredentialLookup(repo: RepoCredentials, ttlMs = 3_000) {
  const cache = new Map<string, { at: number; value: Promise<GitCredentials | undefined> }>();
  return (url: string, fresh = false): Promise<GitCredentials | undefined> => {
    const hit = cache.get(url);
    if (!fresh && hit && Date.now() - hit.at < ttlMs) return hit.value;
    // Secrets that cannot be read mean anonymous access; a refused URL stays refused.
    const value = repo
      .credentialsFor(url)
      .catch((err: unknown) =>
        err instanceof GitError && err.code === "url-refused" ? Promise.reject(err) : undefined,
      );
    cache.set(url, { at: Date.now(), value });
    return value;
  };
}
