import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { RenderError } from "./errors.ts";
import { compileGlob } from "./glob.ts";

describe("directory globs", () => {
  const cases: [pattern: string, path: string, matches: boolean][] = [
    ["*.yaml", "deploy.yaml", true],
    ["*.yaml", "sub/deploy.yaml", true], // * crosses "/", as in Argo CD
    ["*.yaml", "deploy.yml", false],
    ["prod/*", "prod/a/b.yaml", true],
    ["prod/*", "dev/a.yaml", false],
    ["**/*.json", "a/b.json", true],
    ["?.yaml", "a.yaml", true],
    ["?.yaml", "ab.yaml", false],
    ["{a.yaml,b.yaml}", "b.yaml", true],
    ["{a.yaml,b.yaml}", "c.yaml", false],
    ["{config.json,env-*/*}", "env-usw2/x.yaml", true],
    ["{a,{b,c}}.yaml", "c.yaml", true],
    ["[ab].yaml", "b.yaml", true],
    ["[!ab].yaml", "b.yaml", false],
    ["[a-c].yaml", "c.yaml", true],
    ["a.yaml", "aXyaml", false], // "." is literal
    ["a+(b).yaml", "a+(b).yaml", true], // regex syntax is literal
    ["\\*.yaml", "*.yaml", true],
    ["\\*.yaml", "x.yaml", false],
  ];
  for (const [pattern, path, matches] of cases) {
    it(`${pattern} ${matches ? "matches" : "does not match"} ${path}`, () => {
      assert.equal(compileGlob(pattern)(path), matches);
    });
  }

  for (const pattern of ["{a,b", "[ab", "a\\"]) {
    it(`refuses the malformed pattern ${pattern}`, () => {
      assert.throws(
        () => compileGlob(pattern),
        (err) => err instanceof RenderError && err.code === "invalid-source",
      );
    });
  }
});

describe("glob matching time", () => {
  it("stays linear on patterns that make a backtracking matcher explode", () => {
    const bomb = compileGlob(`${"*a".repeat(12)}*b`);
    const started = performance.now();
    assert.equal(bomb("a".repeat(40)), false);
    assert.equal(bomb("a".repeat(5000)), false);
    assert.equal(compileGlob(`${"{*a,*a,*a}{*a,*a}*".repeat(20)}b`)(`${"a".repeat(2000)}x`), false);
    assert.ok(performance.now() - started < 1000, `took ${performance.now() - started} ms`);
  });

  it("keeps the dialect's corner cases", () => {
    assert.equal(compileGlob("{a,}.yaml")(".yaml"), true);
    assert.equal(compileGlob("{a,}.yaml")("a.yaml"), true);
    assert.equal(compileGlob("[]].yaml")("].yaml"), true);
    assert.equal(compileGlob("[a-]")("-"), true);
    assert.equal(compileGlob("")(""), true);
    assert.equal(compileGlob("")("a"), false);
    assert.equal(compileGlob("é?.yaml")("é😀.yaml"), true);
  });

  it("refuses a range written backwards", () => {
    assert.throws(
      () => compileGlob("[z-a]"),
      (err) => err instanceof RenderError && err.code === "invalid-source",
    );
  });
});

describe("value file globs (path segments, as doublestar matches them)", () => {
  const cases: [pattern: string, path: string, matches: boolean][] = [
    ["values/*.yaml", "values/a.yaml", true],
    ["values/*.yaml", "values/sub/a.yaml", false], // * stays within a segment
    ["*.yaml", "sub/a.yaml", false],
    ["envs/**/prod.yaml", "envs/prod.yaml", true], // ** may be no segment at all
    ["envs/**/prod.yaml", "envs/eu/prod.yaml", true],
    ["envs/**/prod.yaml", "envs/eu/west/prod.yaml", true],
    ["envs/**/prod.yaml", "envs/eu/west/prod.yml", false],
    ["envs/**/prod.yaml", "other/eu/prod.yaml", false],
    ["**/*.yaml", "a.yaml", true],
    ["**/*.yaml", "a/b/c.yaml", true],
    ["envs/**", "envs/a/b.yaml", true],
    ["envs/a**.yaml", "envs/ab.yaml", true], // ** inside a segment is one *
    ["envs/a**.yaml", "envs/a/b.yaml", false],
    ["v?.yaml", "v/.yaml", false],
    ["v[!a].yaml", "v/.yaml", false],
    ["{a,b}/*.yaml", "b/x.yaml", true],
  ];
  for (const [pattern, path, matches] of cases) {
    it(`${pattern} ${matches ? "matches" : "does not match"} ${path}`, () => {
      assert.equal(compileGlob(pattern, { segments: true })(path), matches);
    });
  }

  it("stays linear with many ** segments", () => {
    const started = performance.now();
    const bomb = compileGlob(`${"**/a/".repeat(15)}b`, { segments: true });
    assert.equal(bomb(`${"a/".repeat(2000)}c`), false);
    assert.ok(performance.now() - started < 1000, `took ${performance.now() - started} ms`);
  });
});
