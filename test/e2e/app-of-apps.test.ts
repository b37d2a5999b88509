// App of apps end to end: a parent Application whose repository holds child Applications (and an
// ApplicationSet), on a real cluster with a real controller and git over HTTP. Waves order whole
// apps: the child in wave 1 is created only once the child in wave 0 (whose Deployment kwok makes
// Available) is Synced and Healthy, and the parent is Progressing until then. A child whose source
// is broken turns the parent Degraded with a message naming it. A tenant's parent that tries to
// create a child of another project in the controller namespace is refused, naming the child, and
// creates nothing.
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import {
  type AppView,
  applyApp,
  condition,
  deleteApp,
  discardApp,
  getApp,
  waitForApp,
} from "../harness/apps.ts";
import { eventually, kubectl, kubectlOk } from "../harness/cluster.ts";
import { ensureInstalled, type RunningController, startController } from "../harness/controller.ts";
import { type GitServer, startGitServer } from "../harness/git-server.ts";
import { webDeployment } from "../harness/manifests.ts";

const RUN = Date.now().toString(36).slice(-5);
const ROOT = `aoa-root-${RUN}`;
const CHILD_A = `aoa-a-${RUN}`;
const CHILD_B = `aoa-b-${RUN}`;
const BROKEN = `aoa-broken-${RUN}`;
const TENANT_ROOT = `aoa-tenant-${RUN}`;
const ESCAPE = `aoa-escape-${RUN}`;
const STRAY = `aoa-stray-${RUN}`;
const TEAM = `aoa-team-${RUN}`;
const SET = `aoa-set-${RUN}`;
const SET_APPS = [`aoa-s1-${RUN}`, `aoa-s2-${RUN}`];

const CONFIG = `apiVersion: v1
kind: ConfigMap
metadata:
  name: settings
data:
  greeting: hello
`;

/** A child Application as a parent's repository holds it (JSON is YAML). */
function child(git: GitServer, name: string, path: string, wave: number, extra: object = {}): string {
  return JSON.stringify({
    apiVersion: "mooring.dev/v1alpha1",
    kind: "Application",
    metadata: { name, annotations: { "mooring.dev/sync-wave": String(wave) } },
    spec: {
      source: { repoURL: git.url("workloads"), targetRevision: "main", path },
      destination: { namespace: name },
      syncPolicy: { automated: { prune: true }, syncOptions: ["CreateNamespace=true"] },
      ...extra,
    },
  });
}

async function findApp(name: string): Promise<AppView | null> {
  const out = await kubectlOk([
    "get",
    "application",
    name,
    "-n",
    "mooring",
    "--ignore-not-found",
    "-o",
    "json",
  ]);
  return out.trim() === "" ? null : (JSON.parse(out) as AppView);
}

function isReady(app: AppView | null): boolean {
  return (
    app?.status?.sync.status === "Synced" &&
    app.status.health.status === "Healthy" &&
    condition(app, "Ready")?.status === "True"
  );
}

