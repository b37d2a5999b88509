import assert from "node:assert/strict";
import { describe, it } from "node:test";
import {
  diffLines,
  foldUnchanged,
  MAX_CELLS,
  manifestDiff,
  maskSecretValues,
  projectOnto,
  SECRET_MASK,
  toYaml,
} from "./manifest-diff.ts";

const deployment = (replicas: number) => ({
  apiVersion: "apps/v1",
  kind: "Deployment",
  metadata: { namespace: "shop", name: "web", labels: { app: "web" } },
  spec: {
    replicas,
    selector: { matchLabels: { app: "web" } },
    template: {
      metadata: { labels: { app: "web" } },
      spec: { containers: [{ name: "web", image: "nginx:1.26", ports: [{ containerPort: 8080 }] }] },
    },
  },
});

/** What the API server returns for the same Deployment: defaults filled in, status added. */
const liveDeployment = (replicas: number) => {
  // biome-ignore lint/suspicious/noExplicitAny: a fixture edited freely, field by field
  const copy = structuredClone(deployment(replicas)) as Record<string, any>;
  copy.metadata.annotations = {
    "deployment.kubernetes.io/revision": "1",
    "mooring.dev/tracking-id": "mooring/shop:apps/Deployment:shop/web",
  };
  copy.spec.progressDeadlineSeconds = 600;
  copy.spec.strategy = { type: "RollingUpdate", rollingUpdate: { maxSurge: "25%", maxUnavailable: "25%" } };
  copy.spec.template.spec.containers[0].terminationMessagePath = "/dev/termination-log";
  copy.spec.template.spec.containers[0].ports[0].protocol = "TCP";
  copy.spec.template.spec.dnsPolicy = "ClusterFirst";
  copy.status = { replicas, readyReplicas: replicas };
  return copy;
};

describe("toYaml", () => {
  it("prints apiVersion, kind, metadata and spec first, status last, other keys sorted", () => {
    const text = toYaml({
      status: { phase: "Active" },
      zeta: 1,
      spec: { b: 1, a: 2 },
      metadata: { labels: { app: "web" }, name: "web", namespace: "ns" },
      kind: "Thing",
      apiVersion: "v1",
      alpha: true,
    });
    assert.equal(
      text,
      [
        "apiVersion: v1",
        "kind: Thing",
        "metadata:",
        "  name: web",
        "  namespace: ns",
        "  labels:",
        "    app: web",
        "spec:",
        "  a: 2",
        "  b: 1",
        "alpha: true",
        "zeta: 1",
        "status:",
        "  phase: Active",
        "",
      ].join("\n"),
    );
  });

  it("gives the same text whatever order the keys came in", () => {
    const a = toYaml({ kind: "K", spec: { y: 1, x: { q: 1, p: 2 } } });
    const b = toYaml({ spec: { x: { p: 2, q: 1 }, y: 1 }, kind: "K" });
    assert.equal(a, b);
  });

  it("prints lists of objects with the name first on the dash line, and nested lists", () => {
    const text = toYaml({ items: [{ image: "nginx:1.26", name: "web" }, ["a", "b"], "plain"] });
    assert.equal(
      text,
      ["items:", "  - name: web", "    image: nginx:1.26", "  - - a", "    - b", "  - plain", ""].join("\n"),
    );
  });

  it("quotes strings that would read back as something else, and leaves plain ones plain", () => {
    const text = toYaml({
      a: "true",
      b: "8080",
      c: "",
      d: "key: value",
      e: "- item",
      f: " padded",
      g: "nginx:1.26",
      h: "hello world",
      i: "null",
      j: "*",
      k: "y",
    });
    assert.equal(
      text,
      [
        'a: "true"',
        'b: "8080"',
        'c: ""',
        'd: "key: value"',
        'e: "- item"',
        'f: " padded"',
        "g: nginx:1.26",
        "h: hello world",
        'i: "null"',
        'j: "*"',
        'k: "y"',
        "",
      ].join("\n"),
    );
  });

  it("prints multi-line strings as block scalars, and empty objects and lists inline", () => {
    const text = toYaml({ data: { "app.conf": "port=80\n\nhost=x\n", script: "a\nb" }, empty: {}, none: [] });
    assert.equal(
      text,
      [
        "data:",
        "  app.conf: |",
        "    port=80",
        "",
        "    host=x",
        "  script: |-",
        "    a",
        "    b",
        "empty: {}",
        "none: []",
        "",
      ].join("\n"),
    );
  });

  it("prints nothing for nothing, and null as null", () => {
    assert.equal(toYaml(undefined), "");
    assert.equal(toYaml({ a: null }), "a: null\n");
  });
});

