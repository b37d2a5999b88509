import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { describe, it } from "node:test";
import { parse } from "yaml";
import type { KubeObject } from "../objects.ts";
import { applicationHealth, applicationSetHealth } from "./mooring.ts";
import type { HealthResult } from "./status.ts";

// biome-ignore lint/suspicious/noExplicitAny: edits reach deep into free-form spec and status JSON
type Editable = KubeObject & Record<string, any>;

/** A captured fixture (./fixtures, verdicts in kinds.test.ts) with some fields replaced. */
function variant(name: string, change: (obj: Editable) => void): KubeObject {
  const obj = parse(readFileSync(new URL(`./fixtures/${name}`, import.meta.url), "utf8")) as Editable;
  change(obj);
  return obj;
}

function condition(obj: Editable, type: string) {
  return obj.status.conditions.find((c: { type: string }) => c.type === type);
}

describe("Application health between the captured states", () => {
  const cases: { behaviour: string; obj: KubeObject; want: HealthResult }[] = [
    {
      behaviour:
        "a changed child spec is Progressing until its controller reconciles it, though Ready says True",
      obj: variant("application-synced-healthy.yaml", (a) => {
        a.metadata.generation = 2;
      }),
      want: { status: "Progressing", message: "waiting for the controller to reconcile generation 2" },
    },
    {
      behaviour: "a Ready condition left from an older generation does not make the app Healthy",
      obj: variant("application-synced-healthy.yaml", (a) => {
        a.metadata.generation = 2;
        a.status.observedGeneration = 2;
      }),
      want: { status: "Progressing", message: "not ready yet: Synced: synced to 5b4c3c299e and healthy" },
    },
    {
      behaviour: "Ready without Synced is not Healthy",
      obj: variant("application-synced-healthy.yaml", (a) => {
        a.status.sync.status = "OutOfSync";
      }),
      want: { status: "Progressing", message: "not ready yet: Synced: synced to 5b4c3c299e and healthy" },
    },
    {
      behaviour: "a manual app out of sync waits for someone to sync it: Progressing, not Degraded",
      obj: variant("application-synced-healthy.yaml", (a) => {
        Object.assign(condition(a, "Ready"), {
          status: "False",
          reason: "OutOfSync",
          message: "2 objects differ from 5b4c3c299e",
        });
        a.status.sync.status = "OutOfSync";
      }),
      want: { status: "Progressing", message: "waiting for a sync: 2 objects differ from 5b4c3c299e" },
    },
    {
      behaviour: "a failed sync is Degraded with its reason, even while retries remain",
      obj: variant("application-synced-healthy.yaml", (a) => {
        Object.assign(condition(a, "Ready"), {
          status: "False",
          reason: "SyncFailed",
          message: "ConfigMap/x/y: admission webhook denied the request",
        });
      }),
      want: {
        status: "Degraded",
        message: "not ready: SyncFailed: ConfigMap/x/y: admission webhook denied the request",
      },
    },
    {
      behaviour: "an Application being deleted is Progressing until its finalizer is done",
      obj: variant("application-synced-healthy.yaml", (a) => {
        a.metadata.deletionTimestamp = "2026-12-03T08:50:00Z";
      }),
      want: {
        status: "Progressing",
        message: "being deleted: waiting for finalizers mooring.dev/resources-finalizer",
      },
    },
  ];
  for (const c of cases) {
    it(c.behaviour, () => {
      assert.deepEqual(applicationHealth(c.obj), c.want);
    });
  }
});

describe("ApplicationSet health between the captured states", () => {
  const rollout = (status: string, reason: string, message: string) =>
    variant("applicationset-generated.yaml", (s) => {
      s.status.conditions.push({
        type: "RolloutProgressing",
        status,
        reason,
        message,
        lastTransitionTime: "",
      });
    });
  it("is Progressing while a RollingSync moves through its steps", () => {
    assert.deepEqual(applicationSetHealth(rollout("True", "Progressing", "step 2 of 3: syncing eu-1")), {
      status: "Progressing",
      message: "rolling sync: step 2 of 3: syncing eu-1",
    });
  });
  it("is Degraded when the rollout stopped at a Degraded Application", () => {
    assert.deepEqual(
      applicationSetHealth(
        rollout("False", "ApplicationDegraded", "step 1: Application web-eu-1 is Degraded"),
      ),
      { status: "Degraded", message: "rollout stopped: step 1: Application web-eu-1 is Degraded" },
    );
  });
  it("is Healthy once the rollout completed", () => {
    assert.equal(
      applicationSetHealth(rollout("False", "Completed", "all 3 steps are Synced and Healthy")).status,
      "Healthy",
    );
  });
  it("is Degraded when its Applications conflict with others", () => {
    const set = variant("applicationset-generated.yaml", (s) => {
      Object.assign(condition(s, "Ready"), {
        status: "False",
        reason: "ApplicationConflict",
        message: "web: owned by another ApplicationSet",
      });
    });
    assert.deepEqual(applicationSetHealth(set), {
      status: "Degraded",
      message: "not ready: ApplicationConflict: web: owned by another ApplicationSet",
    });
  });
});
