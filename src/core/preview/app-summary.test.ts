import assert from "node:assert/strict";
import { describe, it } from "node:test";
import type { KubeObject } from "../objects.ts";
import { type Callout, formatChangeDiff, summariseApp, summaryLine } from "./app-summary.ts";

interface ContainerSpec {
  name: string;
  image: string;
  [key: string]: unknown;
}

function deployment(
  name: string,
  containers: ContainerSpec[],
  extra: Record<string, unknown> = {},
): KubeObject {
  const { replicas = 2, ...podExtra } = extra;
  return {
    apiVersion: "apps/v1",
    kind: "Deployment",
    metadata: { name, namespace: "shop" },
    spec: { replicas, template: { spec: { containers, ...podExtra } } },
  };
}

function configMap(name: string, data: Record<string, string>): KubeObject {
  return { apiVersion: "v1", kind: "ConfigMap", metadata: { name, namespace: "shop" }, data };
}

function secret(name: string, password: string): KubeObject {
  return { apiVersion: "v1", kind: "Secret", metadata: { name, namespace: "shop" }, data: { password } };
}

const WEB = { name: "web", image: "nginx:1.25" };

function calloutTexts(callouts: readonly Callout[]): string[] {
  return callouts.map((c) => c.text);
}

describe("summariseApp: base render against head render", () => {
  it("counts changed, added and pruned objects in one line", () => {
    const base = [
      deployment("web", [WEB]),
      configMap("a", { x: "1" }),
      configMap("b", { x: "1" }),
      configMap("old", {}),
    ];
    const head = [
      deployment("web", [WEB], { replicas: 3 }),
      configMap("a", { x: "2" }),
      configMap("b", { x: "2" }),
      configMap("new", { y: "1" }),
    ];
    const { git } = summariseApp({ base, head });
    assert.deepEqual(git.counts, { changed: 3, added: 1, pruned: 1 });
    assert.equal(git.line, "3 changed, 1 added, 1 pruned; web: replicas 2 → 3");
    assert.deepEqual(
      git.objects.map((o) => `${o.ref.name}:${o.change}`),
      ["web:changed", "a:changed", "b:changed", "new:added", "old:pruned"],
    );
  });

  it("says no changes when base and head render the same objects", () => {
    const objects = [deployment("web", [WEB]), configMap("a", { x: "1" })];
    const summary = summariseApp({ base: objects, head: structuredClone(objects) });
    assert.equal(summary.git.line, "no changes");
    assert.deepEqual(summary.git.objects, []);
    assert.equal(summary.live, undefined);
  });

  it("ignores server bookkeeping and status", () => {
    const base = deployment("web", [WEB]);
    const head = deployment("web", [WEB]);
    head.metadata.resourceVersion = "42";
    head.status = { readyReplicas: 2 };
    assert.equal(summariseApp({ base: [base], head: [head] }).git.line, "no changes");
  });

  it("never shows a Secret value, yet tells a changed one", () => {
    const { git } = summariseApp({ base: [secret("db", "czNjcjN0")], head: [secret("db", "bjN3c2VjcmV0")] });
    assert.equal(git.line, "1 changed");
    const text = formatChangeDiff(git.objects);
    assert.doesNotMatch(text, /czNjcjN0|bjN3c2VjcmV0/);
    assert.match(text, /- data\.password: "\+{8} \(1\)"/);
    assert.match(text, /\+ data\.password: "\+{8} \(2\)"/);
  });

  it("drops fields ignoreDifferences names", () => {
    const summary = summariseApp({
      base: [deployment("web", [WEB])],
      head: [deployment("web", [WEB], { replicas: 5 })],
      ignoreDifferences: [{ group: "apps", kind: "Deployment", jsonPointers: ["/spec/replicas"] }],
    });
    assert.equal(summary.git.line, "no changes");
  });
});