describe("projectOnto", () => {
  it("keeps only the fields the desired object sets, matching named list items by name", () => {
    const live = {
      spec: {
        replicas: 5,
        strategy: { type: "RollingUpdate" },
        containers: [
          { name: "sidecar", image: "envoy" },
          { name: "web", image: "nginx", terminationMessagePath: "/dev/termination-log" },
        ],
      },
    };
    const desired = { spec: { replicas: 2, containers: [{ name: "web", image: "nginx" }] } };
    assert.deepEqual(projectOnto(live, desired), {
      spec: {
        replicas: 5,
        // A container added by hand is a real difference: it stays, whole.
        containers: [
          { name: "sidecar", image: "envoy" },
          { name: "web", image: "nginx" },
        ],
      },
    });
  });

  it("matches unnamed list items by position and keeps extra ones", () => {
    assert.deepEqual(
      projectOnto({ ports: [{ port: 80, protocol: "TCP" }, { port: 81 }] }, { ports: [{ port: 80 }] }),
      { ports: [{ port: 80 }, { port: 81 }] },
    );
  });
});

describe("diffLines", () => {
  it("pairs unchanged lines and marks a changed one on both sides", () => {
    const rows = diffLines(["a", "b", "c"], ["a", "B", "c"]);
    assert.deepEqual(
      rows.map((r) => r.type),
      ["same", "changed", "same"],
    );
    const changed = rows[1];
    assert.ok(changed?.type === "changed");
    assert.deepEqual(changed.left, { n: 2, text: "b" });
    assert.deepEqual(changed.right, { n: 2, text: "B" });
  });

  it("shows lines only on one side as removed or added, with their own line numbers", () => {
    const rows = diffLines(["a", "x", "b"], ["a", "b", "y", "z"]);
    assert.deepEqual(
      rows.map((r) => r.type),
      ["same", "removed", "same", "added", "added"],
    );
    const last = rows.at(-1);
    assert.ok(last?.type === "added");
    assert.deepEqual(last.right, { n: 4, text: "z" });
  });

  it("diffs against an empty side: all added, or all removed", () => {
    assert.deepEqual(
      diffLines([], ["a", "b"]).map((r) => r.type),
      ["added", "added"],
    );
    assert.deepEqual(
      diffLines(["a"], []).map((r) => r.type),
      ["removed"],
    );
    assert.deepEqual(diffLines([], []), []);
  });

  it("finds the longest common run in the middle, not just the common head and tail", () => {
    const rows = diffLines(["h", "1", "k1", "k2", "2", "t"], ["h", "k1", "k2", "3", "t"]);
    assert.deepEqual(
      rows.map((r) => r.type),
      ["same", "removed", "same", "same", "changed", "same"],
    );
  });

  it("stays bounded for huge, wholly different texts: the middle shows as replaced", () => {
    const size = Math.ceil(Math.sqrt(MAX_CELLS)) + 10;
    const left = Array.from({ length: size }, (_, i) => `l${i}`);
    const right = Array.from({ length: size }, (_, i) => `r${i}`);
    const rows = diffLines(["head", ...left, "tail"], ["head", ...right, "tail"]);
    assert.equal(rows.length, size + 2);
    assert.equal(rows.filter((r) => r.type === "changed").length, size);
  });
});

describe("foldUnchanged", () => {
  it("folds long unchanged runs, keeping three lines of context around each change", () => {
    const left = Array.from({ length: 30 }, (_, i) => `line ${i}`);
    const right = [...left];
    right[15] = "changed";
    const shown = foldUnchanged(diffLines(left, right));
    assert.deepEqual(
      shown.map((r) => r.type),
      ["fold", "same", "same", "same", "changed", "same", "same", "same", "fold"],
    );
    assert.deepEqual(shown[0], { type: "fold", count: 12, from: 0 });
    assert.deepEqual(shown.at(-1), { type: "fold", count: 11, from: 19 });
  });

  it("folds nothing when nothing changed", () => {
    const lines = Array.from({ length: 30 }, (_, i) => `line ${i}`);
    const rows = diffLines(lines, lines);
    assert.deepEqual(foldUnchanged(rows), rows);
  });

  it("leaves short runs alone", () => {
    const rows = diffLines(["a", "b", "c"], ["a", "B", "c"]);
    assert.deepEqual(foldUnchanged(rows), rows);
  });
});

