// Payloads here follow the shapes the forges document for their pull_request / issue_comment
// (GitHub, Gitea) and Merge Request Hook / Note Hook (GitLab) deliveries, trimmed to what is read.
import assert from "node:assert/strict";
import { createHmac } from "node:crypto";
import { describe, it } from "node:test";
import { ForgeError } from "./forge.ts";
import { asksForPlan, parseEvent, readDelivery, verifySignature } from "./webhook-events.ts";

const SHA_A = "a".repeat(40);
const SHA_B = "b".repeat(40);

function githubPull(
  overrides: { action?: string; merged?: boolean; forkHead?: "same" | "fork" | "deleted" } = {},
) {
  const baseRepo = { id: 7, full_name: "team/app", clone_url: "https://github.com/team/app.git" };
  const fork = { id: 99, full_name: "eve/app", clone_url: "https://github.com/eve/app.git" };
  const headRepo = overrides.forkHead === "fork" ? fork : overrides.forkHead === "deleted" ? null : baseRepo;
  return {
    action: overrides.action ?? "opened",
    number: 4,
    pull_request: {
      number: 4,
      title: "Scale web to 3",
      state: overrides.action === "closed" ? "closed" : "open",
      merged: overrides.merged ?? false,
      html_url: "https://github.com/team/app/pull/4",
      user: { login: "ada" },
      base: { ref: "main", sha: SHA_A, repo: baseRepo },
      head: { ref: "scale", sha: SHA_B, repo: headRepo },
    },
    repository: baseRepo,
    sender: { login: "ada" },
  };
}

function gitlabMergeRequest(action: string, extra: Record<string, unknown> = {}) {
  return {
    object_kind: "merge_request",
    event_type: "merge_request",
    user: { id: 3, username: "ada", name: "Ada" },
    project: { id: 11, path_with_namespace: "team/app", git_http_url: "https://gitlab.com/team/app.git" },
    object_attributes: {
      iid: 9,
      action,
      state: "opened",
      source_branch: "scale",
      target_branch: "main",
      source_project_id: 11,
      target_project_id: 11,
      url: "https://gitlab.com/team/app/-/merge_requests/9",
      last_commit: { id: SHA_B, message: "Scale web" },
      source: { git_http_url: "https://gitlab.com/team/app.git" },
      target: { git_http_url: "https://gitlab.com/team/app.git" },
      ...extra,
    },
  };
}

describe("verifySignature", () => {
  const body = JSON.stringify(githubPull());
  const mac = createHmac("sha256", "s3cret").update(body).digest("hex");

  it("accepts GitHub's sha256= HMAC of the exact body", () => {
    assert.equal(verifySignature("github", { "x-hub-signature-256": `sha256=${mac}` }, body, "s3cret"), true);
  });
  it("refuses a GitHub signature made with another secret or over another body", () => {
    assert.equal(verifySignature("github", { "x-hub-signature-256": `sha256=${mac}` }, body, "other"), false);
    assert.equal(
      verifySignature("github", { "x-hub-signature-256": `sha256=${mac}` }, `${body} `, "s3cret"),
      false,
    );
  });
  it("refuses a GitHub signature without its sha256= prefix", () => {
    assert.equal(verifySignature("github", { "x-hub-signature-256": mac }, body, "s3cret"), false);
  });
  it("accepts Gitea's bare hex HMAC in X-Gitea-Signature and Forgejo's header", () => {
    assert.equal(verifySignature("gitea", { "x-gitea-signature": mac }, body, "s3cret"), true);
    assert.equal(verifySignature("gitea", new Headers({ "X-Forgejo-Signature": mac }), body, "s3cret"), true);
  });
  it("never rescues a bad native Gitea signature with a good GitHub-style one", () => {
    const headers = { "x-gitea-signature": "0".repeat(64), "x-hub-signature-256": `sha256=${mac}` };
    assert.equal(verifySignature("gitea", headers, body, "s3cret"), false);
  });
  it("accepts GitLab's shared token and refuses another", () => {
    assert.equal(verifySignature("gitlab", { "x-gitlab-token": "s3cret" }, body, "s3cret"), true);
    assert.equal(verifySignature("gitlab", { "x-gitlab-token": "s3cre" }, body, "s3cret"), false);
  });
  it("refuses everything when no secret is configured, and a malformed digest", () => {
    assert.equal(verifySignature("gitlab", { "x-gitlab-token": "" }, body, ""), false);
    assert.equal(verifySignature("gitea", { "x-gitea-signature": "zz" }, body, "s3cret"), false);
    assert.equal(verifySignature("github", {}, body, "s3cret"), false);
  });
});

