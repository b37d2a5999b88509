// User story: a pull request changes an application, and its reviewer sees what the PR changes
// in Git and what merging it now would change in the cluster, before anyone merges. The PR
// scales the web Deployment from 1 to 3 replicas, moves its image from nginx:1.27 to nginx:1.28
// and adds a ConfigMap: both sides read `1 changed, 1 added` with the replicas and image called
// out, and the Secret beside them never shows its value. Someone then scales the Deployment by
// hand: the live side shows it (drift included), the Git side does not. A PR that breaks a Helm
// template is a render error naming that template's path in the repository, though helm names
// it by the chart's own name; a head the API server refuses in the dry run (a port out of range)
// fails the preview as it would fail the sync; an app new in the PR shows whole as added, and a
// Secret a later push drops shows as pruned, masked, on both sides. The preview only reads: the
// live Deployment keeps its resourceVersion and the ConfigMap is never created.
//
// And the known gap of chart apps: a chart from a real OCI registry taking its production values
// from a Git repository (`$values/envs/prod.yaml`, a multi-source app) is previewed for a pull
// request into that values repository with the PR's values and the chart where it stands, while a
// PR touching only another file of that repository previews nothing.
//
// The app is synced by the real `moor controller` process; the previews are made in this process
// through an AppReconciler wired as the controller wires its own (src/controller/controller.ts),
// against the same sandbox cluster and the same git server.
import assert from "node:assert/strict";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { NO_AUDIT } from "../../src/audit/writer.ts";
import { AppReconciler } from "../../src/controller/app-reconciler.ts";
import { SourceResolver } from "../../src/controller/app-source.ts";
import { ControllerAudit } from "../../src/controller/audit.ts";
import { Destinations } from "../../src/controller/destinations.ts";
import { DriftWatcher } from "../../src/controller/drift.ts";
import { ControllerMetrics } from "../../src/controller/metrics.ts";
import { ProjectCache } from "../../src/controller/projects.ts";
import type { Application } from "../../src/core/application.ts";
import { candidateTargets } from "../../src/core/preview/candidates.ts";
import type { AppPreview } from "../../src/core/preview/report.ts";
import { GitSource } from "../../src/git/source.ts";
import { KubeClient } from "../../src/kube/client.ts";
import { EventRecorder } from "../../src/kube/events.ts";
import { loadConfig } from "../../src/kube/kubeconfig.ts";
import { AppPreviews } from "../../src/preview/app-preview.ts";
import { runPreview } from "../../src/preview/pipeline.ts";
import { renderReads } from "../../src/preview/reads.ts";
import { candidateOf } from "../../src/preview/targets.ts";
import { RenderCache } from "../../src/render/cache.ts";
import { defaultRenderOptions } from "../../src/render/tools.ts";
import { ChartSources } from "../../src/sources/chart-source.ts";
import { createLogger } from "../../src/util/log.ts";
import { discardApp, getApp, syncedAndHealthy, waitForApp } from "../harness/apps.ts";
import { kubectl, kubectlOk } from "../harness/cluster.ts";
import { ensureInstalled, type RunningController, startController } from "../harness/controller.ts";
import { runHome, runSandboxKubeconfig } from "../harness/env.ts";
import { type GitServer, startGitServer } from "../harness/git-server.ts";
import { webDeployment, webService } from "../harness/manifests.ts";
import { startOciRegistry } from "../harness/registry.ts";

const suffix = Date.now().toString(36);
const NS = `preview-app-${suffix}`;
const APP = `preview-app-${suffix}`;
const TEAM = `preview-team-${suffix}`;
const SECRET_VALUE = "preview-s3cr3t-password";
const NEW_SECRET_VALUE = "new-app-s3cr3t-token";
const b64 = (text: string) => Buffer.from(text).toString("base64");

