import assert from "node:assert/strict";
import { describe, it } from "node:test";
import type { KubeObject } from "../objects.ts";
import { emptyCounts, type PlanSummary } from "../stack/plan.ts";
import type { PlannedResource } from "../stack/spec.ts";
import { checkObjects, checkPlan, compilePolicies, POLICY_LIMITS, type PolicyRule } from "./policy.ts";

const APP = { namespace: "mooring", name: "shop" };
const STACK = { namespace: "infra", name: "db" };

function compiled(rules: unknown[]) {
  const { policies, problems } = compilePolicies(rules);
  assert.deepEqual(problems, []);
  return policies;
}

function deployment(name: string, pod: Record<string, unknown>): KubeObject {
  return {
    apiVersion: "apps/v1",
    kind: "Deployment",
    metadata: { name, namespace: "shop" },
    spec: { replicas: 2, template: { metadata: { labels: { app: name } }, spec: pod } },
  };
}

function pod(name: string, spec: Record<string, unknown>): KubeObject {
  return { apiVersion: "v1", kind: "Pod", metadata: { name, namespace: "shop" }, spec };
}

const WEB = deployment("web", { containers: [{ name: "web", image: "ghcr.io/acme/web:1.2" }] });
const HOST_NET_DEPLOY = deployment("agent", {
  hostNetwork: true,
  containers: [{ name: "agent", image: "ghcr.io/acme/agent:1" }],
});
const HOST_NET_POD = pod("debug", { hostNetwork: true, containers: [{ name: "sh", image: "busybox" }] });
const CONFIG: KubeObject = {
  apiVersion: "v1",
  kind: "ConfigMap",
  metadata: { name: "settings", namespace: "shop" },
  data: { mode: "fast" },
};

function summary(resources: Partial<PlannedResource>[]): PlanSummary {
  return {
    formatVersion: "1.2",
    tofuVersion: "1.9.0",
    counts: emptyCounts(),
    resources: resources.map((r) => ({
      address: r.address ?? "",
      action: r.action ?? "create",
      actions: r.actions ?? [r.action ?? "create"],
      type: r.type ?? "",
      name: r.name ?? "",
      ...(r.reason ? { reason: r.reason } : {}),
    })),
    drifted: [],
    outputs: [],
    declaredVariables: [],
    changes: true,
    errored: false,
  };
}

const PLAN = summary([
  { address: "aws_db_instance.main", type: "aws_db_instance", name: "main", action: "delete" },
  { address: "aws_db_instance.replica", type: "aws_db_instance", name: "replica", action: "update" },
  {
    address: "aws_instance.web",
    type: "aws_instance",
    name: "web",
    action: "replace",
    actions: ["delete", "create"],
    reason: "replace_because_cannot_update",
  },
  { address: "module.net.aws_vpc.main", type: "aws_vpc", name: "main", action: "delete" },
]);

const NO_HOST_NETWORK: PolicyRule = {
  name: "no-host-network",
  appliesTo: "objects",
  kinds: ["Deployment", "Pod"],
  expression: "!podSpec.?hostNetwork.orValue(false)",
  message: "pods may not use the host's network",
};

