// Gitea's (and Forgejo's) REST API as a ForgeClient.
//
// Gitea follows GitHub's API, so the client is GitHub's (github.ts) with Gitea's dialect: the
// token goes in `Authorization: token …`, pages are asked for with `page` and `limit` (Gitea
// answers at most 50 items a page by default), a commit status keeps its state in `status`, and
// a pull request's comments come in one answer. The API lives under `<gitea URL>/api/v1/`.
// Gitea answers another user's permission only to a site admin or an admin of the repository, so
// the token Mooring uses needs repository admin for hasWriteAccess (otherwise: forbidden).
// This is the forge tested end to end (test/e2e/forge-gitea.test.ts) against a real Gitea.
import type { ForgeClient, ForgeClientOptions } from "./forge.ts";
import { GithubLikeClient, type GithubLikeDialect } from "./github.ts";

export const GITEA_DIALECT: GithubLikeDialect = {
  kind: "gitea",
  auth: (token) => ({ Authorization: `token ${token}` }),
  page: (page) => `limit=50&page=${page}`,
  pageSize: 50,
  commentsPaged: false,
  statusField: "status",
};

/** The API base of a Gitea at `url` (its web address, e.g. http://127.0.0.1:3000/). */
export function giteaAPIURL(url: string): string {
  return new URL("api/v1/", url.endsWith("/") ? url : `${url}/`).toString();
}

/** A Gitea client for the Gitea whose web address is `url`. */
export function giteaForge(options: Omit<ForgeClientOptions, "apiURL"> & { url: string }): ForgeClient {
  const { url, ...rest } = options;
  return new GithubLikeClient(GITEA_DIALECT, { ...rest, apiURL: giteaAPIURL(url) });
}
