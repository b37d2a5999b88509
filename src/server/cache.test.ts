// What the server keeps of Secrets and Events, and how it keeps sorted lists between requests.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { appRow, appSortKey } from "../core/query/summaries.ts";
import { reduceEvent, reduceSecret, SortedRows } from "./cache.ts";

const b64 = (text: string) => Buffer.from(text).toString("base64");

describe("what the server keeps of a Secret", () => {
  const cases: [string, Record<string, string>, Record<string, unknown> | undefined][] = [
    [
      "cluster",
      { name: "east", server: "https://east:6443", config: "token: abc", namespaces: "a, b" },
      { name: "east", server: "https://east:6443", namespaces: ["a", "b"], secretName: "s" },
    ],
    [
      "repository",
      { url: "https://bob:pw@git.example/r.git", password: "pw", sshPrivateKey: "KEY", project: "team-a" },
      {
        url: "https://git.example/r.git",
        type: "repository",
        credentials: ["password", "sshPrivateKey"],
        project: "team-a",
        secretName: "s",
      },
    ],
    ["repository", { password: "no url" }, undefined],
    ["api-token", { hash: "h" }, undefined],
  ];
  for (const [type, data, expected] of cases) {
    it(`a ${type} Secret ${expected ? "keeps only facts that are not secret" : "is not kept"}`, () => {
      const kept = reduceSecret({
        apiVersion: "v1",
        kind: "Secret",
        metadata: { name: "s", namespace: "mooring", labels: { "mooring.dev/secret-type": type } },
        data: Object.fromEntries(Object.entries(data).map(([k, v]) => [k, b64(v)])),
      });
      assert.deepEqual(kept?.info, expected);
      assert.equal(kept?.data, undefined);
      assert.doesNotMatch(JSON.stringify(kept ?? {}), /pw|KEY|abc|token/);
    });
  }
});

describe("what the server keeps of an Event", () => {
  it("keeps Events about Applications and Stacks as a timeline shows them", () => {
    const kept = reduceEvent({
      apiVersion: "v1",
      kind: "Event",
      metadata: { name: "e", namespace: "mooring", managedFields: [] },
      involvedObject: { kind: "Application", namespace: "mooring", name: "web", uid: "u" },
      type: "Warning",
      reason: "SyncFailed",
      message: "boom",
      count: 3,
      firstTimestamp: "t1",
      lastTimestamp: "t2",
      source: { component: "mooring-controller" },
    });
    assert.deepEqual(kept?.info, {
      type: "Warning",
      reason: "SyncFailed",
      message: "boom",
      count: 3,
      firstTimestamp: "t1",
      lastTimestamp: "t2",
      involved: { kind: "Application", namespace: "mooring", name: "web" },
      source: "mooring-controller",
    });
  });

  it("drops Events about other kinds", () => {
    const kept = reduceEvent({
      apiVersion: "v1",
      kind: "Event",
      metadata: { name: "e", namespace: "mooring" },
      involvedObject: { kind: "Project", name: "p" },
    });
    assert.equal(kept, undefined);
  });
});

describe("sorted rows kept between requests", () => {
  const row = (name: string, health: string) =>
    appRow({
      metadata: { namespace: "ns", name },
      spec: { source: {} },
      status: { health: { status: health }, sync: { status: "Synced" } },
    });
  const setup = () => {
    const rows = new Map([
      ["ns/a", row("a", "Healthy")],
      ["ns/b", row("b", "Degraded")],
      ["ns/c", row("c", "Healthy")],
    ]);
    const sorted = new SortedRows(appSortKey);
    return { rows, sorted, all: () => [...rows.values()] };
  };
  const names = (rows: readonly { name: string }[]) => rows.map((r) => r.name);

  it("a status change that keeps the order swaps the row in place, without sorting again", () => {
    const { rows, sorted, all } = setup();
    const first = sorted.get(all, "name", "asc");
    const next = row("b", "Healthy");
    sorted.changed("ns/b", rows.get("ns/b"), next);
    rows.set("ns/b", next);
    const again = sorted.get(all, "name", "asc");
    assert.equal(again, first, "the same sorted array");
    assert.equal(again[1]?.summary.health, "Healthy", "holding the new row");
  });

  it("a change of the sort key, an added or a deleted row sorts again", () => {
    const steps: [string, (s: ReturnType<typeof setup>) => void, string[]][] = [
      [
        "health changes under sort by health",
        ({ rows, sorted }) => {
          const next = row("a", "Degraded");
          sorted.changed("ns/a", rows.get("ns/a"), next);
          rows.set("ns/a", next);
        },
        ["a", "b", "c"],
      ],
      [
        "a row is added",
        ({ rows, sorted }) => {
          const next = row("0", "Missing");
          sorted.changed("ns/0", undefined, next);
          rows.set("ns/0", next);
        },
        ["b", "0", "a", "c"],
      ],
      [
        "a row is deleted",
        ({ rows, sorted }) => {
          sorted.changed("ns/b", rows.get("ns/b"), undefined);
          rows.delete("ns/b");
        },
        ["a", "c"],
      ],
    ];
    for (const [what, change, expected] of steps) {
      const state = setup();
      assert.deepEqual(names(state.sorted.get(state.all, "health", "asc")), ["b", "a", "c"]);
      change(state);
      assert.deepEqual(names(state.sorted.get(state.all, "health", "asc")), expected, what);
    }
  });
});
