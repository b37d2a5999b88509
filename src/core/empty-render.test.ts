import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { decideEmptyRender } from "./empty-render.ts";

describe("decideEmptyRender", () => {
  const cases = [
    {
      name: "objects rendered: ok whatever else is there",
      objectCount: 2,
      unrendered: ["a.cue"],
      allowEmpty: false,
      state: "ok",
    },
    { name: "an empty folder is valid", objectCount: 0, unrendered: [], allowEmpty: false, state: "ok" },
    {
      name: "only unrendered files: stalled",
      objectCount: 0,
      unrendered: ["app.cue", "README.txt"],
      allowEmpty: false,
      state: "stalled",
    },
    {
      name: "allowEmpty accepts an empty render",
      objectCount: 0,
      unrendered: ["README.txt"],
      allowEmpty: true,
      state: "ok",
    },
  ] as const;
  for (const c of cases) {
    it(c.name, () => {
      const decision = decideEmptyRender({ ...c, path: "apps/web" });
      assert.equal(decision.state, c.state);
    });
  }

  it("names the files, the path, what Mooring renders and the option", () => {
    const decision = decideEmptyRender({
      objectCount: 0,
      unrendered: ["apps/web/app.cue", "apps/web/README.txt"],
      path: "apps/web",
      allowEmpty: false,
    });
    assert.equal(decision.state, "stalled");
    if (decision.state !== "stalled") return;
    assert.equal(decision.reason, "NothingRendered");
    assert.match(decision.message, /"apps\/web" rendered no objects/);
    assert.match(decision.message, /apps\/web\/app\.cue, apps\/web\/README\.txt;/);
    assert.match(decision.message, /\*\.jsonnet/);
    assert.match(decision.message, /allowEmpty: true/);
  });

  it("lists five files and counts the rest", () => {
    const unrendered = Array.from({ length: 8 }, (_, i) => `f${i}.txt`);
    const decision = decideEmptyRender({ objectCount: 0, unrendered, path: "", allowEmpty: false });
    assert.ok(decision.state === "stalled");
    assert.match(decision.message, /f4\.txt and 3 more;/);
    assert.doesNotMatch(decision.message, /f5\.txt/);
    assert.match(decision.message, /source path "\."/);
  });
});