describe("pull request events", () => {
  it("reads a GitHub opened pull request from the same repository", () => {
    const event = parseEvent("github", "pull_request", githubPull());
    assert.deepEqual(event, {
      kind: "pull_request",
      forge: "github",
      action: "opened",
      number: 4,
      base: { ref: "main", sha: SHA_A, repoURL: "https://github.com/team/app.git" },
      head: { ref: "scale", sha: SHA_B, repoURL: "https://github.com/team/app.git" },
      fromFork: false,
      author: "ada",
      url: "https://github.com/team/app/pull/4",
    });
  });
  it("reads GitHub's synchronize and Gitea's synchronized as synchronized", () => {
    for (const [forge, action] of [
      ["github", "synchronize"],
      ["gitea", "synchronized"],
    ] as const) {
      const event = parseEvent(forge, "pull_request", githubPull({ action }));
      assert.equal(event.kind === "pull_request" && event.action, "synchronized");
    }
  });
  it("reads a closed pull request that was merged as merged, and one that was not as closed", () => {
    const merged = parseEvent("gitea", "pull_request", githubPull({ action: "closed", merged: true }));
    const closed = parseEvent("gitea", "pull_request", githubPull({ action: "closed" }));
    assert.equal(merged.kind === "pull_request" && merged.action, "merged");
    assert.equal(closed.kind === "pull_request" && closed.action, "closed");
  });
  it("marks a head in another repository, or in a deleted fork, as from a fork", () => {
    const fork = parseEvent("github", "pull_request", githubPull({ forkHead: "fork" }));
    assert.equal(fork.kind === "pull_request" && fork.fromFork, true);
    assert.equal(fork.kind === "pull_request" && fork.head.repoURL, "https://github.com/eve/app.git");
    const deleted = parseEvent("github", "pull_request", githubPull({ forkHead: "deleted" }));
    assert.equal(deleted.kind === "pull_request" && deleted.fromFork, true);
  });
  it("ignores actions that change no code, and other events", () => {
    assert.equal(parseEvent("github", "pull_request", githubPull({ action: "labeled" })).kind, "ignored");
    assert.equal(parseEvent("gitea", "push", {}).kind, "ignored");
    assert.equal(parseEvent("gitlab", "Push Hook", {}).kind, "ignored");
  });
  it("refuses a pull request without its head commit, naming the field", () => {
    const payload = githubPull();
    (payload.pull_request.head as { sha?: string }).sha = undefined;
    assert.throws(
      () => parseEvent("github", "pull_request", payload),
      (error: ForgeError) => error.code === "invalid" && error.message.includes("pull_request.head.sha"),
    );
  });
  it("reads GitLab's open, merge and pushed update", () => {
    const open = parseEvent("gitlab", "Merge Request Hook", gitlabMergeRequest("open"));
    assert.equal(open.kind, "pull_request");
    if (open.kind !== "pull_request") return;
    assert.equal(open.action, "opened");
    assert.equal(open.number, 9);
    assert.deepEqual(open.head, { ref: "scale", sha: SHA_B, repoURL: "https://gitlab.com/team/app.git" });
    assert.equal(open.base.ref, "main");
    assert.equal(open.fromFork, false);
    const merge = parseEvent("gitlab", "Merge Request Hook", gitlabMergeRequest("merge"));
    assert.equal(merge.kind === "pull_request" && merge.action, "merged");
    const pushed = parseEvent(
      "gitlab",
      "Merge Request Hook",
      gitlabMergeRequest("update", { oldrev: SHA_A }),
    );
    assert.equal(pushed.kind === "pull_request" && pushed.action, "synchronized");
  });
  it("ignores a GitLab update that only edits the title, and an approval", () => {
    assert.equal(parseEvent("gitlab", "Merge Request Hook", gitlabMergeRequest("update")).kind, "ignored");
    assert.equal(parseEvent("gitlab", "Merge Request Hook", gitlabMergeRequest("approved")).kind, "ignored");
  });
  it("marks a GitLab merge request from another project as from a fork", () => {
    const event = parseEvent(
      "gitlab",
      "Merge Request Hook",
      gitlabMergeRequest("open", {
        source_project_id: 12,
        source: { git_http_url: "https://gitlab.com/eve/app.git" },
      }),
    );
    assert.equal(event.kind === "pull_request" && event.fromFork, true);
  });
});