const secret = (name: string, value: string) => `apiVersion: v1
kind: Secret
metadata:
  name: ${name}
type: Opaque
data:
  password: ${b64(value)}
`;
const configMap = `apiVersion: v1
kind: ConfigMap
metadata:
  name: settings
data:
  LOG_LEVEL: debug
`;
const kustomization = (resources: string[]) => `resources:\n${resources.map((r) => `  - ${r}\n`).join("")}`;

const chart = {
  "charts/web/Chart.yaml": "apiVersion: v2\nname: webapp\nversion: 0.1.0\n",
  "charts/web/values.yaml": "name: web-settings\n",
  "charts/web/templates/configmap.yaml":
    "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: {{ .Values.name }}\ndata:\n  a: b\n",
};

function application(name: string, repoURL: string, path: string): Application {
  return {
    apiVersion: "mooring.dev/v1alpha1",
    kind: "Application",
    metadata: { name, namespace: "mooring" },
    spec: {
      project: TEAM,
      source: { repoURL, targetRevision: "release", path },
      destination: { namespace: NS },
      syncPolicy: { automated: { prune: true } },
    },
  } as Application;
}

function rendered(preview: AppPreview) {
  assert.equal(preview.status, "rendered", JSON.stringify(preview));
  return (preview as Extract<AppPreview, { status: "rendered" }>).summary;
}

async function deploymentVersion(): Promise<string> {
  return (
    await kubectlOk(["get", "deployment", "web", "-n", NS, "-o", "jsonpath={.metadata.resourceVersion}"])
  ).trim();
}

