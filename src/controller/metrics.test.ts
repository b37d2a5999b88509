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

it("an ApplicationSet's series go when the set goes, and a rollout replaces its own", async () => {
  const metrics = new ControllerMetrics();
  metrics.appSetApplications.set({ namespace: "mooring", name: "fleet" }, 50);
  metrics.recordAppSetReconcile("mooring", "fleet", "ok", "ApplicationsGenerated", 0.2);
  metrics.recordAppSetReconcile("mooring", "fleet", "stalled", "ProjectEscape", 0.01);
  const rows = { Waiting: 1, Pending: 0, Progressing: 1, Healthy: 1 };
  metrics.setAppSetRollout("mooring", "fleet", { step: 2, steps: 3, applications: rows });
  metrics.setAppSetRollout("mooring", "fleet", { step: 3, steps: 3, applications: { Healthy: 3 } });
  let text = await metrics.registry.metrics();
  assert.match(text, /mooring_applicationset_applications\{namespace="mooring",name="fleet"\} 50/);
  assert.match(
    text,
    /mooring_applicationset_reconcile_total\{namespace="mooring",name="fleet",result="stalled",reason="ProjectEscape"\} 1/,
  );
  assert.match(text, /mooring_applicationset_rollout_step\{namespace="mooring",name="fleet"\} 3/);
  assert.match(text, /mooring_applicationset_rollout_applications\{[^}]*status="Healthy"\} 3/);
  assert.doesNotMatch(text, /status="Waiting"/);
  assert.match(text, /mooring_applicationset_reconcile_duration_seconds_count 2/);
  metrics.removeAppSet("mooring", "fleet");
  text = await metrics.registry.metrics();
  assert.doesNotMatch(text, /name="fleet"/);
});
