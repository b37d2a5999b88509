// User story: on an application's page a developer looks inside it. The API draws its resource
// tree (the Deployment, the ReplicaSet the Deployment made and its two Pods, each with its
// health), shows any object's live and desired manifests with the Secret's values masked on both
// sides, shows `spec.replicas` as the difference right after someone scaled by hand, and
// previews what rolling back to an older commit would change. The API server's own identity still
// may not read Pods or Secrets: it asks the controller, which only answers its bearer token. A
// viewer of another project gets 404, as for an app that does not exist; with the controller
// down the tree still shows the managed objects and says why the rest is missing.
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { adminToken } from "../harness/admin.ts";
import { discardApp, waitForApp } from "../harness/apps.ts";
import { eventually, kubectl, kubectlOk } from "../harness/cluster.ts";
import { ensureInstalled, type RunningController, startController } from "../harness/controller.ts";
import { type GitServer, startGitServer } from "../harness/git-server.ts";
import { webDeployment, webService } from "../harness/manifests.ts";
import { type RunningServer, startServer } from "../harness/server.ts";

const suffix = Date.now().toString(36);
const NS = `inspect-${suffix}`;
const APP = `inspect-${suffix}`;
const TEAM = `inspect-team-${suffix}`;
const OTHER = `inspect-other-${suffix}`;
const SECRET_VALUE = "inspect-s3cr3t-password";
const b64 = (text: string) => Buffer.from(text).toString("base64");

/** The web app; its env var STAGE is what a new commit changes. */
const deployment = (stage: string) => webDeployment({ env: { STAGE: stage } });
const service = webService();
const secret = `apiVersion: v1
kind: Secret
metadata:
  name: db
type: Opaque
data:
  password: ${b64(SECRET_VALUE)}
`;

interface TreeNode {
  id: string;
  kind: string;
  name: string;
  parent?: string;
  managed: boolean;
  sync?: string;
  health?: { status: string };
  info?: string[];
}
interface TreeAnswer {
  nodes: TreeNode[];
  truncated: boolean;
  childrenError?: { code: string; message: string };
}
interface ObjectAnswer {
  ref: { group: string; kind: string; namespace: string; name: string };
  live?: Record<string, unknown> & { data?: Record<string, string>; spec?: { replicas?: number } };
  desired?: Record<string, unknown> & { data?: Record<string, string> };
  diff: { path: string; live?: unknown; desired?: unknown }[];
}
interface PreviewAnswer {
  revision: string;
  resources: { kind: string; name: string; status: string; changes: { path: string }[] }[];
}
interface ErrorAnswer {
  error: { code: string; message: string; retryable: boolean };
}

