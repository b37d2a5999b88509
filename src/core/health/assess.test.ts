import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { describe, it } from "node:test";
import { parse } from "yaml";
import type { HealthCheck } from "../application.ts";
import type { KubeObject } from "../objects.ts";
import { assessHealth, findHealthCheck } from "./assess.ts";
import { compileExpression, evaluateExpression, toCelValue } from "./cel.ts";
import type { HealthResult } from "./status.ts";

function fixture(name: string): KubeObject {
  return parse(readFileSync(new URL(`./fixtures/${name}`, import.meta.url), "utf8")) as KubeObject;
}

const certificate = fixture("certificate-not-ready.yaml");
const deployment = fixture("deployment-new-replicas-unavailable.yaml");

// A check in the style users write for cert-manager: issuance in flight is progress, not failure.
const certificateCheck: HealthCheck = {
  group: "cert-manager.io",
  kind: "Certificate",
  degraded:
    'object.status.conditions.exists(c, c.type == "Issuing" && c.status == "False" && c.reason == "Failed")',
  progressing: 'object.status.conditions.exists(c, c.type == "Issuing" && c.status == "True")',
  healthy: 'object.status.conditions.exists(c, c.type == "Ready" && c.status == "True")',
  message: 'object.status.conditions.filter(c, c.type == "Issuing")[0].message',
};

describe("assessHealth", () => {
  it("an object absent from the cluster is Missing", () => {
    assert.deepEqual(assessHealth(null), {
      status: "Missing",
      message: "object does not exist in the cluster",
    });
  });

  it("an object absent from the cluster is Missing even when a check exists for its kind", () => {
    assert.equal(assessHealth(null, [certificateCheck]).status, "Missing");
  });

  it("without a matching check the built-in rules decide", () => {
    assert.deepEqual(assessHealth(certificate, []), {
      status: "Degraded",
      message:
        'Issuing certificate as Secret does not exist; The certificate request has failed to complete and will be retried: Failed to wait for order resource "shop-tls-1-2731891212" to become ready: order is in "errored" state',
    });
  });

  it("a user health check for the kind wins over the built-in rules", () => {
    const healthy: HealthCheck = { kind: "Deployment", healthy: "true" };
    assert.deepEqual(assessHealth(deployment, [healthy]), { status: "Healthy" });
  });

  it("the first true expression decides, asked in the order degraded, progressing, healthy", () => {
    const all: HealthCheck = { kind: "Certificate", healthy: "true", progressing: "true", degraded: "true" };
    const notDegraded: HealthCheck = {
      kind: "Certificate",
      healthy: "true",
      progressing: "true",
      degraded: "false",
    };
    const onlyHealthy: HealthCheck = {
      kind: "Certificate",
      healthy: "true",
      progressing: "false",
      degraded: "false",
    };
    assert.equal(assessHealth(certificate, [all]).status, "Degraded");
    assert.equal(assessHealth(certificate, [notDegraded]).status, "Progressing");
    assert.equal(assessHealth(certificate, [onlyHealthy]).status, "Healthy");
  });

  it("a check with no true expression is Unknown and says so", () => {
    const never: HealthCheck = { kind: "Certificate", healthy: "false" };
    assert.deepEqual(assessHealth(certificate, [never]), {
      status: "Unknown",
      message: "health check for Certificate: no expression was true",
    });
  });

  it("the message expression gives the text shown with the status", () => {
    assert.deepEqual(assessHealth(certificate, [certificateCheck]), {
      status: "Degraded",
      message:
        'The certificate request has failed to complete and will be retried: Failed to wait for order resource "shop-tls-1-2731891212" to become ready: order is in "errored" state',
    });
  });

  const broken: { behaviour: string; check: HealthCheck; want: HealthResult }[] = [
    {
      behaviour: "an expression that does not parse makes the object Unknown, naming the check and the error",
      check: {
        group: "cert-manager.io",
        kind: "Certificate",
        degraded: "object.status.conditions.exists(c,",
      },
      want: {
        status: "Unknown",
        message: "health check for Certificate.cert-manager.io: degraded expression: Unexpected token: EOF",
      },
    },
    {
      behaviour: "an expression naming an undeclared variable fails when compiled, not when true",
      check: { kind: "Certificate", progressing: "obj.status.ready" },
      want: {
        status: "Unknown",
        message: "health check for Certificate: progressing expression: Unknown variable: obj",
      },
    },
    {
      behaviour: "an expression reading an absent field makes the object Unknown",
      check: { kind: "Certificate", healthy: "object.status.notAfter != ''" },
      want: {
        status: "Unknown",
        message: "health check for Certificate: healthy expression: No such key: notAfter",
      },
    },
    {
      behaviour: "a status expression that is not boolean is refused when compiled",
      check: { kind: "Certificate", healthy: "size(object.status.conditions)" },
      want: {
        status: "Unknown",
        message: "health check for Certificate: healthy expression: must return bool, not int",
      },
    },
    {
      behaviour: "a status expression that yields a non-boolean value at run time is refused",
      check: { kind: "Certificate", healthy: "object.status.failedIssuanceAttempts" },
      want: {
        status: "Unknown",
        message: "health check for Certificate: healthy expression: must return bool, not int",
      },
    },
    {
      behaviour: "a broken message expression makes the object Unknown too",
      check: { kind: "Certificate", degraded: "true", message: "object.status.reason" },
      want: {
        status: "Unknown",
        message: "health check for Certificate: message expression: No such key: reason",
      },
    },
  ];
  for (const c of broken) {
    it(c.behaviour, () => {
      assert.deepEqual(assessHealth(certificate, [c.check]), c.want);
    });
  }
});

