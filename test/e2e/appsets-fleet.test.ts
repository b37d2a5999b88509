// ApplicationSets at fleet scale, end to end with a real controller, a real Git repository over
// HTTP and the sandbox cluster: a git directory generator over a 50-app monorepo creates 50
// Applications that all reach Synced and Healthy; a commit removing one folder, looked at through
// the set's mooring.dev/refresh annotation (the controller polls Git only every 10 minutes here),
// deletes exactly that Application and its object, and leaves the other 49 untouched. A tenant
// allowed to write ApplicationSets in its own namespace cannot reach another project or the
// controller namespace through the template or a generator parameter: the set stalls with
// ProjectEscape and nothing is created. Each story also reads what it did from /metrics.
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import {
  applySet as applySetAs,
  deleteSets,
  discardSetApps,
  getSet,
  SET_LABEL,
  type SetView,
  setEventReasons,
} from "../harness/appsets.ts";
import { eventually, kubectl, kubectlOk } from "../harness/cluster.ts";
import { ensureInstalled, type RunningController, startController } from "../harness/controller.ts";
import { type GitServer, startGitServer } from "../harness/git-server.ts";

const RUN = Date.now().toString(36).slice(-5);
const FINALIZER = "mooring.dev/resources-finalizer";
const APPS = 50;
const pad = (i: number) => String(i).padStart(2, "0");
const TEAM = `fl-team-a-${RUN}`;
const TENANT = `fl-tenant-${RUN}`;

const configMap = (name: string) => `apiVersion: v1
kind: ConfigMap
metadata:
  name: ${name}
data:
  greeting: hello
`;

interface AppItem {
  metadata: {
    name: string;
    uid: string;
    generation: number;
    resourceVersion: string;
    finalizers?: string[];
    managedFields?: { manager: string; operation: string; subresource?: string; time: string }[];
  };
  status?: { sync?: { status?: string }; health?: { status?: string } };
}

/** The set's Applications as `kubectl get applications -l` lists them. */
async function appsOf(set: string, namespace = "mooring"): Promise<AppItem[]> {
  const out = await kubectlOk([
    "get",
    "applications",
    "-n",
    namespace,
    "-l",
    `${SET_LABEL}=${set}`,
    "-o",
    "json",
    "--show-managed-fields",
  ]);
  return (JSON.parse(out) as { items: AppItem[] }).items;
}

/** When the set's field manager last applied the Application itself (not its status). */
const setWrites = (app: AppItem) =>
  (app.metadata.managedFields ?? [])
    .filter((f) => f.manager === "mooring" && f.operation === "Apply" && f.subresource === undefined)
    .map((f) => f.time);

const synced = (app: AppItem) =>
  app.status?.sync?.status === "Synced" && app.status?.health?.status === "Healthy";

async function metricsText(controller: RunningController): Promise<string> {
  const res = await fetch(controller.metricsUrl);
  assert.equal(res.status, 200);
  return res.text();
}

/** The value of one series of /metrics, by its name and exact labels, or undefined. */
function metric(text: string, name: string, labels: Record<string, string>): number | undefined {
  const wanted = Object.entries(labels).map(([k, v]) => `${k}="${v}"`);
  for (const line of text.split("\n")) {
    if (!line.startsWith(`${name}{`)) continue;
    const inside = line.slice(name.length + 1, line.lastIndexOf("}"));
    const have = inside.split(",");
    if (have.length === wanted.length && wanted.every((w) => have.includes(w)))
      return Number(line.slice(line.lastIndexOf(" ") + 1));
  }
  return undefined;
}

type Condition = NonNullable<NonNullable<SetView["status"]>["conditions"]>[number];

const applySet = (name: string, spec: Record<string, unknown>, namespace?: string, as?: string) =>
  applySetAs(name, spec, { run: RUN, ...(namespace ? { namespace } : {}), ...(as ? { as } : {}) });

async function stalledWith(name: string, namespace: string, reason: string): Promise<Condition> {
  let last: SetView | undefined;
  return eventually(
    `applicationset ${namespace}/${name} Stalled with ${reason}`,
    async () => {
      last = await getSet(name, namespace);
      return last.status?.conditions?.find(
        (c) => c.type === "Stalled" && c.status === "True" && c.reason === reason,
      );
    },
    60_000,
  ).catch((err: Error) => {
    throw new Error(`${err.message}; last status ${JSON.stringify(last?.status ?? null)}`);
  });
}