describe("previewing a pull request's change to one application: Git and live, secrets masked, nothing applied", () => {
  let git: GitServer;
  let controller: RunningController;
  let previews: AppPreviews;
  let projects: ProjectCache;
  let sources: SourceResolver;
  let gitCache: string;
  let base = "";
  let head = "";
  let helmBase = "";
  let helmHead = "";
  let plainBase = "";
  let plainHead = "";
  let dropHead = "";

  before(async () => {
    await ensureInstalled();
    git = await startGitServer();
    // The base is on `release`, which the app follows; the PR's head is a commit on main.
    base = await git.createRepo(
      "shop",
      {
        "app/kustomization.yaml": kustomization(["deployment.yaml", "secret.yaml"]),
        "app/deployment.yaml": webDeployment({ replicas: 1 }),
        "app/secret.yaml": secret("db", SECRET_VALUE),
      },
      "base",
    );
    await git.branch("shop", "release", base);
    head = await git.commit(
      "shop",
      {
        "app/kustomization.yaml": kustomization(["deployment.yaml", "secret.yaml", "configmap.yaml"]),
        "app/deployment.yaml": webDeployment({ replicas: 3 }).replace("nginx:1.27", "nginx:1.28"),
        "app/configmap.yaml": configMap,
        "newapp/kustomization.yaml": kustomization(["secret.yaml"]),
        "newapp/secret.yaml": secret("token", NEW_SECRET_VALUE),
      },
      "scale web to 3, nginx 1.28, settings; a new app",
    );
    // A later push of the PR drops the Secret from the app.
    dropHead = await git.commit(
      "shop",
      {
        "app/kustomization.yaml": kustomization(["deployment.yaml", "configmap.yaml"]),
        "app/secret.yaml": null,
      },
      "drop the db Secret",
    );
    helmBase = await git.createRepo("charts", chart, "chart");
    helmHead = await git.commit(
      "charts",
      {
        "charts/web/templates/configmap.yaml":
          "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: {{ .Values.settings.name }}\ndata:\n  a: b\n",
      },
      "break the template",
    );

    plainBase = await git.createRepo("plain", { "svc.yaml": webService() }, "service");
    plainHead = await git.commit(
      "plain",
      { "svc.yaml": webService().replace("port: 80", "port: 99999") },
      "a port out of range",
    );

    await kubectlOk(["create", "namespace", NS]);
    const project = {
      apiVersion: "mooring.dev/v1alpha1",
      kind: "Project",
      metadata: { name: TEAM, namespace: "mooring" },
      spec: { sourceRepos: ["*"], destinations: [{ name: "in-cluster", namespace: NS }] },
    };
    await kubectlOk(["apply", "--server-side", "-f", "-"], {
      input: JSON.stringify({
        apiVersion: "v1",
        kind: "List",
        items: [project, application(APP, git.url("shop"), "app")],
      }),
    });
    controller = await startController();
    await waitForApp(APP, "synced and healthy at the base", syncedAndHealthy(base), 120_000);

    // An AppReconciler wired as the controller wires its own, with a git cache of its own.
    const client = new KubeClient(loadConfig({ kubeconfig: runSandboxKubeconfig() }).credentials);
    gitCache = await mkdtemp(join(tmpdir(), "preview-app-git-"));
    projects = new ProjectCache(client, { namespace: "mooring" });
    projects.start();
    sources = new SourceResolver(new GitSource({ cacheDir: gitCache }), {
      charts: new ChartSources({
        helmBinary: defaultRenderOptions().helmBinary,
        cacheDir: join(gitCache, "charts"),
      }),
    });
    const reconciler = new AppReconciler({
      client,
      destinations: new Destinations(client, "mooring"),
      projects,
      sources,
      renderCache: new RenderCache(),
      drift: new DriftWatcher(() => {}),
      events: new EventRecorder(client, { component: "preview-test", instance: "preview-test" }),
      metrics: new ControllerMetrics(),
      log: createLogger({ level: "error" }),
      audit: new ControllerAudit(NO_AUDIT, "preview-test"),
    });
    previews = new AppPreviews(reconciler, { hostDirs: [runHome(), gitCache, tmpdir()] });
  });

  after(async () => {
    projects?.stop();
    await controller?.stop();
    await git?.close();
    await discardApp(APP);
    await kubectl(["delete", "project", TEAM, "-n", "mooring", "--ignore-not-found", "--wait=false"]);
    await kubectl(["delete", "namespace", NS, "--wait=false", "--ignore-not-found"]);
    if (gitCache) await rm(gitCache, { recursive: true, force: true });
  });

  it("shows 1 changed, 1 added with replicas and image called out, in Git and live, without applying anything or showing the Secret", async () => {
    const app = (await getApp(APP)) as unknown as Application;
    const versionBefore = await deploymentVersion();
    const result = await previews.previewApp(app, base, head);
    const summary = rendered(result.preview);
    assert.deepEqual(
      { namespace: result.preview.namespace, name: result.preview.name },
      { namespace: "mooring", name: APP },
    );

    for (const [side, set] of [
      ["git", summary.git],
      ["live", summary.live],
    ] as const) {
      assert.ok(set, `${side} change set`);
      assert.deepEqual(set.counts, { changed: 1, added: 1, pruned: 0 }, `${side}: ${set.line}`);
      assert.deepEqual(
        set.objects.map((o) => `${o.ref.kind}/${o.ref.namespace}/${o.ref.name} ${o.change}`).sort(),
        [`ConfigMap/${NS}/settings added`, `Deployment/${NS}/web changed`],
        side,
      );
      assert.deepEqual(
        set.callouts.map((c) => c.text),
        ["web: replicas 1 → 3", "web: image nginx:1.27 → nginx:1.28"],
        side,
      );
      assert.equal(
        set.line,
        "1 changed, 1 added; web: replicas 1 → 3; web: image nginx:1.27 → nginx:1.28",
        side,
      );
    }

    // The head's objects for policy rules: all three, placed in the destination, the Secret masked.
    assert.deepEqual(
      result.headObjects.map((o) => `${o.kind}/${o.metadata.namespace}/${o.metadata.name}`).sort(),
      [`ConfigMap/${NS}/settings`, `Deployment/${NS}/web`, `Secret/${NS}/db`],
    );
    const json = JSON.stringify(result);
    assert.ok(!json.includes(SECRET_VALUE) && !json.includes(b64(SECRET_VALUE)), "the Secret's value shows");

    // Nothing was applied: the live Deployment is untouched and the ConfigMap was never created.
    assert.equal(await deploymentVersion(), versionBefore);
    const cm = await kubectl(["get", "configmap", "settings", "-n", NS]);
    assert.match(cm.stderr, /NotFound/);
  });

  it("shows a hand-made scale as drift on the live side only", async () => {
    await kubectlOk(["scale", "deployment", "web", "-n", NS, "--replicas=5"]);
    const app = (await getApp(APP)) as unknown as Application;

    const pr = rendered((await previews.previewApp(app, base, head)).preview);
    assert.equal(pr.git.line, "1 changed, 1 added; web: replicas 1 → 3; web: image nginx:1.27 → nginx:1.28");
    assert.deepEqual(
      pr.live?.callouts.map((c) => c.text),
      ["web: replicas 5 → 3", "web: image nginx:1.27 → nginx:1.28"],
    );

    // A PR that changes nothing of this app: Git has nothing to say, live still shows the drift.
    const unchanged = rendered((await previews.previewApp(app, base, base)).preview);
    assert.equal(unchanged.git.line, "no changes");
    assert.equal(unchanged.live?.line, "1 changed; web: replicas 5 → 1");
    const replicas = unchanged.live?.objects[0]?.fields.find((f) => f.path === "spec.replicas");
    assert.deepEqual(replicas, { path: "spec.replicas", live: 5, desired: 1 });
    assert.equal(
      (await kubectlOk(["get", "deployment", "web", "-n", NS, "-o", "jsonpath={.spec.replicas}"])).trim(),
      "5",
    );
  });

  it("shows an app that is new in the PR whole as added, its Secret masked", async () => {
    const app = application(`${APP}-new`, git.url("shop"), "newapp");
    const result = await previews.previewApp(app, base, head, { live: false });
    const summary = rendered(result.preview);
    assert.equal(summary.live, undefined);
    assert.equal(summary.git.line, "1 added");
    const added = summary.git.objects[0];
    assert.equal(`${added?.ref.kind}/${added?.ref.namespace}/${added?.ref.name}`, `Secret/${NS}/token`);
    assert.ok(
      added?.fields.some((f) => f.path === "data.password"),
      JSON.stringify(added?.fields),
    );
    const json = JSON.stringify(result);
    assert.ok(
      !json.includes(NEW_SECRET_VALUE) && !json.includes(b64(NEW_SECRET_VALUE)),
      "the Secret's value shows",
    );
  });

  it("names the repository path of a Helm template the PR breaks, with no host path in the message", async () => {
    const app = application(`${APP}-chart`, git.url("charts"), "charts/web");
    const good = await previews.previewApp(app, helmBase, helmBase, { live: false });
    assert.equal(rendered(good.preview).git.line, "no changes");

    const result = await previews.previewApp(app, helmBase, helmHead);
    assert.equal(result.preview.status, "render-error", JSON.stringify(result.preview));
    const error = (result.preview as Extract<AppPreview, { status: "render-error" }>).error;
    assert.equal(error.file, "charts/web/templates/configmap.yaml");
    assert.match(error.message, /nil pointer evaluating interface \{\}\.name/);
    for (const host of [runHome(), gitCache, tmpdir()])
      assert.ok(!error.message.includes(host), error.message);
    assert.deepEqual(result.headObjects, []);
  });

  it("fails the preview of a head the API server refuses in the dry run, as the sync after merge would fail", async () => {
    const app = application(`${APP}-plain`, git.url("plain"), "");
    const result = await previews.previewApp(app, plainBase, plainHead);
    assert.equal(result.preview.status, "render-error", JSON.stringify(result.preview));
    const error = (result.preview as Extract<AppPreview, { status: "render-error" }>).error;
    assert.equal(error.file, undefined);
    assert.match(error.message, new RegExp(`Service/${NS}/web: .*99999.*between 1 and 65535`));
    const svc = await kubectl(["get", "service", "web", "-n", NS]);
    assert.match(svc.stderr, /NotFound/);
  });

  it("shows a Secret the PR drops as pruned in Git and live, its value masked", async () => {
    const app = (await getApp(APP)) as unknown as Application;
    const result = await previews.previewApp(app, base, dropHead);
    const summary = rendered(result.preview);
    for (const [side, set] of [
      ["git", summary.git],
      ["live", summary.live],
    ] as const) {
      assert.equal(set?.counts.pruned, 1, `${side}: ${set?.line}`);
      const pruned = set?.objects.find((o) => o.change === "pruned");
      assert.equal(
        `${pruned?.ref.kind}/${pruned?.ref.namespace}/${pruned?.ref.name}`,
        `Secret/${NS}/db`,
        side,
      );
      assert.ok(
        pruned?.fields.some((f) => f.path === "data.password"),
        JSON.stringify(pruned?.fields),
      );
    }
    const json = JSON.stringify(result);
    assert.ok(!json.includes(SECRET_VALUE) && !json.includes(b64(SECRET_VALUE)), "the Secret's value shows");
    assert.match(await kubectlOk(["get", "secret", "db", "-n", NS, "-o", "name"]), /secret\/db/);
  });

  it("previews a registry chart with the values a pull request into its values repository changes, and nothing for a PR beside them", async () => {
    const registry = await startOciRegistry();
    try {
      await registry.push("charts", "greeter", "1.0.0");
      const valuesRepo = git.url("prod-values");
      const valuesBase = await git.createRepo(
        "prod-values",
        { "envs/prod.yaml": "greeting: hello-from-base\n", "README.md": "values\n" },
        "prod values",
      );
      await git.branch("prod-values", "release", valuesBase);
      // Each head is diffed against the base from their merge base: the README change comes first
      // on main, so the second head holds both changes and the first the README alone.
      const readmeHead = await git.commit("prod-values", { "README.md": "values, explained\n" }, "docs only");
      const valuesHead = await git.commit(
        "prod-values",
        { "envs/prod.yaml": "greeting: hello-from-pr\n" },
        "new greeting",
      );
      const app = candidateOf({
        apiVersion: "mooring.dev/v1alpha1",
        kind: "Application",
        metadata: { name: `${APP}-chart`, namespace: "mooring" },
        spec: {
          project: TEAM,
          sources: [
            {
              repoURL: registry.url("charts"),
              chart: "greeter",
              targetRevision: "1.x",
              helm: { valueFiles: ["$values/envs/prod.yaml"] },
            },
            { repoURL: valuesRepo, targetRevision: "release", ref: "values" },
          ],
          destination: { namespace: NS },
        },
      });
      assert.ok(app);
      const preview = (headSha: string) =>
        runPreview(
          {
            git: sources,
            reads: renderReads,
            apps: previews,
            policies: async () => [],
            log: createLogger({ level: "error" }),
          },
          {
            repoURL: valuesRepo,
            baseRef: "release",
            baseSha: valuesBase,
            headSha,
            candidates: candidateTargets(valuesRepo, "release", false, [app]),
            stackGate: () => ({ plan: true }),
            live: false,
          },
        );

      const { report } = await preview(valuesHead);
      assert.deepEqual(
        report.apps.map((a) => a.name),
        [`${APP}-chart`],
      );
      const summary = rendered(report.apps[0] as AppPreview);
      assert.deepEqual(summary.git.counts, { changed: 1, added: 0, pruned: 0 }, summary.git.line);
      const [changed] = summary.git.objects;
      assert.equal(
        `${changed?.ref.kind}/${changed?.ref.namespace}/${changed?.ref.name}`,
        `ConfigMap/${NS}/${APP}-chart-settings`,
      );
      assert.deepEqual(
        changed?.fields.map((f) => [f.path, f.live, f.desired]),
        [["data.greeting", "hello-from-base", "hello-from-pr"]],
        "the chart's own values.yaml says hello: only the PR's values file moved the greeting",
      );

      const untouched = await preview(readmeHead);
      assert.deepEqual(
        untouched.report.apps,
        [],
        "a PR touching neither the values file nor any folder of the app",
      );
    } finally {
      await registry.close();
    }
  });
});
