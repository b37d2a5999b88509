// Pull-request previews as a user of the forge sees them. Mooring is pointed at the run's real
// Gitea the way an operator does it (a `mooring.dev/secret-type: forge` Secret with the forge's
// URL and the token of the user Mooring comments as, and the webhook secret in
// `mooring-webhook`), and everything a test then checks is read back through Gitea's own REST
// API — the comments on the pull request page and the commit statuses beside its head — never
// through Mooring's forge client, so a bug there cannot hide itself.
import assert from "node:assert/strict";
import { randomUUID } from "node:crypto";
import type { Gitea } from "../../src/sandbox/gitea.ts";
import { eventually, kubectlOk } from "./cluster.ts";

/** The hidden marker Mooring's one preview comment carries. */
export const PREVIEW_MARKER = "<!-- mooring-preview -->";
export const PREVIEW_CONTEXT = "mooring/preview";

/**
 * A Terraform module whose variable `size` (set in terraform.tfvars beside it) feeds one of its
 * two resources: a PR changing the variable plans exactly one update, of `terraform_data.db`.
 */
export const SIZED_MODULE = `variable "size" {
  type = number
}
resource "terraform_data" "db" {
  input = "db-\${var.size}"
}
resource "terraform_data" "cache" {
  input = "cache"
}
`;

/** Gitea's REST API as the admin or, with `sudo`, as another user (Gitea's `Sudo` header). */
export async function giteaCall<T>(
  gitea: Gitea,
  request: { method?: string; path: string; body?: unknown; sudo?: string },
): Promise<T> {
  const method = request.method ?? "GET";
  const res = await fetch(new URL(`api/v1/${request.path}`, gitea.url), {
    method,
    headers: {
      Authorization: `token ${gitea.adminToken}`,
      Accept: "application/json",
      ...(request.body === undefined ? {} : { "Content-Type": "application/json" }),
      ...(request.sudo ? { Sudo: request.sudo } : {}),
    },
    ...(request.body === undefined ? {} : { body: JSON.stringify(request.body) }),
    signal: AbortSignal.timeout(30_000),
  });
  const text = await res.text();
  if (!res.ok)
    throw new Error(`gitea ${method} ${request.path} answered ${res.status}: ${text.slice(0, 300)}`);
  return (text ? JSON.parse(text) : undefined) as T;
}

/**
 * Points the controller and the server at `gitea`: the forge Secret (Mooring comments as the
 * Gitea admin, whose token may ask about other users' write access) and the webhook secret.
 * Returns the webhook secret, for the repositories' hooks.
 */
export async function configureGiteaForge(gitea: Gitea, forgeSecretName: string): Promise<string> {
  const hookSecret = `previews-${randomUUID()}`;
  const secrets = [
    {
      apiVersion: "v1",
      kind: "Secret",
      metadata: {
        name: forgeSecretName,
        namespace: "mooring",
        labels: { "mooring.dev/secret-type": "forge" },
      },
      stringData: { type: "gitea", url: gitea.url, token: gitea.adminToken },
    },
    {
      apiVersion: "v1",
      kind: "Secret",
      metadata: { name: "mooring-webhook", namespace: "mooring" },
      stringData: { gitea: hookSecret },
    },
  ];
  await kubectlOk(["apply", "--server-side", "--field-manager=test", "-f", "-"], {
    input: JSON.stringify({ apiVersion: "v1", kind: "List", items: secrets }),
  });
  return hookSecret;
}

/** A Gitea user with a random password nobody needs: tests act as them through `Sudo`. */
export async function createGiteaUser(gitea: Gitea, username: string): Promise<void> {
  await giteaCall(gitea, {
    method: "POST",
    path: "admin/users",
    body: {
      username,
      email: `${username}@example.test`,
      password: `Pw-${randomUUID()}`,
      must_change_password: false,
    },
  });
}

export interface RepoOnGitea {
  owner: string;
  name: string;
}

/** Opens a pull request (as `sudo` when given) and returns its number. `head` may be `user:branch`. */
export async function openPullRequest(
  gitea: Gitea,
  repo: RepoOnGitea,
  pr: { head: string; title: string; base?: string; sudo?: string },
): Promise<number> {
  const opened = await giteaCall<{ number: number }>(gitea, {
    method: "POST",
    path: `repos/${repo.owner}/${repo.name}/pulls`,
    body: { base: pr.base ?? "main", head: pr.head, title: pr.title },
    ...(pr.sudo ? { sudo: pr.sudo } : {}),
  });
  return opened.number;
}

/** Comments on a pull request as `sudo` (the admin when not given); returns the comment's id. */
export async function commentOn(
  gitea: Gitea,
  repo: RepoOnGitea,
  number: number,
  body: string,
  sudo?: string,
): Promise<number> {
  const comment = await giteaCall<{ id: number }>(gitea, {
    method: "POST",
    path: `repos/${repo.owner}/${repo.name}/issues/${number}/comments`,
    body: { body },
    ...(sudo ? { sudo } : {}),
  });
  return comment.id;
}

