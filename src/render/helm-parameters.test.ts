import assert from "node:assert/strict";
import { describe, it } from "node:test";
import type { HelmParameter } from "../core/application.ts";
import { RenderError } from "./errors.ts";
import { parametersToValues, valuesFileText } from "./helm-parameters.ts";

const values = (...parameters: HelmParameter[]) => JSON.parse(valuesFileText(parametersToValues(parameters)));

describe("helm parameters as a values file (what --set would set)", () => {
  const cases: [string, HelmParameter[], unknown][] = [
    ["a dotted name makes nested maps", [{ name: "a.b.c", value: "x" }], { a: { b: { c: "x" } } }],
    [
      "two names under one map fill it",
      [
        { name: "a.b", value: "1" },
        { name: "a.c", value: "2" },
      ],
      { a: { b: 1, c: 2 } },
    ],
    [
      "a later parameter wins",
      [
        { name: "a", value: "1" },
        { name: "a", value: "2" },
      ],
      { a: 2 },
    ],
    [
      "list indexes make lists, padded with null",
      [{ name: "a.b[2].c", value: "x" }],
      { a: { b: [null, null, { c: "x" }] } },
    ],
    ["nested lists", [{ name: "m[0][1]", value: "x" }], { m: [[null, "x"]] }],
    [
      "two fields of one list element",
      [
        { name: "l[0].a", value: "1" },
        { name: "l[0].b", value: "2" },
      ],
      { l: [{ a: 1, b: 2 }] },
    ],
    [
      "an escaped dot stays in the key",
      [{ name: "anno.example\\.com/x", value: "y" }],
      { anno: { "example.com/x": "y" } },
    ],
    [
      "true and false in any case are booleans",
      [
        { name: "a", value: "TRUE" },
        { name: "b", value: "false" },
      ],
      { a: true, b: false },
    ],
    ["null is null", [{ name: "a", value: "null" }], { a: null }],
    [
      "whole numbers are integers",
      [
        { name: "a", value: "42" },
        { name: "b", value: "-7" },
        { name: "z", value: "0" },
      ],
      { a: 42, b: -7, z: 0 },
    ],
    ["a leading zero keeps a string", [{ name: "a", value: "0755" }], { a: "0755" }],
    ["decimals stay strings", [{ name: "a", value: "1.5" }], { a: "1.5" }],
    [
      "forceString keeps strings",
      [
        { name: "a", value: "true", forceString: true },
        { name: "b", value: "3", forceString: true },
      ],
      { a: "true", b: "3" },
    ],
    ["commas stay in a plain value", [{ name: "a", value: "red,green" }], { a: "red,green" }],
    ["a backslash takes the next character literally", [{ name: "a", value: "x\\,y" }], { a: "x,y" }],
    ["braces make a list of typed values", [{ name: "a", value: "{x,2,true}" }], { a: ["x", 2, true] }],
    ["empty braces make an empty list", [{ name: "a", value: "{}" }], { a: [] }],
    ["an empty value is an empty string", [{ name: "a", value: "" }], { a: "" }],
  ];
  for (const [behaviour, parameters, expected] of cases) {
    it(behaviour, () => assert.deepEqual(values(...parameters), expected));
  }

  it("keeps every digit of a 64-bit integer", () => {
    assert.equal(
      valuesFileText(parametersToValues([{ name: "a", value: "9007199254740993" }])),
      '{"a":9007199254740993}\n',
    );
  });

  for (const name of ["", "a..b", "a[x]", "a[0", "a[99999999]", "a=b"]) {
    it(`refuses the name ${JSON.stringify(name)} with a clear error`, () => {
      assert.throws(
        () => parametersToValues([{ name, value: "v" }]),
        (err) =>
          err instanceof RenderError &&
          err.code === "invalid-source" &&
          err.message.includes("helm parameter"),
      );
    });
  }
});