describe("callouts", () => {
  const cases: [string, KubeObject[], KubeObject[], string[]][] = [
    [
      "a container image change",
      [deployment("web", [WEB])],
      [deployment("web", [{ ...WEB, image: "nginx:1.27" }])],
      ["web: image nginx:1.25 → nginx:1.27"],
    ],
    [
      "the container's name when the pod has several",
      [deployment("web", [WEB, { name: "proxy", image: "envoy:1" }])],
      [deployment("web", [WEB, { name: "proxy", image: "envoy:2" }])],
      ["web/proxy: image envoy:1 → envoy:2"],
    ],
    [
      "a new container's image",
      [deployment("web", [WEB])],
      [deployment("web", [WEB, { name: "proxy", image: "envoy:2" }])],
      ["web/proxy: image envoy:2 (new container)"],
    ],
    [
      "replicas, unset counted as unset",
      [deployment("web", [WEB], { replicas: 4 })],
      [deployment("web", [WEB], { replicas: null })],
      ["web: replicas 4 → (unset)"],
    ],
    [
      "resource requests and limits",
      [
        deployment("web", [
          { ...WEB, resources: { requests: { cpu: "100m" }, limits: { memory: "256Mi" } } },
        ]),
      ],
      [deployment("web", [{ ...WEB, resources: { requests: { cpu: "200m" } } }])],
      ["web: requests.cpu 100m → 200m, limits.memory 256Mi → (unset)"],
    ],
    [
      "probes added, changed and removed",
      [deployment("web", [{ ...WEB, livenessProbe: { httpGet: { path: "/a" } }, startupProbe: {} }])],
      [deployment("web", [{ ...WEB, livenessProbe: { httpGet: { path: "/b" } }, readinessProbe: {} }])],
      ["web: livenessProbe changed, readinessProbe added, startupProbe removed"],
    ],
    [
      "hostNetwork switched on",
      [deployment("web", [WEB])],
      [deployment("web", [WEB], { hostNetwork: true })],
      ["web: hostNetwork on"],
    ],
    [
      "hostNetwork switched off",
      [deployment("web", [WEB], { hostNetwork: true })],
      [deployment("web", [WEB], { hostNetwork: false })],
      ["web: hostNetwork off"],
    ],
    [
      "a privileged container",
      [deployment("web", [WEB])],
      [deployment("web", [{ ...WEB, securityContext: { privileged: true } }])],
      ["web: privileged on"],
    ],
    [
      "hostNetwork and privileged in an added workload, and nothing else in it",
      [],
      [
        deployment("web", [{ ...WEB, securityContext: { privileged: true } }], {
          hostNetwork: true,
          replicas: 9,
        }),
      ],
      ["web: hostNetwork on", "web: privileged on"],
    ],
    [
      "a CronJob's pod template",
      [
        {
          apiVersion: "batch/v1",
          kind: "CronJob",
          metadata: { name: "backup", namespace: "shop" },
          spec: {
            jobTemplate: { spec: { template: { spec: { containers: [{ name: "b", image: "b:1" }] } } } },
          },
        },
      ],
      [
        {
          apiVersion: "batch/v1",
          kind: "CronJob",
          metadata: { name: "backup", namespace: "shop" },
          spec: {
            jobTemplate: { spec: { template: { spec: { containers: [{ name: "b", image: "b:2" }] } } } },
          },
        },
      ],
      ["backup: image b:1 → b:2"],
    ],
    ["nothing for a ConfigMap", [configMap("a", { x: "1" })], [configMap("a", { x: "2" })], []],
  ];
  for (const [name, base, head, expected] of cases) {
    it(`calls out ${name}`, () => {
      assert.deepEqual(calloutTexts(summariseApp({ base, head }).git.callouts), expected);
    });
  }

  it("names the first callouts in the line and counts the rest", () => {
    const base = [1, 2, 3, 4, 5].map((i) => deployment(`w${i}`, [WEB]));
    const head = [1, 2, 3, 4, 5].map((i) => deployment(`w${i}`, [WEB], { replicas: 3 }));
    assert.equal(
      summariseApp({ base, head, lineCallouts: 2 }).git.line,
      "5 changed; w1: replicas 2 → 3; w2: replicas 2 → 3; +3 more",
    );
  });
});

describe("summariseApp: against the live cluster", () => {
  const app = { namespace: "mooring", name: "shop" };
  const tracked = (obj: KubeObject): KubeObject => {
    const copy = structuredClone(obj);
    copy.metadata.annotations = {
      "mooring.dev/tracking-id": `mooring/shop:${copy.apiVersion.includes("/") ? copy.apiVersion.split("/")[0] : ""}/${copy.kind}:shop/${copy.metadata.name}`,
    };
    return copy;
  };

  it("shows drift: what merging now would change, pruning only objects the app tracks", () => {
    const head = [tracked(deployment("web", [WEB], { replicas: 3 }))];
    const live = [
      tracked(deployment("web", [WEB], { replicas: 5 })),
      tracked(configMap("gone", {})),
      configMap("someone-elses", {}),
    ];
    const summary = summariseApp({ base: head, head, live, app });
    assert.equal(summary.git.line, "no changes");
    assert.equal(summary.live?.line, "1 changed, 1 pruned; web: replicas 5 → 3");
  });
});

describe("summaryLine", () => {
  it("leaves out zero counts", () => {
    assert.equal(summaryLine({ changed: 0, added: 2, pruned: 0 }, []), "2 added");
  });
});

describe("formatChangeDiff", () => {
  it("prints a header per object and - / + lines per field", () => {
    const { git } = summariseApp({
      base: [configMap("a", { x: "1", gone: "g" })],
      head: [configMap("a", { x: "2", fresh: "f" }), configMap("b", { y: "1" })],
    });
    assert.equal(
      formatChangeDiff(git.objects),
      [
        "@@ ConfigMap/shop/a (changed) @@",
        '- data.x: "1"',
        '+ data.x: "2"',
        '+ data.fresh: "f"',
        '- data.gone: "g"',
        "@@ ConfigMap/shop/b (added) @@",
        '+ apiVersion: "v1"',
        '+ kind: "ConfigMap"',
        '+ metadata.name: "b"',
        '+ metadata.namespace: "shop"',
        '+ data.y: "1"',
      ].join("\n"),
    );
  });

  it("shows a file inside a ConfigMap as lines, only the changed ones marked", () => {
    const conf = (middle: string) => configMap("conf", { "nginx.conf": `worker 1;\n${middle}\nend;\n` });
    const { git } = summariseApp({ base: [conf("listen 80;")], head: [conf("listen 8080;")] });
    assert.equal(
      formatChangeDiff(git.objects),
      [
        "@@ ConfigMap/shop/conf (changed) @@",
        '  data["nginx.conf"]: |',
        "      worker 1;",
        "-     listen 80;",
        "+     listen 8080;",
        "      end;",
      ].join("\n"),
    );
  });
});
