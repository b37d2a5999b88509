import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { ConstraintError, chooseChartVersion, versionFromTag } from "./chart-version.ts";

const PUBLISHED = [
  "0.9.0",
  "1.0.0",
  "1.1.0",
  "1.2.0-rc.1",
  "1.2.3",
  "1.10.0",
  "2.0.0",
  "2.1.0-beta",
  "not-a-version",
];

describe("chooseChartVersion", () => {
  const cases: [string, string | undefined][] = [
    ["1.1.0", "1.1.0"],
    ["1.2.0-rc.1", "1.2.0-rc.1"],
    ["1.5.0", undefined],
    ["1.*", "1.10.0"],
    ["1.x", "1.10.0"],
    ["1.2.*", "1.2.3"],
    ["1.2.x", "1.2.3"],
    ["*", "2.0.0"],
    ["", "2.0.0"],
    ["^1.2.0", "1.10.0"],
    ["^0.9.0", "0.9.0"],
    ["~1.2", "1.2.3"],
    ["~1.1.0", "1.1.0"],
    [">=1.0 <2.0", "1.10.0"],
    [">=1.0, <1.2", "1.1.0"],
    [">= 1.0 < 1.2", "1.1.0"],
    [">1.2.3 <2", "1.10.0"],
    ["<=1.2", "1.2.3"],
    ["<1", "0.9.0"],
    ["1.0 - 1.2", "1.2.3"],
    ["1.0.0 - 1.1.0", "1.1.0"],
    ["0.9.* || 1.1.*", "1.1.0"],
    ["!=2.0.0 >=1.10", "1.10.0"],
    ["3.*", undefined],
    [">=2.1.0-0", "2.1.0-beta"],
    ["1.2.0-rc.0 - 1.2.0", "1.2.0-rc.1"],
    ["v1.1.0", "1.1.0"],
  ];
  for (const [range, chosen] of cases) {
    it(`picks ${chosen ?? "nothing"} for ${JSON.stringify(range)}`, () => {
      assert.equal(chooseChartVersion(range, PUBLISHED), chosen);
    });
  }

  it("never picks a pre-release for a range that names none", () => {
    assert.equal(chooseChartVersion("^2.1.0", ["2.1.0-beta", "2.2.0-rc.1"]), undefined);
  });

  it("refuses text that is neither a version nor a range", () => {
    for (const text of ["latest", "1.2.3.4", ">=", "1.0 ||"]) {
      assert.throws(() => chooseChartVersion(text, PUBLISHED), ConstraintError, text);
    }
  });
});

describe("versionFromTag", () => {
  it("turns Helm's OCI tag spelling of build metadata back into a version", () => {
    assert.equal(versionFromTag("1.2.3_build.5"), "1.2.3+build.5");
    assert.equal(versionFromTag("1.2.3"), "1.2.3");
  });
});
