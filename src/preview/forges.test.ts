import assert from "node:assert/strict";
import { describe, it } from "node:test";
import type { KubeObject } from "../core/objects.ts";
import type { ForgeClient } from "../forge/forge.ts";
import { ForgeDirectory, type ForgeSettings, forgeFor, forgeSettingsOf } from "./forges.ts";
import { capturedLog } from "./previews.test-fixtures.ts";

const TOKEN = "tok-secret-value-1234";

function secret(name: string, data: Record<string, string>, version = "1"): KubeObject {
  return {
    apiVersion: "v1",
    kind: "Secret",
    metadata: {
      name,
      namespace: "mooring",
      resourceVersion: version,
      labels: { "mooring.dev/secret-type": "forge" },
    },
    data: Object.fromEntries(Object.entries(data).map(([k, v]) => [k, Buffer.from(v).toString("base64")])),
  };
}

describe("forge Secrets", () => {
  it("reads type, url, token and apiURL", () => {
    assert.deepEqual(
      forgeSettingsOf(secret("gitea", { type: "gitea", url: "http://git.local:3000/", token: TOKEN })),
      {
        kind: "gitea",
        url: "http://git.local:3000/",
        token: TOKEN,
      },
    );
  });
  it("refuses an unknown type, a url that is not http(s), and a missing token, naming the Secret and never the token", () => {
    const cases: [Record<string, string>, RegExp][] = [
      [
        { type: "bitbucket", url: "https://b.example/", token: TOKEN },
        /Secret mooring\/f: type "bitbucket" is not one of gitea, github, gitlab/,
      ],
      [
        { type: "gitea", url: "ftp://g/", token: TOKEN },
        /Secret mooring\/f: url "ftp:\/\/g\/" is not an http\(s\) address/,
      ],
      [{ type: "gitea", url: "https://user:pw@g/", token: TOKEN }, /url .* is not an http\(s\) address/],
      [{ type: "gitea", url: "https://g/" }, /token is missing/],
    ];
    for (const [data, expected] of cases) {
      const result = forgeSettingsOf(secret("f", data));
      assert.ok("problem" in result);
      assert.match(result.problem, expected);
      assert.doesNotMatch(result.problem, new RegExp(TOKEN));
      assert.doesNotMatch(result.problem, /pw/);
    }
  });
});

describe("the forge directory", () => {
  const made: ForgeSettings[] = [];
  const makeClient = (settings: ForgeSettings) => {
    made.push(settings);
    return { kind: settings.kind } as ForgeClient;
  };

  it("builds a client per usable Secret, logs a bad one once, and re-reads after maxAge", async () => {
    let secrets = [
      secret("b-gitea", { type: "gitea", url: "http://git.local:3000/", token: TOKEN }),
      secret("a-broken", { type: "svn", url: "http://x/", token: TOKEN }),
    ];
    let reads = 0;
    let now = 0;
    const { lines, log } = capturedLog();
    const directory = new ForgeDirectory(
      {
        list: async () => {
          reads += 1;
          return { items: secrets };
        },
      },
      { namespace: "mooring", log, makeClient, now: () => now },
    );
    const first = await directory.list();
    assert.deepEqual(
      first.map((f) => f.name),
      ["b-gitea"],
    );
    await directory.list();
    assert.equal(reads, 1, "kept for maxAgeMs");
    now = 31_000;
    await directory.list();
    assert.equal(reads, 2);
    assert.equal(made.length, 1, "an unchanged Secret keeps its client");
    const errors = lines.filter((l) => l.includes("forge-secret-invalid"));
    assert.equal(errors.length, 1, lines.join("\n"));
    assert.match(errors[0] ?? "", /a-broken/);
    assert.doesNotMatch(lines.join("\n"), new RegExp(TOKEN));
    secrets = [secret("b-gitea", { type: "gitea", url: "http://git.local:3000/", token: "rotated" }, "2")];
    await directory.list(true);
    assert.equal(made.at(-1)?.token, "rotated", "a changed Secret gets a new client");
  });

  it("matches a repository to the forge it lives on", async () => {
    const forges = [
      { name: "gh", kind: "github" as const, url: "https://github.com/", client: {} as ForgeClient },
      { name: "gitea", kind: "gitea" as const, url: "http://git.local:3000/", client: {} as ForgeClient },
    ];
    assert.deepEqual(forgeFor(forges, "http://git.local:3000/Team/App.git")?.repo, {
      owner: "team",
      name: "app",
    });
    assert.equal(forgeFor(forges, "http://git.local:3000/Team/App.git")?.forge.name, "gitea");
    assert.equal(forgeFor(forges, "https://gitlab.com/team/app.git"), undefined);
  });
});
