import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { comparePaths, jsonEqual, removePaths } from "./json.ts";

describe("jsonEqual", () => {
  const cases: [string, unknown, unknown, boolean][] = [
    ["ignores map key order", { a: 1, b: [1, 2] }, { b: [1, 2], a: 1 }, true],
    ["respects array order", [1, 2], [2, 1], false],
    ["tells a number from its string", { port: 80 }, { port: "80" }, false],
    ["tells a missing key from an extra one", { a: 1 }, { a: 1, b: undefined }, false],
    ["tells a map from an array", {}, [], false],
  ];
  for (const [name, a, b, expected] of cases) {
    it(name, () => assert.equal(jsonEqual(a, b), expected));
  }
});

describe("removePaths", () => {
  it("removes several elements of one array without shifting onto the wrong one", () => {
    const obj = { env: [{ name: "A" }, { name: "B" }, { name: "C" }, { name: "D" }] };
    removePaths(obj, [
      ["env", "1"],
      ["env", "3"],
    ]);
    assert.deepEqual(obj, { env: [{ name: "A" }, { name: "C" }] });
  });

  it("removes a path given twice only once", () => {
    const obj = { env: [{ name: "A" }, { name: "B" }] };
    removePaths(obj, [
      ["env", "0"],
      ["env", "0"],
    ]);
    assert.deepEqual(obj, { env: [{ name: "B" }] });
  });

  it("drops the maps and arrays a removal empties, up to the first that still holds something", () => {
    const obj = { metadata: { name: "web", annotations: { a: "1" } }, spec: { finalizers: ["x"] } };
    removePaths(obj, [
      ["metadata", "annotations", "a"],
      ["spec", "finalizers", "0"],
    ]);
    assert.deepEqual(obj, { metadata: { name: "web" } });
  });

  it("keeps an array element that a removal emptied, so its neighbours keep their index", () => {
    const obj = { containers: [{ image: "a" }, { image: "b", name: "b" }] };
    removePaths(obj, [["containers", "0", "image"]]);
    assert.deepEqual(obj, { containers: [{}, { image: "b", name: "b" }] });
  });

  it("leaves empty maps alone that it did not empty itself", () => {
    const obj = { spec: { securityContext: {}, replicas: 2 } };
    removePaths(obj, [["spec", "replicas"]]);
    assert.deepEqual(obj, { spec: { securityContext: {} } });
  });

  it("skips paths that lead nowhere", () => {
    const obj = { spec: { ports: [{ port: 80 }] } };
    removePaths(obj, [
      ["spec", "ports", "1"],
      ["spec", "ports", "-"],
      ["spec", "ports", "01"],
      ["status"],
      [],
    ]);
    assert.deepEqual(obj, { spec: { ports: [{ port: 80 }] } });
  });
});

describe("comparePaths", () => {
  it("orders array indices as numbers and a prefix before its extensions", () => {
    const paths = [["a", "10"], ["a", "9", "x"], ["a", "9"], ["a"]];
    assert.deepEqual(paths.sort(comparePaths), [["a"], ["a", "9"], ["a", "9", "x"], ["a", "10"]]);
  });
});