describe("checkObjects", () => {
  it("flags hostNetwork on Deployments and Pods, naming the rule, the app and each object", () => {
    const violations = checkObjects(compiled([NO_HOST_NETWORK]), APP, [
      WEB,
      HOST_NET_DEPLOY,
      HOST_NET_POD,
      CONFIG,
    ]);
    assert.deepEqual(violations, [
      {
        rule: "no-host-network",
        target: { kind: "Application", namespace: "mooring", name: "shop" },
        subject: "Deployment/shop/agent",
        message: "pods may not use the host's network",
      },
      {
        rule: "no-host-network",
        target: { kind: "Application", namespace: "mooring", name: "shop" },
        subject: "Pod/shop/debug",
        message: "pods may not use the host's network",
      },
    ]);
  });

  it("reads the object itself too: the same rule spelled over object.spec", () => {
    const policies = compiled([
      {
        name: "no-host-network",
        appliesTo: "objects",
        kinds: ["Deployment"],
        expression:
          "!has(object.spec.template.spec.hostNetwork) || object.spec.template.spec.hostNetwork == false",
      },
    ]);
    const violations = checkObjects(policies, APP, [WEB, HOST_NET_DEPLOY]);
    assert.deepEqual(
      violations.map((v) => [v.subject, v.message]),
      [
        [
          "Deployment/shop/agent",
          "!has(object.spec.template.spec.hostNetwork) || object.spec.template.spec.hostNetwork == false",
        ],
      ],
    );
  });

  it("allows only images from listed registries, init containers and CronJobs included", () => {
    const policies = compiled([
      {
        name: "allowed-registries",
        appliesTo: "objects",
        expression:
          'containers.all(c, ["ghcr.io/acme/", "registry.acme.example/"].exists(p, c.image.startsWith(p)))',
        message: "images must come from ghcr.io/acme or registry.acme.example",
      },
    ]);
    const initFromHub = deployment("api", {
      initContainers: [{ name: "migrate", image: "docker.io/library/postgres:16" }],
      containers: [{ name: "api", image: "registry.acme.example/api:3" }],
    });
    const cron: KubeObject = {
      apiVersion: "batch/v1",
      kind: "CronJob",
      metadata: { name: "report", namespace: "shop" },
      spec: {
        schedule: "@daily",
        jobTemplate: {
          spec: { template: { spec: { containers: [{ name: "r", image: "quay.io/evil/miner" }] } } },
        },
      },
    };
    const violations = checkObjects(policies, APP, [WEB, initFromHub, cron, CONFIG, HOST_NET_POD]);
    assert.deepEqual(
      violations.map((v) => v.subject),
      ["Deployment/shop/api", "CronJob/shop/report", "Pod/shop/debug"],
    );
    assert.equal(violations[0]?.message, "images must come from ghcr.io/acme or registry.acme.example");
  });

  it("checks only the kinds a rule lists", () => {
    const policies = compiled([
      {
        name: "labelled",
        appliesTo: "objects",
        kinds: ["ConfigMap"],
        expression: "has(object.metadata.labels)",
      },
    ]);
    assert.deepEqual(
      checkObjects(policies, APP, [WEB, CONFIG]).map((v) => v.subject),
      ["ConfigMap/shop/settings"],
    );
  });

  it("never lets a rule see a Secret's values, only its keys", () => {
    const secret: KubeObject = {
      apiVersion: "v1",
      kind: "Secret",
      metadata: {
        name: "db",
        namespace: "shop",
        annotations: {
          "kubectl.kubernetes.io/last-applied-configuration": '{"data":{"password":"aHVudGVyMg=="}}',
        },
      },
      data: { password: "aHVudGVyMg==" },
      stringData: { token: "hunter2" },
    };
    const policies = compiled([
      {
        name: "no-weak-password",
        appliesTo: "objects",
        kinds: ["Secret"],
        expression: 'object.data.password != "aHVudGVyMg==" && object.stringData.token != "hunter2"',
      },
      {
        name: "leak-by-message",
        appliesTo: "objects",
        kinds: ["Secret"],
        expression: "int(object.stringData.token) > 0",
      },
      {
        name: "leak-by-annotation",
        appliesTo: "objects",
        kinds: ["Secret"],
        expression:
          '!object.metadata.annotations["kubectl.kubernetes.io/last-applied-configuration"].contains("aHVudGVyMg")',
      },
      {
        name: "has-password-key",
        appliesTo: "objects",
        kinds: ["Secret"],
        expression: '"password" in object.data',
      },
    ]);
    const violations = checkObjects(policies, APP, [secret]);
    assert.deepEqual(
      violations.map((v) => v.rule),
      ["leak-by-message"],
    );
    assert.doesNotMatch(JSON.stringify(violations), /hunter2|aHVudGVyMg/);
    assert.match(violations[0]?.message ?? "", /^the rule could not be evaluated \(/);
  });

  it("fails closed when an expression errors on an object, saying the rule could not be evaluated", () => {
    const policies = compiled([
      { name: "two-replicas", appliesTo: "objects", expression: "object.spec.replicas >= 2" },
    ]);
    const violations = checkObjects(policies, APP, [WEB, CONFIG]);
    assert.deepEqual(violations, [
      {
        rule: "two-replicas",
        target: { kind: "Application", namespace: "mooring", name: "shop" },
        subject: "ConfigMap/shop/settings",
        message:
          "the rule could not be evaluated (No such key: spec), so it counts as broken; guard optional fields with has() or .?field.orValue()",
      },
    ]);
  });

  it("fails closed when a dyn expression returns something other than a bool", () => {
    const policies = compiled([{ name: "odd", appliesTo: "objects", expression: "object.data.mode" }]);
    const violations = checkObjects(policies, APP, [CONFIG]);
    assert.equal(
      violations[0]?.message,
      "the rule could not be evaluated (it returned string, not bool), so it counts as broken",
    );
  });

  it("reports a rule that does not compile as broken for every app instead of skipping it", () => {
    const { policies } = compilePolicies([
      { name: "typo", appliesTo: "objects", expression: "object.spec ==" },
    ]);
    const violations = checkObjects(policies, APP, [WEB]);
    assert.equal(violations.length, 1);
    assert.equal(violations[0]?.rule, "typo");
    assert.equal(violations[0]?.subject, undefined);
    assert.match(violations[0]?.message ?? "", /^the rule is broken \(does not compile: Unexpected token/);
  });

  it("fails every rule closed when an app renders more objects than one check reads", () => {
    const many = Array.from({ length: POLICY_LIMITS.subjectsPerCheck + 1 }, () => CONFIG);
    const violations = checkObjects(compiled([NO_HOST_NETWORK]), APP, many);
    assert.deepEqual(
      violations.map((v) => [v.rule, v.subject, v.message]),
      [["no-host-network", undefined, "not checked: 10001 objects, more than the 10000 one check reads"]],
    );
  });

  it("lists at most 50 violations of one rule per app and counts the rest", () => {
    const pods = Array.from({ length: 53 }, (_, i) => pod(`p${i}`, { hostNetwork: true, containers: [] }));
    const violations = checkObjects(compiled([NO_HOST_NETWORK]), APP, pods);
    assert.equal(violations.length, 51);
    assert.equal(violations[49]?.subject, "Pod/shop/p49");
    assert.deepEqual(violations[50], {
      rule: "no-host-network",
      target: { kind: "Application", namespace: "mooring", name: "shop" },
      message: "and 3 more subjects break this rule",
    });
  });

  it("fails closed on an object nested too deeply to read", () => {
    let deep: Record<string, unknown> = {};
    const root = deep;
    for (let i = 0; i < 200_000; i++) {
      const next: Record<string, unknown> = {};
      deep.x = next;
      deep = next;
    }
    const bomb: KubeObject = { ...CONFIG, metadata: { name: "bomb", namespace: "shop" }, data: root };
    const policies = compiled([{ name: "anything", appliesTo: "objects", expression: "true" }]);
    const violations = checkObjects(policies, APP, [CONFIG, bomb]);
    assert.deepEqual(
      violations.map((v) => v.subject),
      ["ConfigMap/shop/bomb"],
    );
    assert.match(violations[0]?.message ?? "", /^the rule could not be evaluated \(.*stack/i);
  });

  it("sees the Application as app, and nothing of plan rules", () => {
    const policies = compiled([
      {
        name: "only-shop",
        appliesTo: "objects",
        expression: 'app.name == "shop" && app.namespace == "mooring"',
      },
      { name: "no-destroy", appliesTo: "planChanges", expression: 'change.action != "delete"' },
    ]);
    assert.deepEqual(checkObjects(policies, APP, [WEB, CONFIG]), []);
    assert.equal(checkObjects(policies, { namespace: "mooring", name: "blog" }, [WEB]).length, 1);
  });
});

describe("checkPlan", () => {
  it("forbids destroying a resource of one type, naming its address", () => {
    const policies = compiled([
      {
        name: "keep-databases",
        appliesTo: "planChanges",
        resourceTypes: ["aws_db_instance"],
        expression: 'change.action != "delete" && change.action != "replace"',
        message: "databases are never destroyed by a pull request",
      },
    ]);
    assert.deepEqual(checkPlan(policies, STACK, PLAN), [
      {
        rule: "keep-databases",
        target: { kind: "Stack", namespace: "infra", name: "db" },
        subject: "aws_db_instance.main",
        message: "databases are never destroyed by a pull request",
      },
    ]);
  });

  it("forbids any replacement, from the one-word action or tofu's own list", () => {
    const policies = compiled([
      { name: "no-replace", appliesTo: "planChanges", expression: 'change.action != "replace"' },
      {
        name: "no-delete-then-create",
        appliesTo: "planChanges",
        expression: '!(change.actions.size() == 2 && change.actions[0] == "delete")',
      },
      {
        name: "why",
        appliesTo: "planChanges",
        expression: 'change.reason != "replace_because_cannot_update"',
      },
    ]);
    assert.deepEqual(
      checkPlan(policies, STACK, PLAN).map((v) => `${v.rule} ${v.subject}`),
      ["no-replace aws_instance.web", "no-delete-then-create aws_instance.web", "why aws_instance.web"],
    );
  });

  it("checks only the resource types a rule lists, and sees the Stack as stack", () => {
    const policies = compiled([
      {
        name: "no-vpc-delete-outside-sandbox",
        appliesTo: "planChanges",
        resourceTypes: ["aws_vpc"],
        expression: 'stack.namespace == "sandbox" || change.action != "delete"',
      },
    ]);
    assert.deepEqual(
      checkPlan(policies, STACK, PLAN).map((v) => v.subject),
      ["module.net.aws_vpc.main"],
    );
    assert.deepEqual(checkPlan(policies, { namespace: "sandbox", name: "db" }, PLAN), []);
  });

  it("ignores object rules and allows an empty plan", () => {
    const policies = compiled([NO_HOST_NETWORK]);
    assert.deepEqual(checkPlan(policies, STACK, PLAN), []);
    assert.deepEqual(
      checkPlan(compiled([{ name: "x", appliesTo: "planChanges", expression: "false" }]), STACK, summary([])),
      [],
    );
  });
});

describe("compilePolicies", () => {
  it("lists every problem by entry index and name", () => {
    const { policies, problems } = compilePolicies([
      NO_HOST_NETWORK,
      { name: "bad-syntax", appliesTo: "objects", expression: "object.spec ==" },
      { name: "not-bool", appliesTo: "objects", expression: "size(object.metadata)" },
      { name: "wrong-variable", appliesTo: "objects", expression: 'change.action != "delete"' },
      { name: "no-host-network", appliesTo: "objects", expression: "true" },
      { name: "Bad_Name", appliesTo: "everything", expression: "true" },
      { name: "mixed", appliesTo: "planChanges", kinds: ["Pod"], expression: "true" },
      { name: "typo", appliesTo: "objects", kind: "Pod", expression: "true" },
      { appliesTo: "objects", expression: "true" },
      "no-host-network",
    ]);
    assert.deepEqual(problems, [
      "spec.policies[1] (bad-syntax): expression does not compile: Unexpected token: EOF",
      "spec.policies[2] (not-bool): expression must return bool, not int",
      "spec.policies[3] (wrong-variable): expression does not compile: Unknown variable: change",
      'spec.policies[4] (no-host-network): name "no-host-network" is already used by spec.policies[0]',
      `spec.policies[5] (Bad_Name): name "Bad_Name" must be lower-case letters, digits and '-', at most 63 characters`,
      "spec.policies[5] (Bad_Name): appliesTo must be one of objects, planChanges",
      "spec.policies[6] (mixed): kinds is only for appliesTo: objects",
      'spec.policies[7] (typo): has an unknown field "kind"',
      "spec.policies[8]: name is required",
      "spec.policies[9]: must be an object",
    ]);
    assert.deepEqual(
      policies.rules.map((r) => r.name),
      ["no-host-network"],
    );
  });

  it("bounds the rules and the length of an expression", () => {
    const rules = Array.from({ length: POLICY_LIMITS.rules + 1 }, (_, i) => ({
      name: `rule-${i}`,
      appliesTo: "objects",
      expression: "true",
    }));
    const long = { name: "long", appliesTo: "objects", expression: `true${" && true".repeat(600)}` };
    assert.deepEqual(compilePolicies([...rules]).problems, [
      "spec.policies has 65 rules, more than the limit of 64",
      "spec.policies[64] (rule-64): is past the limit of 64 rules",
    ]);
    assert.deepEqual(compilePolicies([long]).problems, [
      "spec.policies[0] (long): expression is longer than 4096 characters",
    ]);
  });
});
