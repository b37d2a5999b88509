import assert from "node:assert/strict";
import { describe, it } from "node:test";
import type { KubeObject } from "../core/objects.ts";
import {
  matchCredentials,
  normalizeRepoURL,
  prefixCovers,
  type RepoSecret,
  repoSecretFrom,
} from "./repo-credentials.ts";

const repo = (url: string, credentials: RepoSecret["credentials"], extra: Partial<RepoSecret> = {}) =>
  ({
    secretName: `repo-${url.length}`,
    type: "repository",
    url,
    credentials,
    labelledBy: "mooring",
    ...extra,
  }) satisfies RepoSecret;
const creds = (url: string, credentials: RepoSecret["credentials"], extra: Partial<RepoSecret> = {}) =>
  ({
    secretName: `creds-${url.length}`,
    type: "repo-creds",
    url,
    credentials,
    labelledBy: "mooring",
    ...extra,
  }) satisfies RepoSecret;

function secret(labels: Record<string, string>, data: Record<string, string>, name = "s"): KubeObject {
  return {
    apiVersion: "v1",
    kind: "Secret",
    metadata: { name, namespace: "mooring", labels },
    data: Object.fromEntries(Object.entries(data).map(([k, v]) => [k, Buffer.from(v).toString("base64")])),
  };
}

describe("matchCredentials", () => {
  const secrets: RepoSecret[] = [
    repo("https://git.example.com/team/app.git", { username: "app", password: "p-app" }),
    creds("https://git.example.com/", { username: "host", password: "p-host" }),
    creds("https://git.example.com/team", { username: "team", password: "p-team" }),
    creds("git@github.com:", { sshPrivateKey: "KEY", insecureIgnoreHostKey: true }),
  ];

  const cases: [string, string, string | undefined][] = [
    ["a repository Secret wins over every template", "https://git.example.com/team/app.git", "app"],
    [
      "the same repository matches whatever its case, trailing slash or .git",
      "HTTPS://git.example.com/Team/App/",
      "app",
    ],
    ["the longest covering template prefix wins", "https://git.example.com/team/other", "team"],
    ["a shorter template covers what longer ones do not", "https://git.example.com/ops/infra", "host"],
    [
      "a template prefix covers longer names on its host, as in Argo CD",
      "https://git.example.com/teamster/x",
      "team",
    ],
    ["a host prefix does not cover a longer host name", "https://git.example.com.attacker.io/x", undefined],
    ["no Secret matches an unrelated repository", "https://elsewhere.org/repo", undefined],
  ];
  for (const [behaviour, url, expectedUser] of cases) {
    it(behaviour, () => {
      assert.equal(matchCredentials(url, secrets)?.username, expectedUser);
    });
  }

  it("an scp-like ssh template gives its key to every repository on the host", () => {
    assert.deepEqual(matchCredentials("git@github.com:org/repo.git", secrets), {
      sshPrivateKey: "KEY",
      insecureIgnoreHostKey: true,
    });
  });

  it("a repository Secret without credentials takes them from the best template", () => {
    const list = [
      repo("https://git.example.com/team/app", { sshKnownHosts: "host ssh-ed25519 AAAA" }),
      creds("https://git.example.com/team/", { username: "team", token: "t" }),
    ];
    assert.deepEqual(matchCredentials("https://git.example.com/team/app", list), {
      username: "team",
      token: "t",
      sshKnownHosts: "host ssh-ed25519 AAAA",
    });
  });

  it("prefers Mooring's label over Argo CD's for the same repository", () => {
    const list = [
      repo("https://h/r", { username: "argo" }, { labelledBy: "argocd", secretName: "a" }),
      repo("https://h/r", { username: "moor" }, { labelledBy: "mooring", secretName: "z" }),
    ];
    assert.equal(matchCredentials("https://h/r", list)?.username, "moor");
  });

  it("returns a copy the caller may change", () => {
    const list = [repo("https://h/r", { username: "u" })];
    const found = matchCredentials("https://h/r", list);
    assert.ok(found);
    found.username = "changed";
    assert.equal(list[0]?.credentials.username, "u");
  });
});

describe("repoSecretFrom", () => {
  it("decodes Argo CD's data keys, bearerToken becoming the token", () => {
    const decoded = repoSecretFrom(
      secret(
        { "argocd.argoproj.io/secret-type": "repository" },
        {
          url: "https://h/r",
          username: "u",
          password: "p",
          bearerToken: "t",
          sshPrivateKey: "k",
          sshKnownHosts: "h ssh-ed25519 AAAA",
          insecureIgnoreHostKey: "true",
        },
      ),
    );
    assert.deepEqual(decoded, {
      secretName: "s",
      type: "repository",
      url: "https://h/r",
      labelledBy: "argocd",
      credentials: {
        username: "u",
        password: "p",
        token: "t",
        sshPrivateKey: "k",
        sshKnownHosts: "h ssh-ed25519 AAAA",
        insecureIgnoreHostKey: true,
      },
    });
  });

  it("reads a repo-creds template under Mooring's label and ignores empty values", () => {
    const decoded = repoSecretFrom(
      secret({ "mooring.dev/secret-type": "repo-creds" }, { url: "https://h/", username: "", password: "p" }),
    );
    assert.equal(decoded?.type, "repo-creds");
    assert.equal(decoded?.labelledBy, "mooring");
    assert.deepEqual(decoded?.credentials, { password: "p" });
  });

  it("ignores Secrets of other types and Secrets without a url", () => {
    assert.equal(repoSecretFrom(secret({ "mooring.dev/secret-type": "cluster" }, { url: "x" })), undefined);
    assert.equal(
      repoSecretFrom(secret({ "mooring.dev/secret-type": "repository" }, { password: "p" })),
      undefined,
    );
  });

  it("accepts insecureIgnoreHostKey only when it says true", () => {
    const decoded = repoSecretFrom(
      secret({ "mooring.dev/secret-type": "repository" }, { url: "ssh://h/r", insecureIgnoreHostKey: "yes" }),
    );
    assert.equal(decoded?.credentials.insecureIgnoreHostKey, undefined);
  });
});

describe("URL comparison", () => {
  it("normalises case, trailing slashes and .git", () => {
    assert.equal(normalizeRepoURL(" https://H/Org/Repo.git/ "), "https://h/org/repo");
  });
  it("a prefix that ends inside the host name covers only that host", () => {
    assert.equal(prefixCovers("https://h/org", "https://h/org/repo"), true);
    assert.equal(prefixCovers("https://h/org", "https://h/org"), true);
    assert.equal(prefixCovers("https://h/org", "https://h/organisation/repo"), true);
    assert.equal(prefixCovers("https://h", "https://h/repo"), true);
    assert.equal(prefixCovers("https://h", "https://h:8443/repo"), true);
    assert.equal(prefixCovers("https://h", "https://h@evil/repo"), false);
    assert.equal(prefixCovers("https://h", "https://hx/repo"), false);
    assert.equal(prefixCovers("git@github.com", "git@github.com.evil:org/repo"), false);
    assert.equal(prefixCovers("git@github.com:org", "git@github.com:org-two/repo"), true);
    assert.equal(prefixCovers("", "https://h/r"), false);
  });
});