describe("comment events", () => {
  const githubComment = (onPull: boolean) => ({
    action: "created",
    issue: {
      number: 4,
      ...(onPull ? { pull_request: { url: "https://api.github.com/repos/team/app/pulls/4" } } : {}),
    },
    comment: { id: 501, body: "/moor plan", user: { login: "grace" } },
    repository: { clone_url: "https://github.com/team/app.git" },
  });

  it("reads a GitHub comment on a pull request with its commenter", () => {
    assert.deepEqual(parseEvent("github", "issue_comment", githubComment(true)), {
      kind: "comment",
      forge: "github",
      repoURL: "https://github.com/team/app.git",
      number: 4,
      commentId: 501,
      commenter: "grace",
      body: "/moor plan",
    });
  });
  it("reads a Gitea comment flagged is_pull, and ignores one on a plain issue", () => {
    const gitea = { ...githubComment(false), is_pull: true };
    assert.equal(parseEvent("gitea", "issue_comment", gitea).kind, "comment");
    assert.equal(parseEvent("github", "issue_comment", githubComment(false)).kind, "ignored");
  });
  it("ignores an edited or deleted comment", () => {
    assert.equal(
      parseEvent("github", "issue_comment", { ...githubComment(true), action: "edited" }).kind,
      "ignored",
    );
  });
  it("reads a GitLab note on a merge request, and ignores one on a commit", () => {
    const note = {
      object_kind: "note",
      user: { username: "grace" },
      project: { git_http_url: "https://gitlab.com/team/app.git" },
      object_attributes: { id: 77, note: "/moor plan", noteable_type: "MergeRequest" },
      merge_request: { iid: 9 },
    };
    const event = parseEvent("gitlab", "Note Hook", note);
    assert.equal(event.kind === "comment" && event.commenter, "grace");
    assert.equal(event.kind === "comment" && event.number, 9);
    const onCommit = { ...note, object_attributes: { ...note.object_attributes, noteable_type: "Commit" } };
    assert.equal(parseEvent("gitlab", "Note Hook", onCommit).kind, "ignored");
  });
  it("asks for a plan only on a line that is exactly /moor plan", () => {
    assert.equal(asksForPlan("looks fine\n/moor plan\n"), true);
    assert.equal(asksForPlan("  /moor plan  "), true);
    assert.equal(asksForPlan("please /moor plan this"), false);
    assert.equal(asksForPlan("/moor planet"), false);
  });
});

describe("readDelivery", () => {
  const body = Buffer.from(JSON.stringify(githubPull()));
  const mac = createHmac("sha256", "hook").update(body).digest("hex");

  it("verifies, then reads a Gitea delivery from its raw bytes", () => {
    const event = readDelivery({
      forge: "gitea",
      headers: { "x-gitea-signature": mac, "x-gitea-event": "pull_request" },
      body,
      secret: "hook",
    });
    assert.equal(event.kind, "pull_request");
  });
  it("refuses a badly signed delivery as unauthorized before reading it", () => {
    assert.throws(
      () =>
        readDelivery({
          forge: "gitea",
          headers: { "x-gitea-signature": mac, "x-gitea-event": "pull_request" },
          body: Buffer.from("{}"),
          secret: "hook",
        }),
      (error: ForgeError) => error.code === "unauthorized" && !error.retryable,
    );
  });
  it("refuses a signed body that is not JSON as invalid", () => {
    const text = "payload=x";
    const sig = createHmac("sha256", "hook").update(text).digest("hex");
    assert.throws(
      () =>
        readDelivery({
          forge: "gitea",
          headers: { "x-gitea-signature": sig, "x-gitea-event": "pull_request" },
          body: text,
          secret: "hook",
        }),
      (error: ForgeError) => error instanceof ForgeError && error.code === "invalid",
    );
  });
});