describe("findHealthCheck", () => {
  const anyGroup: HealthCheck = { kind: "Certificate", healthy: "true" };
  const certManager: HealthCheck = { group: "cert-manager.io", kind: "Certificate", healthy: "true" };
  const otherGroup: HealthCheck = { group: "example.com", kind: "Certificate", healthy: "true" };

  it("a check without a group matches the kind in any group", () => {
    assert.equal(findHealthCheck(certificate, [anyGroup]), anyGroup);
  });

  it("a check naming another group does not match", () => {
    assert.equal(findHealthCheck(certificate, [otherGroup]), undefined);
  });

  it("a check naming the object's group beats one that omits the group, wherever it is listed", () => {
    assert.equal(findHealthCheck(certificate, [anyGroup, otherGroup, certManager]), certManager);
  });

  it("a check naming the core group does not match a kind of the same name elsewhere", () => {
    assert.equal(
      findHealthCheck(certificate, [{ group: "", kind: "Certificate", healthy: "true" }]),
      undefined,
    );
  });
});

describe("CEL over Kubernetes objects", () => {
  const object = toCelValue(deployment);

  // Each expression is one a user would plausibly write; all must be true for the
  // deployment-new-replicas-unavailable fixture (3 desired, 3 updated, 1 available).
  const truths: { behaviour: string; source: string }[] = [
    { behaviour: "has() tells a present field", source: "has(object.status.availableReplicas)" },
    { behaviour: "has() tells an absent field", source: "!has(object.status.collisionCount)" },
    {
      behaviour: "exists() finds a condition by type and status",
      source: 'object.status.conditions.exists(c, c.type == "Available" && c.status == "False")',
    },
    { behaviour: "counts compare with integer literals", source: "object.status.availableReplicas < 3" },
    {
      behaviour: "counts compare with each other",
      source: "object.status.availableReplicas < object.spec.replicas",
    },
    {
      behaviour: "counts take part in arithmetic with integer literals",
      source: "object.status.availableReplicas + 2 == object.spec.replicas",
    },
    { behaviour: "counts compare with double literals", source: "object.status.availableReplicas < 1.5" },
    {
      behaviour: "generations compare",
      source: "object.status.observedGeneration >= object.metadata.generation",
    },
    {
      behaviour: "string functions work",
      source:
        'object.metadata.name.startsWith("we") && object.spec.template.spec.containers[0].image.contains(":1.9") && object.kind.endsWith("ment")',
    },
    {
      behaviour: "regular expressions work",
      source: 'object.spec.template.spec.containers[0].image.matches(":1\\\\.9\\\\.[0-9]+$")',
    },
    {
      behaviour: "map membership works",
      source: '"deployment.kubernetes.io/revision" in object.metadata.annotations',
    },
    {
      behaviour: "optional fields fall back to a default",
      source: "object.?status.?collisionCount.orValue(0) == 0",
    },
    {
      behaviour: "string() of a count has no decimal point",
      source: 'string(object.status.availableReplicas) == "1"',
    },
  ];
  for (const t of truths) {
    it(t.behaviour, () => {
      assert.deepEqual(evaluateExpression(t.source, { object }, "bool"), { ok: true, value: true });
    });
  }

  it("hands integral JSON numbers to CEL as ints and fractional ones as doubles", () => {
    assert.deepEqual(toCelValue({ a: 3, b: [0.5, 2], c: "3", d: null }), {
      a: 3n,
      b: [0.5, 2n],
      c: "3",
      d: null,
    });
  });

  it("compiles each expression once and reuses it", () => {
    const source = 'object.kind == "Deployment"';
    assert.equal(compileExpression(source), compileExpression(source));
  });

  it("remembers compile failures too, without throwing", () => {
    const first = compileExpression("1 +");
    assert.equal(first.ok, false);
    assert.equal(compileExpression("1 +"), first);
  });

  it("reports an evaluation error as a value instead of throwing", () => {
    assert.deepEqual(evaluateExpression("1 / 0 == 1", { object }, "bool"), {
      ok: false,
      error: "division by zero",
    });
  });
});
