import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { describe, it } from "node:test";
import { type Delivery, eventKindOf, type Forge, parseWebhookEvent, type WebhookEvent } from "./push.ts";

function fixture(name: string): unknown {
  return JSON.parse(readFileSync(new URL(`./fixtures/${name}.json`, import.meta.url), "utf8"));
}

function parse(delivery: Delivery): WebhookEvent {
  const result = parseWebhookEvent(delivery);
  assert.ok(result.ok, result.ok ? "" : result.error.message);
  return result.event;
}

describe("parseWebhookEvent", () => {
  const cases: [name: string, delivery: Delivery, expected: WebhookEvent][] = [
    [
      "reads a GitHub branch push with every address of the repository",
      { forge: "github", kind: "push", deliveryId: "d1", payload: fixture("github-push") },
      {
        kind: "push",
        forge: "github",
        deliveryId: "d1",
        repoURLs: [
          "https://github.com/octo-org/deploy.git",
          "git@github.com:octo-org/deploy.git",
          "git://github.com/octo-org/deploy.git",
          "https://github.com/octo-org/deploy",
        ],
        defaultBranch: "main",
        updates: [
          { ref: "refs/heads/main", after: "0d1a26e67d8f5eaf1f6ba5c57fc3c7d91ac0fd1c", deleted: false },
        ],
      },
    ],
    [
      "reads a GitHub branch deletion as deleted",
      { forge: "github", kind: "push", deliveryId: "d2", payload: fixture("github-delete") },
      {
        kind: "push",
        forge: "github",
        deliveryId: "d2",
        repoURLs: [
          "https://github.com/octo-org/deploy.git",
          "git@github.com:octo-org/deploy.git",
          "git://github.com/octo-org/deploy.git",
          "https://github.com/octo-org/deploy",
        ],
        defaultBranch: "main",
        updates: [{ ref: "refs/heads/feature-x", after: "0".repeat(40), deleted: true }],
      },
    ],
    [
      "recognises a GitHub ping",
      { forge: "github", kind: "ping", deliveryId: "d3", payload: fixture("github-ping") },
      {
        kind: "ping",
        forge: "github",
        deliveryId: "d3",
        repoURLs: [
          "https://github.com/octo-org/deploy.git",
          "git@github.com:octo-org/deploy.git",
          "https://github.com/octo-org/deploy",
        ],
      },
    ],
    [
      "recognises an organisation-wide GitHub ping without a repository",
      {
        forge: "github",
        kind: "ping",
        deliveryId: "d4",
        payload: { zen: "Keep it logically awesome.", hook_id: 1 },
      },
      { kind: "ping", forge: "github", deliveryId: "d4", repoURLs: [] },
    ],
    [
      "reads a Gitea push",
      { forge: "gitea", kind: "push", deliveryId: "d5", payload: fixture("gitea-push") },
      {
        kind: "push",
        forge: "gitea",
        deliveryId: "d5",
        repoURLs: [
          "http://127.0.0.1:3000/team/platform.git",
          "git@127.0.0.1:team/platform.git",
          "http://127.0.0.1:3000/team/platform",
        ],
        defaultBranch: "main",
        updates: [
          { ref: "refs/heads/develop", after: "bffeb74224043ba2feb48d137756c8a9331c449a", deleted: false },
        ],
      },
    ],
    [
      "reads a GitLab push from the project's addresses",
      { forge: "gitlab", kind: "push", deliveryId: "d6", payload: fixture("gitlab-push") },
      {
        kind: "push",
        forge: "gitlab",
        deliveryId: "d6",
        repoURLs: [
          "https://gitlab.example.com/platform/deploy.git",
          "git@gitlab.example.com:platform/deploy.git",
          "https://gitlab.example.com/platform/deploy",
        ],
        defaultBranch: "main",
        updates: [
          { ref: "refs/heads/main", after: "da1560886d4f094c3e6c9ef40349f7d38b5d27d7", deleted: false },
        ],
      },
    ],
    [
      "reads a GitLab tag push",
      { forge: "gitlab", kind: "push", deliveryId: "d7", payload: fixture("gitlab-tag-push") },
      {
        kind: "push",
        forge: "gitlab",
        deliveryId: "d7",
        repoURLs: [
          "https://gitlab.example.com/platform/deploy.git",
          "git@gitlab.example.com:platform/deploy.git",
          "https://gitlab.example.com/platform/deploy",
        ],
        defaultBranch: "main",
        updates: [
          { ref: "refs/tags/v1.0.0", after: "82b3d5ae55f7080f1e6022629cdb57bfae7cccc7", deleted: false },
        ],
      },
    ],
    [
      "reads every change of a Bitbucket Cloud push: a branch moved, a branch closed, a tag created",
      { forge: "bitbucket", kind: "push", deliveryId: "d8", payload: fixture("bitbucket-push") },
      {
        kind: "push",
        forge: "bitbucket",
        deliveryId: "d8",
        repoURLs: [
          "https://bitbucket.org/team/deploy",
          "https://bitbucket.org/team/deploy.git",
          "git@bitbucket.org:team/deploy.git",
        ],
        updates: [
          { ref: "refs/heads/main", after: "3138828e2feff32376cab42750f90143220ff1c4", deleted: false },
          { ref: "refs/heads/old-feature", after: "0".repeat(40), deleted: true },
          { ref: "refs/tags/v2.0.0", after: "3138828e2feff32376cab42750f90143220ff1c4", deleted: false },
        ],
      },
    ],
    [
      "reads the generic push",
      { forge: "generic", kind: "push", deliveryId: "d9", payload: fixture("generic-push") },
      {
        kind: "push",
        forge: "generic",
        deliveryId: "d9",
        repoURLs: ["https://git.internal.example/platform/deploy.git"],
        defaultBranch: "main",
        updates: [
          { ref: "refs/heads/main", after: "9fceb02d0ae598e95dc970b74767f19372d61af8", deleted: false },
        ],
      },
    ],
  ];
  for (const [name, delivery, expected] of cases) it(name, () => assert.deepEqual(parse(delivery), expected));

  const github = fixture("github-push") as Record<string, unknown>;
  const bitbucket = fixture("bitbucket-push") as { push: { changes: Record<string, unknown>[] } };
  const malformed: [name: string, forge: Forge, payload: unknown, field: string][] = [
    ["a body that is not an object", "github", [1, 2], "(body)"],
    ["a push without ref", "github", { ...github, ref: undefined }, "ref"],
    ["a short ref name", "github", { ...github, ref: "main" }, "ref"],
    ["an abbreviated commit id", "github", { ...github, after: "0d1a26e" }, "after"],
    ["a repository that is a string", "github", { ...github, repository: "octo-org/deploy" }, "repository"],
    [
      "a repository without any address",
      "gitea",
      { ...github, repository: { full_name: "a/b" } },
      "repository.clone_url",
    ],
    ["a GitLab push without project", "gitlab", { ref: "refs/heads/main", after: "a".repeat(40) }, "project"],
    [
      "a Bitbucket change of an unknown type",
      "bitbucket",
      {
        ...bitbucket,
        push: { changes: [{ new: { type: "bookmark", name: "x", target: { hash: "a".repeat(40) } } }] },
      },
      "push.changes[0].new.type",
    ],
    [
      "a Bitbucket change without a target hash",
      "bitbucket",
      {
        ...bitbucket,
        push: { changes: [bitbucket.push.changes[0], { new: { type: "branch", name: "x", target: {} } }] },
      },
      "push.changes[1].new.target.hash",
    ],
    [
      "a generic push without repoURL",
      "generic",
      { ref: "refs/heads/main", after: "a".repeat(40) },
      "repoURL",
    ],
  ];
  for (const [name, forge, payload, field] of malformed) {
    it(`refuses ${name}, naming the field ${field}`, () => {
      const result = parseWebhookEvent({ forge, kind: "push", deliveryId: "x", payload });
      assert.equal(result.ok, false);
      if (result.ok) return;
      assert.equal(result.error.code, "malformed-payload");
      assert.equal(result.error.field, field);
      assert.match(
        result.error.message,
        new RegExp(`^${forge} push payload: ${field.replace(/[[\]().]/g, "\\$&")} `),
      );
    });
  }
});

describe("eventKindOf", () => {
  const cases: [Forge, string, string | undefined][] = [
    ["github", "push", "push"],
    ["github", "ping", "ping"],
    ["github", "pull_request", undefined],
    ["gitea", "push", "push"],
    ["gitea", "create", undefined],
    ["gitlab", "Push Hook", "push"],
    ["gitlab", "Tag Push Hook", "push"],
    ["gitlab", "Merge Request Hook", undefined],
    ["bitbucket", "repo:push", "push"],
    ["bitbucket", "diagnostics:ping", "ping"],
    ["generic", "push", "push"],
    ["github", "constructor", undefined],
  ];
  for (const [forge, name, kind] of cases)
    it(`reads ${forge}'s ${JSON.stringify(name)} as ${kind ?? "unsupported"}`, () =>
      assert.equal(eventKindOf(forge, name), kind));
});
