import assert from "node:assert/strict";
import { describe, it } from "node:test";
import {
  type AuditEntry,
  type AuditRecord,
  canonicalJson,
  checkEntry,
  entryOf,
  formatRecord,
} from "./record.ts";

const entry: AuditEntry = {
  time: "2026-12-02T13:00:00.000Z",
  kind: "sync",
  actor: { type: "user", name: "alice", address: "203.0.113.7" },
  project: "team-a",
  object: { group: "mooring.dev", kind: "Application", namespace: "mooring", name: "web" },
  details: { revision: "0123abcd", objects: { created: 2, changed: 1, pruned: 0 } },
};

describe("canonicalJson", () => {
  const cases: [string, unknown, string][] = [
    [
      "sorts keys at every level",
      { b: 1, a: { d: [1, { z: 0, y: 1 }], c: null } },
      '{"a":{"c":null,"d":[1,{"y":1,"z":0}]},"b":1}',
    ],
    ["writes no whitespace", { a: [1, 2], b: "x y" }, '{"a":[1,2],"b":"x y"}'],
    ["leaves out undefined members", { a: undefined, b: 1 }, '{"b":1}'],
    [
      "sorts keys by UTF-16 code unit, upper case first",
      { b: 1, B: 2, é: 3, a: 4 },
      '{"B":2,"a":4,"b":1,"é":3}',
    ],
    ["escapes strings as JSON does", { s: 'quote " and \n newline' }, '{"s":"quote \\" and \\n newline"}'],
    ["writes numbers in their shortest form", { n: [1.0, 0.1, 1e21, -0] }, '{"n":[1,0.1,1e+21,0]}'],
  ];
  for (const [name, value, text] of cases) it(name, () => assert.equal(canonicalJson(value), text));

  it("gives the same text whatever order the keys were written in", () => {
    assert.equal(canonicalJson({ x: 1, y: { p: 1, q: 2 } }), canonicalJson({ y: { q: 2, p: 1 }, x: 1 }));
  });

  const refused: [string, unknown, RegExp][] = [
    ["NaN", { a: Number.NaN }, /number JSON cannot carry at \$\.a/],
    ["Infinity", { a: [Number.POSITIVE_INFINITY] }, /at \$\.a\[0\]/],
    ["undefined in an array", { a: [1, undefined] }, /undefined in an array at \$\.a\[1\]/],
    ["a bigint", { a: 1n }, /bigint at \$\.a/],
    ["a function", { a: () => 1 }, /function at \$\.a/],
    ["a Date", { a: new Date(0) }, /not plain JSON at \$\.a/],
    ["a Map", { a: new Map() }, /not plain JSON at \$\.a/],
  ];
  for (const [name, value, message] of refused)
    it(`refuses ${name}, naming where it is`, () => assert.throws(() => canonicalJson(value), message));
});

describe("checkEntry", () => {
  it("accepts a well-formed entry", () => assert.deepEqual(checkEntry(entry), []));
  it("accepts an entry without object or address", () => {
    const { object: _, ...rest } = entry;
    assert.deepEqual(checkEntry({ ...rest, actor: { type: "controller", name: "mooring-0" } }), []);
  });

  const bad: [string, Partial<AuditEntry> | Record<string, unknown>, RegExp][] = [
    [
      "a time without milliseconds",
      { time: "2026-12-02T13:00:00Z" },
      /time "2026-12-02T13:00:00Z" is not a UTC time/,
    ],
    ["a time with an offset", { time: "2026-12-02T13:00:00.000+01:00" }, /is not a UTC time/],
    ["an unknown kind", { kind: "deploy" }, /kind "deploy" is not one of sync,/],
    [
      "an unknown actor type",
      { actor: { type: "robot", name: "r" } },
      /actor type "robot" is not one of user, token/,
    ],
    ["an empty actor name", { actor: { type: "user", name: "" } }, /actor name is empty/],
    [
      "an object without a name",
      { object: { group: "", kind: "Secret", namespace: "x" } },
      /object must have/,
    ],
    ["details that are not an object", { details: [] }, /details must be an object/],
    [
      "details JSON cannot carry",
      { details: { n: Number.NaN } },
      /details has a number JSON cannot carry at \$\.n/,
    ],
  ];
  for (const [name, change, message] of bad)
    it(`refuses ${name}, naming the entry`, () => {
      const problems = checkEntry({ ...entry, ...change } as AuditEntry);
      assert.equal(problems.length, 1, JSON.stringify(problems));
      assert.equal(problems[0]?.code, "invalid-audit-entry");
      assert.match(problems[0]?.message ?? "", /^audit entry \S+ at \S+: /);
      assert.match(problems[0]?.message ?? "", message);
    });
});

describe("entryOf", () => {
  it("keeps only the fields the chain hashes", () => {
    const record = { ...entry, seq: 3, prevHash: "a", hash: "b", extra: 1 } as AuditRecord;
    assert.deepEqual(entryOf(record), entry);
  });
  it("drops an absent address and object instead of writing undefined", () => {
    const bare = entryOf({ ...entry, actor: { type: "controller", name: "c" }, object: undefined });
    assert.deepEqual(Object.keys(bare.actor), ["type", "name"]);
    assert.equal("object" in bare, false);
  });
});

it("formats a record on one line with its seq, actor, project and object", () => {
  const record: AuditRecord = { ...entry, seq: 12, prevHash: "p", hash: "h" };
  assert.equal(
    formatRecord(record),
    "#12 2026-12-02T13:00:00.000Z sync user:alice@203.0.113.7 team-a Application/mooring/web",
  );
});
