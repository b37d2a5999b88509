import assert from "node:assert/strict";
import { it } from "node:test";
import { ControllerMetrics } from "./metrics.ts";

it("the per-application repo label never carries a user name or password", async () => {
  const metrics = new ControllerMetrics();
  metrics.setAppInfo(
    "mooring",
    "shop",
    "Synced",
    "Healthy",
    "https://deploy:s3cret@git.example.com/shop.git",
  );
  const text = await metrics.registry.metrics();
  assert.match(text, /repo="https:\/\/git\.example\.com\/shop\.git"/);
  assert.doesNotMatch(text, /s3cret|deploy@/);
});