describe("App of apps: waves order whole apps, children stay inside their parent's project", () => {
  let git: GitServer;
  let controller: RunningController;

  before(async () => {
    await ensureInstalled();
    git = await startGitServer();
    await git.createRepo("workloads", {
      "a/deployment.yaml": webDeployment({ name: "api", replicas: 2 }),
      "b/config.yaml": CONFIG,
    });
    await git.createRepo("apps", {
      "apps/a.yaml": child(git, CHILD_A, "a", 0),
      "apps/b.yaml": child(git, CHILD_B, "b", 1),
    });
    controller = await startController();
  });

  after(async () => {
    await deleteApp(ROOT);
    for (const name of [TENANT_ROOT, ESCAPE, CHILD_A, CHILD_B, BROKEN, ...SET_APPS]) await discardApp(name);
    await kubectl(["delete", "applicationset", SET, "-n", "mooring", "--ignore-not-found"]);
    await kubectl(["delete", "project", TEAM, "-n", "mooring", "--ignore-not-found"]);
    await controller?.stop();
    await git?.close();
    for (const ns of [CHILD_A, CHILD_B, BROKEN, ...SET_APPS])
      await kubectl(["delete", "namespace", ns, "--wait=false", "--ignore-not-found"]);
  });

  it("creates the wave-1 child only once the wave-0 child is Synced and Healthy; the parent is Progressing until then", async () => {
    await applyApp(ROOT, {
      source: { repoURL: git.url("apps"), targetRevision: "main", path: "apps" },
      destination: { namespace: "mooring" },
      syncPolicy: { automated: { prune: true } },
    });
    let parentWaitedForA = false;
    let bBeforeA: string | null = null;
    let last: AppView | undefined;
    await eventually(
      "the parent to be Synced and Healthy",
      async () => {
        // B first: if B exists now and A is not ready afterwards, A was not ready when B was created.
        const b = await findApp(CHILD_B);
        const a = await findApp(CHILD_A);
        if (b && !isReady(a) && !bBeforeA) bBeforeA = JSON.stringify(a?.status ?? null);
        last = await getApp(ROOT);
        const health = last.status?.health;
        if (health?.status === "Progressing" && health.message?.includes(`Application/mooring/${CHILD_A}`))
          parentWaitedForA = true;
        return isReady(last) && isReady(b) ? true : undefined;
      },
      180_000,
    ).catch((err: Error) => {
      throw new Error(`${err.message}; parent status: ${JSON.stringify(last?.status ?? null)}`);
    });
    assert.equal(bBeforeA, null, `child B existed while child A was not ready: ${bBeforeA}`);
    assert.ok(parentWaitedForA, "the parent was Progressing, waiting for child A");
    const a = await getApp(CHILD_A);
    const b = await getApp(CHILD_B);
    const aReady = Date.parse(condition(a, "Ready")?.lastTransitionTime ?? "");
    const bCreated = Date.parse((b.metadata as { creationTimestamp?: string }).creationTimestamp ?? "");
    // creationTimestamp has whole seconds.
    assert.ok(bCreated >= Math.floor(aReady / 1000) * 1000, "B created after A became Ready");
    const deployment = JSON.parse(await kubectlOk(["get", "deployment", "api", "-n", CHILD_A, "-o", "json"]));
    assert.equal(deployment.status.availableReplicas, 2);
    const root = await getApp(ROOT);
    assert.deepEqual(
      root.status?.operationState?.resources
        .filter((r) => r.kind === "Application")
        .map((r) => [r.name, r.wave, r.result]),
      [
        [CHILD_A, 0, "created"],
        [CHILD_B, 1, "created"],
      ],
    );
  });

  it("turns the parent Degraded, naming the child, when a child's source is broken", async () => {
    await git.commit(
      "apps",
      { "apps/broken.yaml": child(git, BROKEN, "no-such-folder", 2) },
      "add a broken child",
    );
    const root = await waitForApp(
      ROOT,
      "to be Degraded because of the broken child",
      (app) => app.status?.health.status === "Degraded",
      120_000,
    );
    assert.match(root.status?.health.message ?? "", new RegExp(`Application/mooring/${BROKEN}: stalled: `));
    const broken = await getApp(BROKEN);
    assert.equal(condition(broken, "Stalled")?.status, "True");
    assert.match(root.status?.health.message ?? "", /no-such-folder/);
  });

  it("manages an ApplicationSet whose generated apps are synced, and is Healthy again once the broken child is gone", async () => {
    const set = {
      apiVersion: "mooring.dev/v1alpha1",
      kind: "ApplicationSet",
      metadata: { name: SET, annotations: { "mooring.dev/sync-wave": "2" } },
      spec: {
        generators: [{ list: { elements: [{ n: "s1" }, { n: "s2" }] } }],
        template: {
          metadata: { name: `aoa-{{n}}-${RUN}` },
          spec: {
            source: { repoURL: git.url("workloads"), targetRevision: "main", path: "b" },
            destination: { namespace: `aoa-{{n}}-${RUN}` },
            syncPolicy: { automated: { prune: true }, syncOptions: ["CreateNamespace=true"] },
          },
        },
      },
    };
    await git.commit(
      "apps",
      { "apps/broken.yaml": null, "apps/set.yaml": JSON.stringify(set) },
      "replace the broken child with a set",
    );
    for (const name of SET_APPS) await waitForApp(name, "to be Synced and Healthy", isReady, 120_000);
    const root = await waitForApp(ROOT, "to be Synced and Healthy again", isReady, 120_000);
    assert.ok(
      root.status?.resources.some(
        (r) => r.kind === "ApplicationSet" && r.name === SET && r.health?.status === "Healthy",
      ),
    );
    await eventually("the broken child to be pruned", async () =>
      (await findApp(BROKEN)) ? undefined : true,
    );
  });

  it("refuses a tenant's children that name another project in the controller namespace or live where their project does not admit them, naming each, and creates nothing", async () => {
    await kubectlOk(["apply", "-f", "-"], {
      input: JSON.stringify({
        apiVersion: "mooring.dev/v1alpha1",
        kind: "Project",
        metadata: { name: TEAM, namespace: "mooring" },
        spec: {
          sourceRepos: ["*"],
          destinations: [{ name: "*", server: "*", namespace: "*" }],
          sourceNamespaces: [],
        },
      }),
    });
    await git.createRepo("tenant", {
      "apps/escape.yaml": child(git, ESCAPE, "b", 0, { project: "default" }),
      // In a namespace of its own, with the tenant's project, which does not list that namespace.
      "apps/stray.yaml": JSON.stringify({
        ...JSON.parse(child(git, STRAY, "b", 0, { project: TEAM })),
        metadata: { name: STRAY, namespace: STRAY },
      }),
    });
    await applyApp(TENANT_ROOT, {
      project: TEAM,
      source: { repoURL: git.url("tenant"), targetRevision: "main", path: "apps" },
      destination: { namespace: "mooring" },
      syncPolicy: { automated: { prune: true } },
    });
    const root = await waitForApp(
      TENANT_ROOT,
      "to be refused by its project",
      (app) => condition(app, "Stalled")?.status === "True",
      60_000,
    );
    const stalled = condition(root, "Stalled");
    assert.equal(stalled?.reason, "ProjectViolation");
    assert.match(
      stalled?.message ?? "",
      new RegExp(
        `Application mooring/${TENANT_ROOT}: Application mooring/${ESCAPE} names project default, but an app of project ${TEAM} may create in mooring only children of project ${TEAM}`,
      ),
    );
    assert.match(
      stalled?.message ?? "",
      new RegExp(
        `Application mooring/${TENANT_ROOT}: Application ${STRAY}/${STRAY}: namespace ${STRAY} is not in project ${TEAM}'s sourceNamespaces`,
      ),
    );
    assert.match(stalled?.message ?? "", /nothing was applied$/);
    assert.equal(await findApp(ESCAPE), null, "the child was never created");
    const stray = await kubectl([
      "get",
      "applications",
      "-A",
      "--field-selector",
      `metadata.name=${STRAY}`,
      "-o",
      "name",
    ]);
    assert.equal(stray.stdout.trim(), "", "the stray child was never created");
  });
});
