// Credentials for chart repositories come from the same repository Secrets as Git's
// (controller/repo-credentials.ts: same labels, same data keys, repository before repo-creds,
// longest prefix wins, whole path segments only). Registries are reached over HTTPS, so a chart
// URL and each Secret's url are first read as HTTPS URLs (core/chart-source.ts credentialURL):
// Argo CD's Secrets for OCI charts, whose url is `oci://host/path` or a bare `host/path`, match
// oci:// and bare-host chart sources alike.

import { matchCredentials, type RepoCredentials, type RepoSecret } from "../controller/repo-credentials.ts";
import { credentialURL } from "../core/chart-source.ts";
import type { GitCredentials } from "../git/credentials.ts";

/** The credentials stored for a chart repository URL, or undefined when no Secret covers it. */
export function matchChartCredentials(
  repoURL: string,
  secrets: readonly RepoSecret[],
): GitCredentials | undefined {
  return matchCredentials(
    credentialURL(repoURL),
    secrets.map((s) => ({ ...s, url: credentialURL(s.url) })),
  );
}

/** Looks chart credentials up in the controller namespace's repository Secrets at each call. */
export function chartCredentialLookup(repo: RepoCredentials) {
  return async (repoURL: string): Promise<GitCredentials | undefined> =>
    matchChartCredentials(repoURL, await repo.secrets());
}
