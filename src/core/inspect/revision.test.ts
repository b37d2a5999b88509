import assert from "node:assert/strict";
import { describe, it } from "node:test";
import type { Application } from "../application.ts";
import { previewRevision } from "./revision.ts";

const OLD = "1111111111111111111111111111111111111111";
const NOW = "2222222222222222222222222222222222222222";
const app = {
  apiVersion: "mooring.dev/v1alpha1",
  kind: "Application",
  metadata: { namespace: "mooring", name: "shop" },
  spec: { source: { repoURL: "x", path: ".", targetRevision: "main" }, destination: {} },
  status: { history: [{ revision: OLD }], sync: { revision: NOW } },
} as unknown as Application;

describe("revisions a preview may render", () => {
  it("takes the target by default, history commits by full SHA or a 7+ prefix, and the synced commit", () => {
    assert.deepEqual(previewRevision(app, undefined), { ok: true, revision: "main", target: true });
    assert.deepEqual(previewRevision(app, "main"), { ok: true, revision: "main", target: true });
    assert.deepEqual(previewRevision(app, OLD), { ok: true, revision: OLD, target: false });
    assert.deepEqual(previewRevision(app, "1111111"), { ok: true, revision: OLD, target: false });
    assert.deepEqual(previewRevision(app, NOW), { ok: true, revision: NOW, target: false });
  });

  it("refuses any other revision, naming it and the app", () => {
    const refused = previewRevision(app, "feature-x");
    assert.equal(refused.ok, false);
    assert.match(refused.ok ? "" : refused.message, /revision feature-x .* application mooring\/shop/);
    assert.equal(previewRevision(app, "111").ok, false, "a short prefix is not enough");
  });
});