describe("inspecting an application through the API: tree, manifests, diff and preview", () => {
  let git: GitServer;
  let controller: RunningController;
  let server: RunningServer;
  let v1 = "";
  const tokens: Record<string, string> = {};

  async function get<T>(path: string, token = tokens.admin as string, on = server) {
    const res = await on.api(path, { headers: { authorization: `Bearer ${token}` } });
    const text = await res.text();
    return { status: res.status, body: JSON.parse(text) as T, text };
  }

  const base = `/applications/mooring/${APP}`;
  const objectPath = (group: string, kind: string, name: string) =>
    `${base}/object?group=${group}&kind=${kind}&namespace=${NS}&name=${name}`;

  async function viewerToken(project: string): Promise<string> {
    return eventually(`a viewer token for ${project}`, async () => {
      const res = await server.api("/tokens", {
        method: "POST",
        headers: { "content-type": "application/json", authorization: `Bearer ${tokens.admin}` },
        body: JSON.stringify({ project, role: "viewer", expiresIn: "1h" }),
      });
      const body = (await res.json()) as { token: string };
      return res.status === 201 ? body.token : undefined;
    });
  }

  before(async () => {
    await ensureInstalled();
    git = await startGitServer();
    v1 = await git.createRepo(
      "inspect",
      { "app/deploy.yaml": deployment("one"), "app/svc.yaml": service, "app/db.yaml": secret },
      "v1",
    );
    await kubectlOk(["create", "namespace", NS]);
    const project = (name: string) => ({
      apiVersion: "mooring.dev/v1alpha1",
      kind: "Project",
      metadata: { name, namespace: "mooring" },
      spec: { sourceRepos: ["*"], destinations: [{ name: "in-cluster", namespace: NS }] },
    });
    const app = {
      apiVersion: "mooring.dev/v1alpha1",
      kind: "Application",
      metadata: { name: APP, namespace: "mooring" },
      spec: {
        project: TEAM,
        source: { repoURL: git.url("inspect"), targetRevision: "main", path: "app" },
        destination: { namespace: NS },
        syncPolicy: { automated: { prune: true } },
      },
    };
    await kubectlOk(["apply", "--server-side", "-f", "-"], {
      input: JSON.stringify({ apiVersion: "v1", kind: "List", items: [project(TEAM), project(OTHER), app] }),
    });
    controller = await startController();
    server = await startServer({ startTimeoutMs: 60_000, controller });
    tokens.admin = await adminToken(server);
    tokens.other = await viewerToken(OTHER);
    tokens.viewer = await viewerToken(TEAM);
    await waitForApp(
      APP,
      "synced at v1",
      (a) => a.status?.sync.status === "Synced" && a.status.sync.revision === v1,
      120_000,
    );
  });

  after(async () => {
    await server?.stop();
    await controller?.stop();
    await git?.close();
    await discardApp(APP);
    await kubectl(["delete", "project", TEAM, OTHER, "-n", "mooring", "--ignore-not-found", "--wait=false"]);
    await kubectl(["delete", "namespace", NS, "--wait=false", "--ignore-not-found"]);
  });

  it("draws the tree: Deployment -> ReplicaSet -> 2 Pods with health, beside the Service and Secret", async () => {
    const tree = await eventually(
      "a tree with two healthy Pods",
      async () => {
        const answer = await get<TreeAnswer>(`${base}/tree`, tokens.viewer);
        assert.equal(answer.status, 200, answer.text);
        const pods = answer.body.nodes.filter((n) => n.kind === "Pod");
        return pods.length === 2 && pods.every((p) => p.health?.status === "Healthy")
          ? answer.body
          : undefined;
      },
      120_000,
    );
    assert.equal(tree.childrenError, undefined);
    assert.equal(tree.truncated, false);
    const web = tree.nodes.find((n) => n.id === `apps/Deployment/${NS}/web`);
    assert.ok(web, JSON.stringify(tree.nodes));
    assert.equal(web.managed, true);
    assert.equal(web.parent, undefined);
    assert.equal(web.sync, "Synced");
    assert.ok(web.info?.includes("nginx:1.27"), JSON.stringify(web.info));
    const replicaSets = tree.nodes.filter((n) => n.kind === "ReplicaSet");
    assert.equal(replicaSets.length, 1);
    assert.equal(replicaSets[0]?.parent, web.id);
    assert.equal(replicaSets[0]?.managed, false);
    for (const pod of tree.nodes.filter((n) => n.kind === "Pod")) {
      assert.equal(pod.parent, replicaSets[0]?.id);
      assert.match(pod.id, new RegExp(`^/Pod/${NS}/web-`));
    }
    assert.ok(tree.nodes.some((n) => n.id === `/Service/${NS}/web` && n.managed));
    assert.ok(tree.nodes.some((n) => n.id === `/Secret/${NS}/db` && n.managed));
  });

  it("shows live and desired manifests, the Secret's value masked in both and absent from the answer", async () => {
    const web = await get<ObjectAnswer>(objectPath("apps", "Deployment", "web"), tokens.viewer);
    assert.equal(web.status, 200, web.text);
    const { live, desired } = web.body;
    assert.ok(live && desired, web.text);
    assert.ok(live.status, "the live side keeps status");
    assert.equal((live.metadata as Record<string, unknown>).managedFields, undefined);
    assert.equal((desired.spec as { replicas: number }).replicas, 2);
    assert.deepEqual(web.body.diff, []);

    const db = await get<ObjectAnswer>(objectPath("", "Secret", "db"), tokens.viewer);
    assert.equal(db.status, 200, db.text);
    assert.ok(db.body.live && db.body.desired, db.text);
    assert.match(db.body.live.data?.password ?? "", /^\+{8}/);
    assert.equal(
      db.body.live.data?.password,
      db.body.desired.data?.password,
      "the same value, the same mask",
    );
    assert.doesNotMatch(db.text, new RegExp(SECRET_VALUE));
    assert.doesNotMatch(db.text, new RegExp(b64(SECRET_VALUE)));

    // An owned Pod reads too (live only); an object outside the app does not.
    const tree = await get<TreeAnswer>(`${base}/tree`);
    const pod = tree.body.nodes.find((n) => n.kind === "Pod");
    assert.ok(pod);
    const podAnswer = await get<ObjectAnswer>(objectPath("", "Pod", pod.name));
    assert.equal(podAnswer.status, 200, podAnswer.text);
    assert.ok(podAnswer.body.live && !podAnswer.body.desired);
    const outside = await get<ErrorAnswer>(
      `${base}/object?group=&kind=ServiceAccount&namespace=${NS}&name=default`,
    );
    assert.equal(outside.status, 404, outside.text);
    assert.match(outside.body.error.message, /neither managed by nor owned through/);
  });

  it("names spec.replicas in the diff after a manual kubectl scale", async () => {
    await kubectlOk(["scale", "deployment", "web", "-n", NS, "--replicas=3"]);
    const answer = await eventually("the diff to name spec.replicas", async () => {
      const res = await get<ObjectAnswer>(objectPath("apps", "Deployment", "web"));
      return res.body.diff.some((d) => d.path === "spec.replicas") ? res.body : undefined;
    });
    const change = answer.diff.find((d) => d.path === "spec.replicas");
    assert.deepEqual(change, { path: "spec.replicas", live: 3, desired: 2 });
    assert.equal(answer.live?.spec?.replicas, 3);
  });

  it("previews what a rollback to an older commit would change, and refuses revisions outside the history", async () => {
    const v2 = await git.commit(
      "inspect",
      {
        "app/deploy.yaml": deployment("two"),
        "app/cm.yaml": "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: extra\ndata:\n  a: b\n",
      },
      "v2",
    );
    await waitForApp(
      APP,
      "synced at v2",
      (a) => a.status?.sync.status === "Synced" && a.status.sync.revision === v2,
      120_000,
    );
    const preview = await get<PreviewAnswer>(`${base}/preview?revision=${v1}`, tokens.viewer);
    assert.equal(preview.status, 200, preview.text);
    assert.equal(preview.body.revision, v1);
    const web = preview.body.resources.find((r) => r.kind === "Deployment" && r.name === "web");
    assert.equal(web?.status, "OutOfSync", preview.text);
    assert.ok(
      web?.changes.some((c) => c.path.includes("env")),
      JSON.stringify(web?.changes),
    );
    const extra = preview.body.resources.find((r) => r.kind === "ConfigMap" && r.name === "extra");
    assert.equal(extra?.status, "Extra", preview.text);
    const db = preview.body.resources.find((r) => r.kind === "Secret");
    assert.equal(db?.status, "Synced");
    assert.doesNotMatch(preview.text, new RegExp(b64(SECRET_VALUE)));

    const refused = await get<ErrorAnswer>(`${base}/preview?revision=not-in-history`);
    assert.equal(refused.status, 400);
    assert.match(refused.body.error.message, /revision not-in-history .* history of application/);
  });

  it("answers 404 to a viewer of another project, as for an app that does not exist", async () => {
    for (const path of [`${base}/tree`, objectPath("apps", "Deployment", "web"), `${base}/preview`]) {
      const hidden = await get<ErrorAnswer>(path, tokens.other);
      const missing = await get<ErrorAnswer>(path.replace(APP, `missing-${suffix}`), tokens.other);
      assert.equal(hidden.status, 404, `${path}: ${hidden.text}`);
      assert.equal(hidden.body.error.code, missing.body.error.code);
    }
  });

  it("the controller refuses inspect requests without its token; the server's own identity still may not read Pods or Secrets", async () => {
    const path = `/inspect/v1/applications/mooring/${APP}/tree`;
    const none = await fetch(`${controller.url}${path}`);
    assert.equal(none.status, 401);
    const wrong = await fetch(`${controller.url}${path}`, { headers: { authorization: "Bearer guess" } });
    assert.equal(wrong.status, 401);
    const sa = "system:serviceaccount:mooring:mooring-server";
    for (const [verb, resource] of [
      ["list", "pods"],
      ["get", "secrets"],
      ["list", "replicasets.apps"],
    ]) {
      const answer = await kubectl([
        "auth",
        "can-i",
        verb as string,
        resource as string,
        "-n",
        NS,
        "--as",
        sa,
      ]);
      assert.equal(answer.stdout.trim(), "no", `the server may not ${verb} ${resource} in ${NS}`);
    }
  });

  it("with the controller unreachable, the tree still shows the managed objects and says why", async () => {
    const lonely = await startServer({ startTimeoutMs: 60_000, controller: "http://127.0.0.1:9" });
    try {
      const token = await adminToken(lonely);
      const tree = await get<TreeAnswer>(`${base}/tree`, token, lonely);
      assert.equal(tree.status, 200, tree.text);
      assert.equal(tree.body.childrenError?.code, "controller-unreachable");
      assert.match(tree.body.childrenError?.message ?? "", /retry/);
      assert.ok(tree.body.nodes.length >= 3 && tree.body.nodes.every((n) => n.managed));
      const object = await get<ErrorAnswer>(objectPath("apps", "Deployment", "web"), token, lonely);
      assert.equal(object.status, 503);
      assert.equal(object.body.error.code, "controller-unreachable");
      assert.equal(object.body.error.retryable, true);
    } finally {
      await lonely.stop();
    }
  });

  it("lists the inspect routes in the OpenAPI document", async () => {
    const doc = (await (await server.api("/openapi.json")).json()) as {
      paths: Record<string, Record<string, unknown>>;
    };
    for (const what of ["tree", "object", "preview"])
      assert.ok(
        doc.paths[`/applications/{namespace}/{name}/${what}`]?.get,
        `GET .../${what} is in the document`,
      );
  });
});
