import assert from "node:assert/strict";
import { describe, it } from "node:test";
import {
  compareHealth,
  HEALTH_STATUSES,
  type HealthStatus,
  isHealthStatus,
  isWorse,
  worstOf,
} from "./status.ts";

describe("health status order", () => {
  it("ranks statuses from best to worst as Healthy, Suspended, Progressing, Unknown, Missing, Degraded", () => {
    const sorted = [...HEALTH_STATUSES].sort(compareHealth);
    assert.deepEqual(sorted, ["Healthy", "Suspended", "Progressing", "Unknown", "Missing", "Degraded"]);
  });

  const worst: { behaviour: string; statuses: HealthStatus[]; want: HealthStatus }[] = [
    { behaviour: "an Application with no objects is Healthy", statuses: [], want: "Healthy" },
    {
      behaviour: "one Degraded object makes the whole Degraded",
      statuses: ["Healthy", "Degraded", "Missing"],
      want: "Degraded",
    },
    {
      behaviour: "a missing object outranks one we cannot read",
      statuses: ["Unknown", "Missing", "Progressing"],
      want: "Missing",
    },
    {
      behaviour: "an unreadable object outranks a rollout",
      statuses: ["Progressing", "Unknown"],
      want: "Unknown",
    },
    {
      behaviour: "a rollout outranks a paused object",
      statuses: ["Suspended", "Progressing", "Healthy"],
      want: "Progressing",
    },
    {
      behaviour: "a paused object outranks healthy ones",
      statuses: ["Healthy", "Suspended"],
      want: "Suspended",
    },
  ];
  for (const c of worst) {
    it(c.behaviour, () => {
      assert.equal(worstOf(c.statuses), c.want);
    });
  }

  it("takes any iterable, such as a generator over objects", () => {
    function* statuses(): Generator<HealthStatus> {
      yield "Healthy";
      yield "Progressing";
    }
    assert.equal(worstOf(statuses()), "Progressing");
  });

  it("is strict: a status is not worse than itself", () => {
    assert.equal(isWorse("Degraded", "Degraded"), false);
    assert.equal(isWorse("Degraded", "Missing"), true);
    assert.equal(isWorse("Missing", "Degraded"), false);
  });

  it("recognises the vocabulary and nothing else", () => {
    assert.equal(isHealthStatus("Progressing"), true);
    assert.equal(isHealthStatus("progressing"), false);
    assert.equal(isHealthStatus("Ready"), false);
    assert.equal(isHealthStatus(undefined), false);
  });
});
