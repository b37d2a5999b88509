// `moor app diff` through the server rebuilds the status the command reads from the cluster: the
// Application the server serves (objects without field changes) and the changes from .../diff,
// put back on the objects they belong to, so one renderer prints the same diff either way.
import assert from "node:assert/strict";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { after, before, describe, it } from "node:test";
import type { AppWithOperation } from "./app-client.ts";
import { diffFromStatus } from "./app-diff.ts";
import { remoteDiffStatus } from "./reads-remote.ts";

const served = {
  apiVersion: "mooring.dev/v1alpha1",
  kind: "Application",
  metadata: { namespace: "shop", name: "web" },
  spec: { project: "default", source: { repoURL: "r", path: "." }, destination: {} },
  status: {
    sync: { status: "OutOfSync", revision: "abc" },
    resources: [
      {
        group: "apps",
        version: "v1",
        kind: "Deployment",
        namespace: "shop",
        name: "web",
        status: "OutOfSync",
      },
      { group: "", version: "v1", kind: "ConfigMap", namespace: "shop", name: "web", status: "Synced" },
      {
        group: "",
        version: "v1",
        kind: "Service",
        namespace: "shop",
        name: "old",
        status: "OutOfSync",
        requiresPruning: true,
      },
    ],
  },
} as unknown as AppWithOperation;

const diffAnswer = {
  sync: "OutOfSync",
  revision: "abc",
  resources: [
    {
      group: "apps",
      version: "v1",
      kind: "Deployment",
      namespace: "shop",
      name: "web",
      status: "OutOfSync",
      changes: [{ path: "spec.replicas", live: 3, desired: 2 }],
      truncated: false,
    },
    {
      group: "",
      kind: "Service",
      namespace: "shop",
      name: "old",
      status: "OutOfSync",
      changes: [],
      truncated: false,
    },
  ],
};

describe("an Application's diff through the server", () => {
  let server: Server;
  let url = "";
  const paths: string[] = [];
  before(async () => {
    server = createServer((req, res) => {
      paths.push(req.url ?? "");
      res.setHeader("content-type", "application/json");
      res.end(JSON.stringify(diffAnswer));
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  after(() => server.close());

  it("puts each object's recorded changes back and prints the diff the cluster way would", async () => {
    const status = await remoteDiffStatus({ server: url, token: "moor_t", username: "u" }, served);
    assert.deepEqual(paths, ["/api/v1/applications/shop/web/diff"]);
    assert.deepEqual(
      status.resources?.map((r) => [r.kind, r.diff?.length ?? 0]),
      [
        ["Deployment", 1],
        ["ConfigMap", 0],
        ["Service", 0],
      ],
    );
    const report = diffFromStatus("web", status);
    assert.equal(report.code, 1);
    assert.match(report.text, /Deployment\/shop\/web[\s\S]*spec\.replicas: 3 → 2/);
    assert.match(report.text, /Service\/shop\/old\n {2}to prune/);
  });
});
