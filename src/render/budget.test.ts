import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { documentSlices, parseYamlWithin, RenderBudget } from "./budget.ts";
import { RenderError } from "./errors.ts";
import { parseYamlManifests } from "./manifests.ts";

const roomy = () =>
  new RenderBudget({ maxManifestFileBytes: 1e9, maxRenderBytes: 1e9, maxRenderObjects: 1e9 });

function configMaps(count: number): string {
  let text = "";
  for (let i = 0; i < count; i++) {
    text += `---\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: cm-${i}\ndata:\n  text: |\n    line one\n    line two\n`;
  }
  return text;
}

const tooLarge = (pattern: RegExp) => (err: unknown) =>
  err instanceof RenderError && err.code === "too-large" && pattern.test(err.message);

describe("parsing within a budget", () => {
  it("parses a long text in slices to the same objects as in one piece", async () => {
    const text = configMaps(5000);
    assert.ok(documentSlices(text).length > 1);
    const sliced = await parseYamlWithin(text, { origin: "out" }, roomy());
    assert.deepEqual(sliced, parseYamlManifests(text, { origin: "out" }));
  });

  it("names the right document and line of an error in a later slice", async () => {
    const text = `${configMaps(4000)}---\nkind: [\n`;
    let whole = "";
    try {
      parseYamlManifests(text, { origin: "out" });
    } catch (err) {
      whole = (err as Error).message;
    }
    assert.match(whole, /line 3600\d/);
    await assert.rejects(parseYamlWithin(text, { origin: "out" }, roomy()), { message: whole });
  });

  it("stops at the object limit, naming it and the flag that raises it", async () => {
    const budget = new RenderBudget({
      maxManifestFileBytes: 1e9,
      maxRenderBytes: 1e9,
      maxRenderObjects: 100,
    });
    await assert.rejects(
      parseYamlWithin(configMaps(101), { origin: "big.yaml" }, budget),
      tooLarge(/more than 100 objects \(big\.yaml passes the limit, --max-render-objects\)/),
    );
  });

  it("refuses a file above the per-file limit before reading it", () => {
    const budget = new RenderBudget({
      maxManifestFileBytes: 1024,
      maxRenderBytes: 1e9,
      maxRenderObjects: 10,
    });
    assert.throws(
      () => budget.checkFile("deploy/huge.yaml", 50 * 1024 * 1024),
      tooLarge(
        /^deploy\/huge\.yaml is 50 MiB, more than the limit of 1 KiB per manifest file \(--max-manifest-size\)/,
      ),
    );
  });

  it("counts bytes across files against the per-render limit", () => {
    const budget = new RenderBudget({
      maxManifestFileBytes: 1000,
      maxRenderBytes: 1500,
      maxRenderObjects: 10,
    });
    budget.checkFile("a.yaml", 1000);
    assert.throws(
      () => budget.checkFile("b.yaml", 1000),
      tooLarge(/at b\.yaml, more than the limit of 1.5 KiB per render/),
    );
  });
});
