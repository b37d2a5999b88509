import assert from "node:assert/strict";
import { describe, it } from "node:test";
import {
  compareKeys,
  decodeCursor,
  encodeCursor,
  pageOf,
  type SortKey,
  type SortOrder,
  sortRows,
} from "./page.ts";

interface R {
  ns: string;
  name: string;
  v: string | null;
  project: string;
}
const keyOf = (r: R): SortKey => [r.v, r.ns, r.name];
const row = (ns: string, name: string, v: string | null, project = "p"): R => ({ ns, name, v, project });
const names = (rows: readonly R[]) => rows.map((r) => `${r.ns}/${r.name}`);

/** Walks every page with the cursor, as a client would. */
function walk(rows: readonly R[], order: SortOrder, limit: number, include: (r: R) => boolean = () => true) {
  const sorted = sortRows(rows, keyOf, order);
  const query = { sort: "v", order, filters: "f" };
  const pages: string[][] = [];
  let cursor: string | undefined;
  for (;;) {
    const after = cursor === undefined ? undefined : decodeCursor(cursor, query);
    if (after !== undefined && !after.ok) throw new Error(after.message);
    const page = pageOf(sorted, { keyOf, order, include, limit, ...(after ? { after: after.after } : {}) });
    pages.push(names(page.items));
    if (page.next === undefined) return { pages, total: page.total };
    cursor = encodeCursor(query, page.next);
  }
}

describe("sort order", () => {
  const cases: [string, SortKey, SortKey, SortOrder, number][] = [
    ["smaller value first ascending", ["a", "x", "x"], ["b", "a", "a"], "asc", -1],
    ["larger value first descending", ["a", "x", "x"], ["b", "a", "a"], "desc", 1],
    [
      "ties broken by namespace then name, ascending in both orders",
      ["a", "n1", "z"],
      ["a", "n2", "a"],
      "desc",
      -1,
    ],
    ["absent values last ascending", [null, "a", "a"], ["z", "z", "z"], "asc", 1],
    ["absent values last descending", [null, "a", "a"], ["z", "z", "z"], "desc", 1],
    ["numbers compare as numbers", [9, "a", "a"], [10, "a", "a"], "asc", -1],
  ];
  for (const [what, a, b, order, sign] of cases) {
    it(what, () => assert.equal(Math.sign(compareKeys(a, b, order)), sign));
  }
});

describe("keyset pages", () => {
  const rows = [
    row("b", "two", "2"),
    row("a", "one", "1"),
    row("a", "three", "3"),
    row("c", "never", null),
    row("a", "tie", "2"),
  ];

  it("walks every row once, in order, across pages", () => {
    const { pages, total } = walk(rows, "asc", 2);
    assert.deepEqual(pages, [["a/one", "a/tie"], ["b/two", "a/three"], ["c/never"]]);
    assert.equal(total, 5);
  });

  it("walks descending with absent values still last", () => {
    assert.deepEqual(walk(rows, "desc", 10).pages, [["a/three", "a/tie", "b/two", "a/one", "c/never"]]);
  });

  it("drops rows the caller may not see before counting and paging", () => {
    const hidden = [...rows, row("z", "secret", "0", "other")];
    const { pages, total } = walk(hidden, "asc", 2, (r) => r.project === "p");
    assert.equal(total, 5);
    assert.deepEqual(pages.flat(), ["a/one", "a/tie", "b/two", "a/three", "c/never"]);
  });

  it("a row inserted before the cursor shifts nothing: the next page starts after the last row sent", () => {
    const sorted = sortRows(rows, keyOf, "asc");
    const first = pageOf(sorted, { keyOf, order: "asc", include: () => true, limit: 2 });
    assert.ok(first.next);
    const grown = sortRows([...rows, row("a", "early", "0"), row("a", "zz", "1")], keyOf, "asc");
    const second = pageOf(grown, { keyOf, order: "asc", include: () => true, limit: 2, after: first.next });
    assert.deepEqual(names(second.items), ["b/two", "a/three"]);
  });

  it("a deleted cursor row still finds its place", () => {
    const sorted = sortRows(rows, keyOf, "asc");
    const first = pageOf(sorted, { keyOf, order: "asc", include: () => true, limit: 2 });
    const shrunk = sorted.filter((r) => r.name !== "tie");
    const next = pageOf(shrunk, {
      keyOf,
      order: "asc",
      include: () => true,
      limit: 2,
      ...(first.next ? { after: first.next } : {}),
    });
    assert.deepEqual(names(next.items), ["b/two", "a/three"]);
  });

  it("an empty list answers one empty page with no cursor", () => {
    assert.deepEqual(pageOf([], { keyOf, order: "asc", include: () => true, limit: 5 }), {
      items: [],
      total: 0,
    });
  });
});

describe("cursors", () => {
  const query = { sort: "name", order: "asc" as const, filters: '["team-a"]' };
  const cursor = encodeCursor(query, ["wéb", "ns", "wéb"]);

  it("round-trip as opaque URL-safe text", () => {
    assert.match(cursor, /^[A-Za-z0-9_-]+$/);
    assert.deepEqual(decodeCursor(cursor, query), { ok: true, after: ["wéb", "ns", "wéb"] });
  });

  const refused: [string, string, typeof query | { sort: string; order: "desc"; filters: string }, RegExp][] =
    [
      ["another sort", cursor, { ...query, sort: "health" }, /other filters or another sort/],
      ["another order", cursor, { ...query, order: "desc" }, /other filters or another sort/],
      ["other filters", cursor, { ...query, filters: '["team-b"]' }, /other filters/],
      ["not base64", "%%%", query, /not one this server gave out/],
      ["base64 of something else", btoa('{"v":2}'), query, /not one this server gave out/],
    ];
  for (const [what, text, q, message] of refused) {
    it(`refuses a cursor for ${what}`, () => {
      const result = decodeCursor(text, q);
      assert.equal(result.ok, false);
      if (!result.ok) assert.match(result.message, message);
    });
  }
});