describe("ApplicationSets at fleet scale", () => {
  let git: GitServer;
  let controller: RunningController;
  const repo = `fleet50-${RUN}`;
  const folders = Array.from({ length: APPS }, (_, i) => `app-${pad(i)}`);

  before(async () => {
    await ensureInstalled();
    git = await startGitServer();
    const files: Record<string, string> = {};
    for (const f of folders) files[`apps/${f}/config.yaml`] = configMap(`cm-${f}`);
    await git.createRepo(repo, files, `${APPS} apps`);
    // Git is looked at again only every 10 minutes: only a refresh shows a new commit in time.
    controller = await startController({ args: ["--repo-poll-interval", "10m"] });
  });

  after(async () => {
    await deleteSets(RUN, ["mooring", TEAM]);
    await controller?.stop();
    await discardSetApps(["mooring", TEAM], RUN);
    await kubectl(["delete", "projects.mooring.dev", "-n", "mooring", "-l", `e2e-run=${RUN}`]);
    await kubectl(["delete", "rolebinding,role", "-n", TEAM, "-l", `e2e-run=${RUN}`, "--ignore-not-found"]);
    for (const ns of [`fl-${RUN}`, `fl-roll-${RUN}`, TEAM])
      await kubectl(["delete", "namespace", ns, "--wait=false", "--ignore-not-found"]);
    await git?.close();
  });

  const source = (path: string) => ({ repoURL: git.url(repo), targetRevision: "main", path });

  it("creates 50 apps from a 50-folder monorepo, all Synced and Healthy; a removed folder, seen on refresh, deletes exactly its app and object", async () => {
    const name = `fleet-${RUN}`;
    await applySet(name, {
      generators: [{ git: { repoURL: git.url(repo), revision: "main", directories: [{ path: "apps/*" }] } }],
      template: {
        metadata: { name: `{{path.basename}}-${RUN}`, finalizers: [FINALIZER] },
        spec: {
          source: source("{{path}}"),
          destination: { namespace: `fl-${RUN}` },
          syncPolicy: { automated: { prune: true }, syncOptions: ["CreateNamespace=true"] },
        },
      },
      syncPolicy: { applicationsSync: "sync" },
    });
    let apps: AppItem[] = [];
    await eventually(
      `${APPS} Applications Synced and Healthy`,
      async () => {
        apps = await appsOf(name);
        return apps.length === APPS && apps.every(synced) ? true : undefined;
      },
      300_000,
    ).catch((err: Error) => {
      const waiting = apps.filter((a) => !synced(a));
      throw new Error(
        `${err.message}; ${apps.length} apps, ${waiting.length} not Synced/Healthy, e.g. ${JSON.stringify(waiting[0] ?? null).slice(0, 600)}`,
      );
    });
    assert.ok(apps.every((a) => a.metadata.finalizers?.includes(FINALIZER)));
    const gone = `app-17-${RUN}`;
    await kubectlOk(["get", "configmap", "cm-app-17", "-n", `fl-${RUN}`]);
    let text = await metricsText(controller);
    assert.equal(metric(text, "mooring_applicationset_applications", { namespace: "mooring", name }), APPS);
    assert.ok(
      (metric(text, "mooring_applicationset_reconcile_total", {
        namespace: "mooring",
        name,
        result: "ok",
        reason: "ApplicationsGenerated",
      }) ?? 0) >= 1,
    );
    assert.match(text, /^mooring_applicationset_reconcile_duration_seconds_count [1-9]/m);

    // Settled: what each of the others looks like now.
    const before = new Map(apps.map((a) => [a.metadata.name, a.metadata]));
    await git.commit(repo, { "apps/app-17/config.yaml": null }, "app-17 goes");
    await kubectlOk(["annotate", "applicationset", name, "-n", "mooring", "mooring.dev/refresh=normal"]);
    await eventually(
      `Application ${gone} deleted`,
      async () => ((await appsOf(name)).length === APPS - 1 ? true : undefined),
      90_000,
    );
    const after = await appsOf(name);
    assert.deepEqual(
      [...before.keys()].filter((n) => !after.some((a) => a.metadata.name === n)),
      [gone],
      "exactly the app of the removed folder is deleted",
    );
    // Its ConfigMap went with it: the resources finalizer made the app controller delete it.
    await eventually(
      "configmap cm-app-17 deleted",
      async () =>
        (await kubectl(["get", "configmap", "cm-app-17", "-n", `fl-${RUN}`])).code === 1 ? true : undefined,
      60_000,
    );
    await kubectlOk(["get", "configmap", "cm-app-16", "-n", `fl-${RUN}`]);
    // The others are neither re-created nor written by the set: same uid, same spec generation,
    // and the set's own apply (field manager mooring, not the status subresource) not repeated.
    // Their resourceVersion does move: the app controller records the new commit in their status.
    for (const app of after) {
      const was = before.get(app.metadata.name);
      assert.equal(app.metadata.uid, was?.uid, `${app.metadata.name} is not re-created`);
      assert.equal(app.metadata.generation, was?.generation, `${app.metadata.name}'s spec is not updated`);
      assert.equal(setWrites(app).length, 1, `${app.metadata.name} was applied by the set`);
      assert.deepEqual(
        setWrites(app),
        setWrites({ metadata: was } as AppItem),
        `${app.metadata.name} is not applied again`,
      );
    }
    assert.equal(
      (await getSet(name)).metadata.annotations?.["mooring.dev/refresh"],
      undefined,
      "the refresh annotation is cleared once Git was looked at",
    );
    assert.deepEqual(
      (await setEventReasons(name)).filter((r) => r !== "ApplicationCreated"),
      ["ApplicationDeleted"],
    );
    text = await metricsText(controller);
    assert.equal(
      metric(text, "mooring_applicationset_applications", { namespace: "mooring", name }),
      APPS - 1,
    );
  });

  it("keeps a tenant's set in its project and namespace: another project, a project or namespace from a parameter, the controller namespace are refused with ProjectEscape and create nothing", async () => {
    // A team namespace, a project admitting it, and a project that does not; the tenant may
    // write ApplicationSets in its namespace and nothing else.
    await kubectlOk(["create", "namespace", TEAM]);
    const project = (name: string, sourceNamespaces: string[]) => ({
      apiVersion: "mooring.dev/v1alpha1",
      kind: "Project",
      metadata: { name, namespace: "mooring", labels: { "e2e-run": RUN } },
      spec: {
        sourceRepos: ["*"],
        destinations: [{ server: "*", name: "*", namespace: "*" }],
        sourceNamespaces,
      },
    });
    for (const p of [project(`fl-team-a-${RUN}`, [TEAM]), project(`fl-platform-${RUN}`, [])])
      await kubectlOk(["apply", "-f", "-"], { input: JSON.stringify(p) });
    const rbac = [
      {
        apiVersion: "rbac.authorization.k8s.io/v1",
        kind: "Role",
        metadata: { name: "appset-writer", namespace: TEAM, labels: { "e2e-run": RUN } },
        rules: [
          {
            apiGroups: ["mooring.dev"],
            resources: ["applicationsets"],
            verbs: ["get", "list", "create", "patch", "update"],
          },
        ],
      },
      {
        apiVersion: "rbac.authorization.k8s.io/v1",
        kind: "RoleBinding",
        metadata: { name: "appset-writer", namespace: TEAM, labels: { "e2e-run": RUN } },
        roleRef: { apiGroup: "rbac.authorization.k8s.io", kind: "Role", name: "appset-writer" },
        subjects: [{ apiGroup: "rbac.authorization.k8s.io", kind: "User", name: TENANT }],
      },
    ];
    for (const obj of rbac) await kubectlOk(["apply", "-f", "-"], { input: JSON.stringify(obj) });
    const denied = await kubectl([
      "auth",
      "can-i",
      "create",
      "applications.mooring.dev",
      "-n",
      "mooring",
      `--as=${TENANT}`,
    ]);
    assert.equal(denied.stdout.trim(), "no", "the tenant cannot write Applications itself");

    const template = (spec: Record<string, unknown> = {}, metadata: Record<string, unknown> = {}) => ({
      metadata: { name: `{{app}}-${RUN}`, ...metadata },
      spec: {
        project: `fl-team-a-${RUN}`,
        source: source("apps/app-00"),
        destination: { namespace: TEAM },
        ...spec,
      },
    });
    const list = (elements: Record<string, unknown>[], generatorTemplate?: Record<string, unknown>) => [
      { list: { elements, ...(generatorTemplate ? { template: generatorTemplate } : {}) } },
    ];
    const escapes: [string, Record<string, unknown>, RegExp][] = [
      [
        "other-project",
        { generators: list([{ app: "op" }]), template: template({ project: `fl-platform-${RUN}` }) },
        new RegExp(`namespace ${TEAM} is not in project fl-platform-${RUN}'s sourceNamespaces`),
      ],
      [
        "param-project",
        {
          generators: list([{ app: "pp", project: `fl-platform-${RUN}` }]),
          template: template({ project: "{{project}}" }),
        },
        /spec\.template\.spec\.project must name one project, not a parameter/,
      ],
      [
        "generator-project",
        {
          generators: list([{ app: "gp", project: `fl-platform-${RUN}` }], {
            spec: { project: "{{project}}" },
          }),
          template: template(),
        },
        new RegExp(`would name project fl-platform-${RUN}, not the set's project fl-team-a-${RUN}`),
      ],
      [
        "controller-namespace",
        { generators: list([{ app: "cn" }]), template: template({}, { namespace: "mooring" }) },
        new RegExp(`would live in namespace mooring, not the set's namespace ${TEAM}`),
      ],
      [
        "param-namespace",
        { generators: list([{ app: "pn", ns: "mooring" }]), template: template({}, { namespace: "{{ns}}" }) },
        /would live in namespace mooring/,
      ],
    ];
    for (const [name, spec] of escapes) await applySet(`${name}-${RUN}`, spec, TEAM, TENANT);
    // The control: the same tenant's set in its own project creates its Application.
    await applySet(`own-${RUN}`, { generators: list([{ app: "own" }]), template: template() }, TEAM, TENANT);
    await eventually(
      "the tenant's own set creating its Application",
      async () => ((await appsOf(`own-${RUN}`, TEAM)).length === 1 ? true : undefined),
      60_000,
    );
    for (const [name, , message] of escapes) {
      const stalled = await stalledWith(`${name}-${RUN}`, TEAM, "ProjectEscape");
      assert.match(stalled.message, message, name);
      assert.match(stalled.message, new RegExp(`ApplicationSet ${TEAM}/${name}-${RUN}`));
      assert.deepEqual(await appsOf(`${name}-${RUN}`, TEAM), [], `${name} creates nothing in ${TEAM}`);
      assert.deepEqual(await appsOf(`${name}-${RUN}`, "mooring"), [], `${name} creates nothing in mooring`);
    }
    const text = await metricsText(controller);
    for (const [name] of escapes) {
      const stalled = metric(text, "mooring_applicationset_reconcile_total", {
        namespace: TEAM,
        name: `${name}-${RUN}`,
        result: "stalled",
        reason: "ProjectEscape",
      });
      assert.ok((stalled ?? 0) >= 1, `${name} counted as stalled with ProjectEscape`);
    }
  });

  it("shows a rolling sync's step and its apps by status in /metrics", async () => {
    const name = `roll-${RUN}`;
    await applySet(name, {
      generators: [
        { list: { elements: ["00", "01", "02"].map((n, i) => ({ n, wave: String(i < 2 ? 1 : 2) })) } },
      ],
      template: {
        metadata: { name: `roll-{{n}}-${RUN}`, labels: { wave: "{{wave}}" } },
        spec: {
          source: source("apps/app-{{n}}"),
          destination: { namespace: `fl-roll-${RUN}` },
          syncPolicy: { automated: {}, syncOptions: ["CreateNamespace=true"] },
        },
      },
      strategy: {
        type: "RollingSync",
        rollingSync: {
          steps: ["1", "2"].map((w) => ({
            matchExpressions: [{ key: "wave", operator: "In", values: [w] }],
          })),
        },
      },
    });
    let last: SetView | undefined;
    await eventually(
      `applicationset ${name} completing its rollout`,
      async () => {
        last = await getSet(name);
        const rollout = last.status?.conditions?.find((c) => c.type === "RolloutProgressing");
        return rollout?.reason === "Completed" ? true : undefined;
      },
      120_000,
    ).catch((err: Error) => {
      throw new Error(`${err.message}; last status ${JSON.stringify(last?.status ?? null)}`);
    });
    const labels = { namespace: "mooring", name };
    const text = await eventually(
      "the completed rollout in /metrics",
      async () => {
        const t = await metricsText(controller);
        return metric(t, "mooring_applicationset_rollout_applications", { ...labels, status: "Healthy" }) ===
          3
          ? t
          : undefined;
      },
      30_000,
    );
    assert.equal(metric(text, "mooring_applicationset_rollout_steps", labels), 2);
    assert.equal(metric(text, "mooring_applicationset_rollout_step", labels), 2);
    assert.equal(
      metric(text, "mooring_applicationset_rollout_applications", { ...labels, status: "Waiting" }),
      0,
    );
    assert.equal(metric(text, "mooring_applicationset_applications", labels), 3);
  });
});
