import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { commitForRevision, parseLsRemote } from "./refs.ts";

const A = "a".repeat(40);
const B = "b".repeat(40);
const C = "c".repeat(40);
const T = "d".repeat(40);

const LISTING = [
  `${A}\tHEAD`,
  `${A}\trefs/heads/main`,
  `${B}\trefs/heads/release`,
  `${C}\trefs/tags/release`,
  `${T}\trefs/tags/v1`,
  `${C}\trefs/pull/7/head`,
  `${B}\trefs/tags/v1^{}`,
  "",
].join("\n");

describe("parseLsRemote", () => {
  it("maps each ref to its commit, an annotated tag to the commit it peels to", () => {
    assert.deepEqual(
      [...parseLsRemote(LISTING)],
      [
        ["HEAD", A],
        ["refs/heads/main", A],
        ["refs/heads/release", B],
        ["refs/tags/release", C],
        ["refs/tags/v1", B],
        ["refs/pull/7/head", C],
      ],
    );
  });

  it("ignores lines that are not refs", () => {
    assert.equal(parseLsRemote("warning: redirecting to https://x/\nnonsense\tref\n").size, 0);
  });
});

describe("commitForRevision", () => {
  const refs = parseLsRemote(LISTING);
  const cases: [string, string | undefined][] = [
    ["main", A],
    ["HEAD", A],
    ["v1", B],
    ["refs/tags/release", C],
    ["refs/heads/release", B],
    ["missing", undefined],
    ["heads/main", A],
    ["pull/7/head", C],
    ["tags/missing", undefined],
  ];
  for (const [revision, want] of cases) {
    it(`resolves "${revision}" to ${want ? `${want.slice(0, 1)}…` : "nothing"}`, () => {
      assert.equal(commitForRevision(refs, revision), want);
    });
  }

  it("prefers a branch over a tag of the same name, as git checkout does", () => {
    assert.equal(commitForRevision(refs, "release"), B);
  });
});
