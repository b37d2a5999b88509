import assert from "node:assert/strict";
import { describe, it } from "node:test";
import type { KubeObject } from "../core/objects.ts";
import { GitError } from "../git/errors.ts";
import { matchCredentials, type RepoSecret, repoSecretFrom } from "./repo-credentials.ts";

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
      "a template prefix covers whole path segments only, unlike Argo CD",
      "https://git.example.com/teamster/x",
      "host",
    ],
    ["a host prefix does not cover a longer host name", "https://git.example.com.attacker.io/x", undefined],
    ["a template does not cover another port on its host", "https://git.example.com:8443/team/x", undefined],
    ["a template does not cover plain http on its host", "http://git.example.com/team/x", undefined],
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

describe("repoURL with a user name or password", () => {
  const secrets: RepoSecret[] = [creds("https://git.example.com", { username: "u", password: "stored" })];
  const refused = (url: string, pattern: RegExp) =>
    assert.throws(
      () => matchCredentials(url, secrets),
      (err) => err instanceof GitError && err.code === "url-refused" && pattern.test(err.message),
    );

  it("is refused when stored credentials apply to it", () => {
    refused("https://me:mine@git.example.com/team/app", /Secret creds-23 apply to it: remove the userinfo/);
  });

  it("is refused when the userinfo makes another host read like a stored URL", () => {
    refused("https://git.example.com:x@attacker.example/r.git", /points at host attacker\.example/);
  });

  it("never repeats the password in the refusal", () => {
    assert.throws(
      () => matchCredentials("https://git.example.com:hunter2@attacker.example/r.git", secrets),
      (err) => err instanceof Error && !err.message.includes("hunter2"),
    );
  });

  it("is used as given when no stored credentials are concerned", () => {
    assert.equal(matchCredentials("https://me:mine@elsewhere.org/r", secrets), undefined);
  });
});