describe("manifestDiff", () => {
  it("finds no difference between a synced Deployment and its defaulted, status-bearing live copy", () => {
    const diff = manifestDiff(liveDeployment(2), deployment(2));
    assert.equal(diff.differing, 0);
    assert.ok(diff.rows.length > 10);
    assert.ok(!diff.rows.some((r) => "left" in r && /status|readyReplicas/.test(r.left.text)));
  });

  it("names the one line a manual scale changed", () => {
    const diff = manifestDiff(liveDeployment(5), deployment(2));
    assert.equal(diff.differing, 1);
    const row = diff.rows.find((r) => r.type !== "same");
    assert.ok(row?.type === "changed");
    assert.equal(row.left.text.trim(), "replicas: 5");
    assert.equal(row.right.text.trim(), "replicas: 2");
  });

  it("shows every live field, defaults included, when asked", () => {
    const diff = manifestDiff(liveDeployment(2), deployment(2), [], { allFields: true });
    assert.ok(diff.differing > 3);
    assert.ok(
      diff.rows.some((r) => r.type === "removed" && /progressDeadlineSeconds: 600/.test(r.left.text)),
    );
  });

  it("shows a missing object as all added and an extra one as all removed", () => {
    const missing = manifestDiff(undefined, deployment(2));
    assert.ok(missing.rows.every((r) => r.type === "added"));
    const extra = manifestDiff(liveDeployment(2), undefined);
    assert.ok(extra.rows.every((r) => r.type === "removed"));
    assert.ok(!extra.rows.some((r) => r.type === "removed" && /readyReplicas/.test(r.left.text)));
  });

  it("compares a Secret written with stringData to the stored data, trusting the server's diff", () => {
    const live = {
      apiVersion: "v1",
      kind: "Secret",
      metadata: { name: "db", namespace: "shop" },
      type: "Opaque",
      data: { password: `${SECRET_MASK} (1)`, user: `${SECRET_MASK} (2)` },
    };
    const desired = {
      apiVersion: "v1",
      kind: "Secret",
      metadata: { name: "db", namespace: "shop" },
      type: "Opaque",
      stringData: { password: `${SECRET_MASK} (3)`, user: `${SECRET_MASK} (4)` },
    };
    assert.equal(manifestDiff(live, desired, []).differing, 0);
    const changed = manifestDiff(live, desired, [
      { path: "data.password", live: `${SECRET_MASK} (1)`, desired: `${SECRET_MASK} (5)` },
    ]);
    assert.equal(changed.differing, 1);
    const row = changed.rows.find((r) => r.type === "changed");
    assert.ok(row?.type === "changed");
    assert.match(row.left.text, /password/);
    const texts = changed.rows.flatMap((r) => [
      r.type === "added" ? "" : r.left.text,
      r.type === "removed" ? "" : r.right.text,
    ]);
    for (const text of texts) assert.doesNotMatch(text, /(?:password|user): (?!\+{8})/);
  });

  it("drops the bookkeeping and last-applied noise if the server left any", () => {
    const live = liveDeployment(2);
    live.metadata.resourceVersion = "123";
    live.metadata.managedFields = [{ manager: "kubectl" }];
    live.metadata.annotations["kubectl.kubernetes.io/last-applied-configuration"] = "{}";
    const diff = manifestDiff(live, deployment(2), [], { allFields: true });
    assert.ok(
      !diff.rows.some((r) => "left" in r && /resourceVersion|managedFields|last-applied/.test(r.left.text)),
    );
  });
});

describe("maskSecretValues", () => {
  it("masks any Secret value the server left in clear, and keeps masked ones and other kinds", () => {
    const secret = {
      apiVersion: "v1",
      kind: "Secret",
      metadata: { name: "db" },
      data: { password: "aHVudGVyMg==", user: `${SECRET_MASK} (1)` },
      stringData: "oops",
    };
    assert.deepEqual(maskSecretValues(secret), {
      ...secret,
      data: { password: SECRET_MASK, user: `${SECRET_MASK} (1)` },
      stringData: SECRET_MASK,
    });
    const config = { apiVersion: "v1", kind: "ConfigMap", data: { a: "b" } };
    assert.equal(maskSecretValues(config), config);
    const custom = { apiVersion: "example.com/v1", kind: "Secret", data: { a: "b" } };
    assert.equal(maskSecretValues(custom), custom);
  });
});
