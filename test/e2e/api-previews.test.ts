// User story: before opening a pull request (or in a CI job, with no forge at all) a developer asks
// `moor preview --repo URL --base main --head feature` what the branch would change. Logged in with
// `moor login` and no kubeconfig, they get one line per affected Application with its summary
// (replicas 2 → 3 called out, against main and against the live cluster) and exit 0; with
// `-o json` the answer names the head commit; a branch whose manifest does not parse exits 1 and
// names the file. A viewer of another project sees none of this project's targets, and a request
// without credentials is refused with 401. The real server, controller, cluster and git run.
import assert from "node:assert/strict";
import { mkdir, mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import type { LocalPreviewAnswer } from "../../src/core/preview/protocol.ts";
import { initialAdminPassword } from "../harness/admin.ts";
import { applyApp, deleteApp, waitForApp } from "../harness/apps.ts";
import { eventually, kubectl, kubectlOk, moor } from "../harness/cluster.ts";
import { ensureInstalled, type RunningController, startController } from "../harness/controller.ts";
import { runEnv } from "../harness/env.ts";
import { type GitServer, startGitServer } from "../harness/git-server.ts";
import { webDeployment } from "../harness/manifests.ts";
import { type RunningServer, startServer } from "../harness/server.ts";

const suffix = Date.now().toString(36);
const NS = `previews-${suffix}`;
const APP = `previews-${suffix}`;
const TEAM = `previews-team-${suffix}`;
const OTHER = `previews-other-${suffix}`;
const REPO = `previews-${suffix}`;

/** Not YAML: an unclosed flow sequence, which every YAML reader refuses. */
const BROKEN_DEPLOYMENT =
  "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: web\n  labels: [unclosed\n";

describe("moor preview through the API: a branch's changes before any pull request", () => {
  let git: GitServer;
  let controller: RunningController;
  let server: RunningServer;
  let dir: string;
  let admin: NodeJS.ProcessEnv;
  let other: NodeJS.ProcessEnv;
  let featureSha = "";
  let repoURL = "";

  /** An environment with its own login folder and no way to a kubeconfig. */
  async function loggedIn(name: string, how: string[], secret: string): Promise<NodeJS.ProcessEnv> {
    const home = join(dir, name);
    await mkdir(home, { recursive: true });
    const env: NodeJS.ProcessEnv = { ...runEnv(), MOORING_CONFIG_DIR: join(home, "config"), HOME: home };
    delete env.KUBECONFIG;
    const login = await moor(["login", server.origin, ...how], { env, input: `${secret}\n` });
    assert.equal(login.code, 0, login.stderr);
    return env;
  }

  before(async () => {
    await ensureInstalled();
    dir = await mkdtemp(join(tmpdir(), "mooring-previews-"));
    git = await startGitServer();
    repoURL = git.url(REPO);
    // main: 2 replicas; feature: 3 replicas; broken: feature plus a manifest that does not parse.
    const v1 = await git.createRepo(REPO, { "app/deploy.yaml": webDeployment({ replicas: 2 }) }, "v1");
    featureSha = await git.commit(
      REPO,
      { "app/deploy.yaml": webDeployment({ replicas: 3 }) },
      "scale web to 3",
    );
    await git.branch(REPO, "feature", featureSha);
    const brokenSha = await git.commit(REPO, { "app/deploy.yaml": BROKEN_DEPLOYMENT }, "break the manifest");
    await git.branch(REPO, "broken", brokenSha);
    await git.branch(REPO, "main", v1);

    await kubectlOk(["create", "namespace", NS]);
    const project = (name: string) => ({
      apiVersion: "mooring.dev/v1alpha1",
      kind: "Project",
      metadata: { name, namespace: "mooring" },
      spec: { sourceRepos: ["*"], destinations: [{ name: "in-cluster", namespace: NS }] },
    });
    await kubectlOk(["apply", "--server-side", "-f", "-"], {
      input: JSON.stringify({ apiVersion: "v1", kind: "List", items: [project(TEAM), project(OTHER)] }),
    });
    await applyApp(APP, {
      project: TEAM,
      source: { repoURL, targetRevision: "main", path: "app" },
      destination: { namespace: NS },
      syncPolicy: { automated: { prune: true } },
    });
    controller = await startController();
    server = await startServer({ startTimeoutMs: 60_000, controller });
    admin = await loggedIn(
      "admin",
      ["--username", "admin", "--password-stdin"],
      await initialAdminPassword(),
    );
    const viewerToken = await eventually(`a viewer token of ${OTHER}`, async () => {
      const made = await moor(
        ["token", "create", "--project", OTHER, "--role", "viewer", "--expires", "1h"],
        {
          env: admin,
        },
      );
      return made.code === 0 ? made.stdout.trim() : undefined;
    });
    other = await loggedIn("other", ["--token-stdin"], viewerToken);
    await waitForApp(
      APP,
      "synced at main (v1)",
      (a) => a.status?.sync.status === "Synced" && a.status.sync.revision === v1,
      120_000,
    );
  });

  after(async () => {
    // While the controller still runs, so that it prunes what it applied and lets the app go.
    await deleteApp(APP).catch(() => undefined);
    await server?.stop();
    await controller?.stop();
    await git?.close();
    await kubectl(["delete", "project", TEAM, OTHER, "-n", "mooring", "--ignore-not-found", "--wait=false"]);
    await kubectl(["delete", "namespace", NS, "--wait=false", "--ignore-not-found"]);
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  const preview = (env: NodeJS.ProcessEnv, head: string, extra: string[] = []) =>
    moor(["preview", "--repo", repoURL, "--base", "main", "--head", head, ...extra], { env });

  it("prints the app's summary line with the replicas callout, against main and the live cluster, and exits 0", async () => {
    const res = await preview(admin, "feature");
    assert.equal(res.code, 0, `${res.stdout}\n${res.stderr}`);
    const row = res.stdout.split("\n").find((line) => line.startsWith("Application"));
    assert.ok(row, res.stdout);
    assert.match(
      row,
      new RegExp(`^Application\\s+mooring/${APP}\\s+changes\\s+1 changed; web: replicas 2 → 3`),
    );
    assert.match(row, /· live: 1 changed; web: replicas 2 → 3/);
    assert.match(
      res.stdout,
      new RegExp(`@@ Deployment/${NS}/web \\(changed\\) @@\\n- spec.replicas: 2\\n\\+ spec.replicas: 3`),
    );
    assert.match(res.stdout.split("\n")[0] ?? "", /: success, /);
  });

  it("prints the answer as JSON with -o json, naming the head commit", async () => {
    const res = await preview(admin, "feature", ["-o", "json"]);
    assert.equal(res.code, 0, res.stderr);
    const answer = JSON.parse(res.stdout) as LocalPreviewAnswer;
    assert.equal(answer.headSha, featureSha);
    assert.equal(answer.report.headSha, featureSha);
    assert.equal(answer.status.state, "success");
    assert.equal(answer.projects[`Application/mooring/${APP}`], TEAM);
    const app = answer.report.apps.find((a) => a.name === APP);
    assert.equal(app?.status, "rendered");
  });

  it("exits 1 for a branch whose manifest does not parse, naming the file", async () => {
    const res = await preview(admin, "broken");
    assert.equal(res.code, 1, `${res.stdout}\n${res.stderr}`);
    assert.match(res.stdout, new RegExp(`Application\\s+mooring/${APP}\\s+render error`));
    assert.match(res.stdout, /app\/deploy\.yaml/);
    assert.match(res.stdout.split("\n")[0] ?? "", /: failure, render error/);
  });

  it("shows a viewer of another project none of this project's targets", async () => {
    const res = await preview(other, "feature", ["-o", "json"]);
    assert.equal(res.code, 0, res.stderr);
    const answer = JSON.parse(res.stdout) as LocalPreviewAnswer;
    assert.deepEqual(answer.projects, {});
    assert.deepEqual(answer.report.apps, []);
    assert.doesNotMatch(res.stdout, new RegExp(APP));
    const text = await preview(other, "broken");
    assert.equal(text.code, 0, `${text.stdout}\n${text.stderr}`);
    assert.match(text.stdout, /No Application or Stack you may see is affected/);
  });

  it("refuses a request without credentials with 401", async () => {
    const res = await server.api("/previews", {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ repoURL, base: "main", head: "feature" }),
    });
    assert.equal(res.status, 401, await res.text());
    const list = await server.api("/previews");
    assert.equal(list.status, 401);
  });
});
