import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { age, parseOutputFormat, renderStructured, renderTable, UsageError } from "./output.ts";

describe("output", () => {
  it("aligns table columns like kubectl and trims trailing space", () => {
    const text = renderTable(
      [
        { n: "a", s: "Running" },
        { n: "longer", s: "" },
      ],
      [
        { header: "NAME", value: (r) => r.n },
        { header: "STATUS", value: (r) => r.s },
      ],
    );
    assert.equal(text, "NAME     STATUS\na        Running\nlonger");
  });

  it("prints JSON and YAML of the same data", () => {
    assert.equal(renderStructured({ a: 1 }, "json"), '{\n  "a": 1\n}');
    assert.equal(renderStructured({ a: 1 }, "yaml"), "a: 1");
  });

  it("refuses an unknown -o value with a usage error naming the choices", () => {
    assert.throws(
      () => parseOutputFormat("xml"),
      (err: Error) => err instanceof UsageError && /json, yaml/.test(err.message),
    );
    assert.equal(parseOutputFormat(undefined), "table");
  });

  it("shows ages the way kubectl does", () => {
    const now = Date.parse("2026-01-02T00:00:00Z");
    assert.equal(age("2026-01-01T23:59:30Z", now), "30s");
    assert.equal(age("2026-01-01T23:50:00Z", now), "10m");
    assert.equal(age("2026-01-01T20:00:00Z", now), "4h");
    assert.equal(age("2025-12-20T00:00:00Z", now), "13d");
  });
});