export interface PageComment {
  id: number;
  body: string;
  author: string;
}

/** The comments on the pull request's page that carry Mooring's marker, oldest first. */
export async function markedComments(
  gitea: Gitea,
  repo: RepoOnGitea,
  number: number,
): Promise<PageComment[]> {
  const comments = await giteaCall<{ id: number; body: string; user: { login: string } }[]>(gitea, {
    path: `repos/${repo.owner}/${repo.name}/issues/${number}/comments?limit=50`,
  });
  return comments
    .filter((c) => c.body.includes(PREVIEW_MARKER))
    .map((c) => ({ id: c.id, body: c.body, author: c.user.login }));
}

export interface PageStatus {
  state: string;
  description: string;
}

/** The latest `mooring/preview` status on a commit, as the PR page shows it; undefined before any. */
export async function previewStatusOf(
  gitea: Gitea,
  repo: RepoOnGitea,
  sha: string,
): Promise<PageStatus | undefined> {
  const combined = await giteaCall<{
    statuses: { context: string; status?: string; state?: string; description: string }[] | null;
  }>(gitea, { path: `repos/${repo.owner}/${repo.name}/commits/${sha}/status` });
  const found = (combined.statuses ?? []).find((s) => s.context === PREVIEW_CONTEXT);
  return found ? { state: found.status ?? found.state ?? "", description: found.description } : undefined;
}

/** What the PR page shows of Mooring: its one comment and the status of a commit. */
export interface PageView {
  comments: PageComment[];
  status: PageStatus | undefined;
}

/**
 * Waits until the page shows a finished preview of `sha` (a marked comment naming it with no row
 * still rendering or planning, a status on it) for which `done` holds; on time-out the error
 * shows the last comment and status seen.
 */
export async function waitForPreview(
  gitea: Gitea,
  repo: RepoOnGitea,
  number: number,
  sha: string,
  what: string,
  done: (view: PageView & { comment: PageComment }) => boolean,
  timeoutMs = 120_000,
): Promise<PageView & { comment: PageComment }> {
  let last: PageView | undefined;
  return eventually(
    `the preview of PR #${number} at ${sha.slice(0, 7)} ${what}`,
    async () => {
      const view: PageView = {
        comments: await markedComments(gitea, repo, number),
        status: await previewStatusOf(gitea, repo, sha),
      };
      last = view;
      const comment = view.comments.find((c) => c.body.includes(sha));
      if (comment === undefined || view.status === undefined) return undefined;
      // Still rendering or planning: the page has not shown the finished preview yet.
      if (/^\|.*\| (rendering|planning) \|/m.test(comment.body)) return undefined;
      const full = { ...view, comment };
      return done(full) ? full : undefined;
    },
    timeoutMs,
  ).catch((err: Error) => {
    const body = last?.comments.map((c) => `#${c.id} by ${c.author}:\n${c.body}`).join("\n---\n");
    throw new Error(`${err.message}\nlast status: ${JSON.stringify(last?.status)}\nlast comments:\n${body}`);
  });
}

/** Merges the pull request through Gitea's API (a merge commit) and returns the merge commit. */
export async function mergePullRequest(gitea: Gitea, repo: RepoOnGitea, number: number): Promise<string> {
  await giteaCall(gitea, {
    method: "POST",
    path: `repos/${repo.owner}/${repo.name}/pulls/${number}/merge`,
    body: { Do: "merge", merge_message_field: `Merge pull request #${number}` },
  });
  const merged = await giteaCall<{ merged: boolean; merge_commit_sha: string | null }>(gitea, {
    path: `repos/${repo.owner}/${repo.name}/pulls/${number}`,
  });
  assert.equal(merged.merged, true, `PR #${number} is merged`);
  assert.match(merged.merge_commit_sha ?? "", /^[0-9a-f]{40}$/);
  return merged.merge_commit_sha as string;
}

/**
 * The sum of a Prometheus counter's samples on a /metrics page (0 when absent); with `label`
 * (e.g. `result="planned"`), only the samples carrying that label.
 */
export async function metricTotal(metricsUrl: string, name: string, label?: string): Promise<number> {
  const text = await (await fetch(metricsUrl, { signal: AbortSignal.timeout(10_000) })).text();
  let total = 0;
  for (const line of text.split("\n")) {
    if (line.startsWith("#")) continue;
    const match = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{[^}]*\})?\s+(\S+)/.exec(line);
    if (match?.[1] !== name) continue;
    if (label === undefined || (match[2] ?? "").includes(label)) total += Number(match[3]);
  }
  return total;
}
