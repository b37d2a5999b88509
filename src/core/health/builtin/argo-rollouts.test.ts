import assert from "node:assert/strict";
import { it } from "node:test";
import { assessHealth } from "../assess.ts";
import { builtinFixture, describeFixtures } from "./fixtures/cases.ts";

describeFixtures("Argo Rollouts health", [
  {
    behaviour: "a canary Rollout that finished its steps is Healthy",
    fixture: "rollout-canary-healthy.yaml",
    want: { status: "Healthy" },
  },
  {
    behaviour: "a canary Rollout waiting at a pause step is Suspended",
    fixture: "rollout-canary-paused-step.yaml",
    want: { status: "Suspended", message: "Rollout is paused" },
  },
  {
    behaviour: "an aborted Rollout is Degraded with the controller's reason",
    fixture: "rollout-aborted.yaml",
    want: {
      status: "Degraded",
      message:
        'Rollout aborted update to revision 3: Metric "success-rate" assessed Failed due to failed (3) > failureLimit (2)',
    },
  },
  {
    behaviour: "a blue-green Rollout bringing up the new replicas is Progressing",
    fixture: "rollout-bluegreen-scaling.yaml",
    want: {
      status: "Progressing",
      message: "Waiting for roll out to finish: More replicas need to be updated",
    },
  },
]);

it("a Rollout whose new spec the controller has not seen is Progressing", () => {
  const rollout = builtinFixture("rollout-canary-healthy.yaml");
  rollout.metadata.generation = 5;
  assert.deepEqual(assessHealth(rollout), {
    status: "Progressing",
    message: "Waiting for rollout spec update to be observed",
  });
});

it("a Rollout from before v0.10, whose observedGeneration is a spec hash, is judged by its replicas", () => {
  const rollout = builtinFixture("rollout-canary-healthy.yaml");
  (rollout.status as Record<string, unknown>).observedGeneration = "5c788f4484";
  assert.deepEqual(assessHealth(rollout), { status: "Healthy" });
});

it("a canary Rollout with every replica updated but steps left is Progressing", () => {
  const rollout = builtinFixture("rollout-canary-healthy.yaml");
  (rollout.status as Record<string, unknown>).stableRS = "77f4f8ff97";
  assert.deepEqual(assessHealth(rollout), {
    status: "Progressing",
    message: "Waiting for rollout to finish steps",
  });
});
