import assert from "node:assert/strict";
import { describe, it } from "node:test";
import type { ResolvedStackSpec } from "./spec.ts";
import { type LookupData, resolveVars, tfvarsJson, undeclaredVariables } from "./vars.ts";

const objects: Record<string, Record<string, string>> = {
  "ConfigMap/defaults": { region: "eu-west-1", size: "small", node_count: "3", "app.properties": "x=1" },
  "ConfigMap/overrides": { size: "large" },
  "Secret/db": { password: "hunter2-secret", size: "secret-size" },
  "Secret/json": { cidrs: '["10.0.0.0/16","10.1.0.0/16"]', token_map: '{"a":"tok-aaaa"}', broken: "{nope" },
};
const lookup: LookupData = (kind, name) => objects[`${kind}/${name}`];
type VarsSpec = Pick<ResolvedStackSpec, "vars" | "varsFrom">;
const from = (kind: "ConfigMap" | "Secret", name: string, extra: object = {}) => ({
  kind,
  name,
  format: "string" as const,
  optional: false,
  ...extra,
});

describe("resolveVars", () => {
  it("merges varsFrom in order, later winning, and inline vars last", () => {
    const spec: VarsSpec = {
      varsFrom: [
        from("ConfigMap", "defaults", { varsKeys: ["region", "size"] }),
        from("ConfigMap", "overrides"),
      ],
      vars: { region: "us-east-1", tags: { team: "db" }, replicas: 2 },
    };
    const result = resolveVars(spec, lookup);
    assert.deepEqual(result.problems, []);
    assert.deepEqual(result.values, {
      region: "us-east-1",
      size: "large",
      tags: { team: "db" },
      replicas: 2,
    });
    assert.equal(result.sources.size, "ConfigMap/overrides");
    assert.equal(result.sources.region, "spec.vars");
  });

  it("marks values from Secrets sensitive and hands their strings to the scrubber", () => {
    const result = resolveVars(
      { varsFrom: [from("ConfigMap", "overrides"), from("Secret", "db")], vars: {} },
      lookup,
    );
    assert.deepEqual(result.sensitive, ["password", "size"]);
    assert.deepEqual(result.secretValues.sort(), ["hunter2-secret", "secret-size"]);
  });

  it("forgets a Secret's value once an inline var overrides it", () => {
    const result = resolveVars({ varsFrom: [from("Secret", "db")], vars: { size: "medium" } }, lookup);
    assert.deepEqual(result.sensitive, ["password"]);
    assert.deepEqual(result.secretValues, ["hunter2-secret"]);
  });

  it("parses values as JSON with format json, for lists and maps", () => {
    const result = resolveVars(
      { varsFrom: [from("Secret", "json", { varsKeys: ["cidrs", "token_map"], format: "json" })], vars: {} },
      lookup,
    );
    assert.deepEqual(result.values, { cidrs: ["10.0.0.0/16", "10.1.0.0/16"], token_map: { a: "tok-aaaa" } });
    assert.ok(result.secretValues.includes("tok-aaaa"));
    assert.ok(result.secretValues.includes('{"a":"tok-aaaa"}'));
  });

  it("reports a value that is not JSON by its key, never by its value", () => {
    const result = resolveVars(
      { varsFrom: [from("Secret", "json", { varsKeys: ["broken"], format: "json" })], vars: {} },
      lookup,
    );
    assert.equal(result.problems.length, 1);
    assert.match(result.problems[0] ?? "", /key "broken" is not valid JSON/);
    assert.ok(!result.problems[0]?.includes("{nope"));
  });

  it("skips keys of a whole object that are not variable names, but refuses them when listed", () => {
    const whole = resolveVars({ varsFrom: [from("ConfigMap", "defaults")], vars: {} }, lookup);
    assert.deepEqual(whole.problems, []);
    assert.ok(!("app.properties" in whole.values));
    assert.match(whole.skipped[0] ?? "", /app\.properties/);
    const listed = resolveVars(
      { varsFrom: [from("ConfigMap", "defaults", { varsKeys: ["app.properties"] })], vars: {} },
      lookup,
    );
    assert.match(listed.problems[0] ?? "", /"app\.properties" is not a valid variable name/);
  });

  it("fails on a missing object or key unless optional", () => {
    const missing = resolveVars({ varsFrom: [from("Secret", "nope")], vars: {} }, lookup);
    assert.deepEqual(missing.problems, ["varsFrom[0] (Secret nope): not found"]);
    const optional = resolveVars(
      { varsFrom: [from("Secret", "nope", { optional: true })], vars: {} },
      lookup,
    );
    assert.deepEqual(optional.problems, []);
    const key = resolveVars({ varsFrom: [from("Secret", "db", { varsKeys: ["user"] })], vars: {} }, lookup);
    assert.deepEqual(key.problems, ['varsFrom[0] (Secret db): has no key "user"']);
  });

  it("remembers which variables came from whole objects", () => {
    const result = resolveVars(
      {
        varsFrom: [from("ConfigMap", "defaults"), from("Secret", "db", { varsKeys: ["password"] })],
        vars: {},
      },
      lookup,
    );
    assert.deepEqual(result.wholesale, ["node_count", "region", "size"]);
  });
});

describe("undeclaredVariables", () => {
  it("fails on a variable set by name that the module does not declare and ignores whole-object keys", () => {
    const resolved = resolveVars(
      { varsFrom: [from("ConfigMap", "defaults")], vars: { regoin: "typo" } },
      lookup,
    );
    const result = undeclaredVariables(resolved, ["region", "size"]);
    assert.deepEqual(result.errors, ['variable "regoin" (from spec.vars) is not declared by the module']);
    assert.deepEqual(result.ignored, ["node_count"]);
  });
});

describe("tfvarsJson", () => {
  it("writes the values as JSON that keeps every type", () => {
    const values = { n: 1, b: true, l: [1, "x"], m: { k: null } };
    assert.deepEqual(JSON.parse(tfvarsJson(values)), values);
  });
});
