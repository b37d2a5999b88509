// User story: "I open a pull request on our Gitea and, before anyone merges, its page tells me
// what it will change: one Mooring comment, edited in place on every push, with the changes of
// exactly the Applications and Stacks my PR touches (the replica count I changed, the resource my
// variable changes in the plan), and a `mooring/preview` status branch protection can require —
// failing when my Helm template breaks or a Project rule forbids what I wrote. A stranger's fork
// gets no plan until one of us asks with `/moor plan`. After the merge, the same comment says which
// commit went live and which audit record shows it. In a 200-app monorepo my one-app PR renders
// one app."
//
// Everything is real: Gitea holds the repositories and sends its signed pull_request,
// issue_comment and push webhooks to a real `moor server`, which forwards them to a real
// `moor controller` (polling open PRs every 5 s as the fallback); Helm, tofu and the cluster are
// the real ones. What the test checks is what the PR page shows, read through Gitea's REST API.
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { adminToken } from "../harness/admin.ts";
import { applyApp, syncedAndHealthy, waitForApp } from "../harness/apps.ts";
import { eventually, kubectl, kubectlOk } from "../harness/cluster.ts";
import { ensureInstalled, type RunningController, startController } from "../harness/controller.ts";
import { sharedGitea, uniqueRepoName } from "../harness/gitea.ts";
import { webDeployment, webService } from "../harness/manifests.ts";
import {
  commentOn,
  configureGiteaForge,
  createGiteaUser,
  giteaCall,
  markedComments,
  mergePullRequest,
  metricTotal,
  openPullRequest,
  type PageComment,
  type PageView,
  type RepoOnGitea,
  SIZED_MODULE,
  waitForPreview,
} from "../harness/previews.ts";
import { type RunningServer, startServer } from "../harness/server.ts";
import { createStackNamespace, waitStack } from "../harness/stacks.ts";

const SUFFIX = Date.now().toString(36);
const FORGE_SECRET = `e2e-gitea-${SUFFIX}`;
const PROJECT = `previews-${SUFFIX}`;
const STACK_NS = `pv-stacks-${SUFFIX}`;
const STACK = "network";
const WEB = `pv-web-${SUFFIX}`;
const API = `pv-api-${SUFFIX}`;
const CART = `pv-cart-${SUFFIX}`;
const MONO_APPS = 200;
const MONO_LABEL = `previews-e2e-mono=${SUFFIX}`;
const monoApp = (i: number) => `pv-m${String(i).padStart(3, "0")}-${SUFFIX}`;
const POLICY_RULE = "no-host-network";
const RENDERS_METRIC = "mooring_preview_app_renders_total";
const PLANS_METRIC = "mooring_preview_stack_plans_total";

/** The api app: the web fixture named api, with one replica unless a story says otherwise. */
function apiDeployment(options: { replicas: number; hostNetwork?: boolean }): string {
  return webDeployment({ name: "api", ...options });
}

const CART_TEMPLATE = `apiVersion: v1
kind: ConfigMap
metadata:
  name: cart
data:
  currency: {{ .Values.currency | quote }}
`;

function configMap(name: string, value: string): string {
  return `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: ${name}\ndata:\n  value: "${value}"\n`;
}

describe("pull-request previews on a real Gitea", { timeout: 600_000 }, () => {
  let gitea: Awaited<ReturnType<typeof sharedGitea>>;
  let controller: RunningController;
  let server: RunningServer;
  let shop: RepoOnGitea & { cloneURL: string };
  let mono: RepoOnGitea & { cloneURL: string };
  let shopHook = 0;
  let token = "";
  const writer = `dev${process.pid}`;
  const contributor = `contrib${process.pid}`;
  /** PR (a): web's replicas and the Stack's variable; merged in (f). */
  let scalePR = 0;
  let scaleHead = "";

  before(async () => {
    await ensureInstalled();
    gitea = await sharedGitea();
    const hookSecret = await configureGiteaForge(gitea, FORGE_SECRET);
    await kubectlOk(["apply", "-f", "-"], {
      input: JSON.stringify({
        apiVersion: "mooring.dev/v1alpha1",
        kind: "Project",
        metadata: { name: PROJECT, namespace: "mooring" },
        spec: {
          sourceRepos: ["*"],
          destinations: [{ server: "*", namespace: "*" }],
          clusterResourceWhitelist: [{ group: "*", kind: "*" }],
          policies: [
            {
              name: POLICY_RULE,
              appliesTo: "objects",
              kinds: ["Deployment"],
              expression: "!podSpec.?hostNetwork.orValue(false)",
              message: "workloads must not share the node's network",
            },
          ],
        },
      }),
    });
    await createStackNamespace(STACK_NS);
    controller = await startController({ args: ["--preview-poll-interval", "5s"] });
    server = await startServer({ controller });
    token = await adminToken(server);
    for (const user of [writer, contributor]) await createGiteaUser(gitea, user);

    const hook = async (repo: RepoOnGitea) =>
      gitea.client.createHook(repo.owner, repo.name, {
        url: `${server.url}/webhooks/gitea`,
        secret: hookSecret,
        events: ["push", "pull_request", "issue_comment"],
      });

    shop = await gitea.client.createRepo(uniqueRepoName("shop"));
    await gitea.client.commit({
      owner: shop.owner,
      repo: shop.name,
      branch: "main",
      files: {
        "apps/web/deployment.yaml": webDeployment({ replicas: 2 }),
        "apps/web/service.yaml": webService(),
        "apps/api/deployment.yaml": apiDeployment({ replicas: 1 }),
        "charts/cart/Chart.yaml": "apiVersion: v2\nname: cart\nversion: 0.1.0\n",
        "charts/cart/values.yaml": "currency: EUR\n",
        "charts/cart/templates/configmap.yaml": CART_TEMPLATE,
        "infra/network/main.tf": SIZED_MODULE,
        "infra/network/terraform.tfvars": "size = 1\n",
      },
      message: "shop: web, api, cart and the network",
    });
    shopHook = await hook(shop);
    await giteaCall(gitea, {
      method: "PUT",
      path: `repos/${shop.owner}/${shop.name}/collaborators/${writer}`,
      body: { permission: "write" },
    });
    for (const [name, path] of [
      [WEB, "apps/web"],
      [API, "apps/api"],
      [CART, "charts/cart"],
    ] as const) {
      await applyApp(name, {
        project: PROJECT,
        source: { repoURL: shop.cloneURL, targetRevision: "main", path },
        destination: { namespace: name },
        syncPolicy: { automated: { prune: true }, syncOptions: ["CreateNamespace=true"] },
      });
    }
    await kubectlOk(["apply", "-f", "-"], {
      input: JSON.stringify({
        apiVersion: "mooring.dev/v1alpha1",
        kind: "Stack",
        metadata: { name: STACK, namespace: STACK_NS },
        spec: {
          source: { repoURL: shop.cloneURL, targetRevision: "main", path: "infra/network" },
          approvePlan: "auto",
        },
      }),
    });

    // The monorepo: 200 one-ConfigMap apps, all with an Application. A preview needs the
    // Applications to exist, not to be synced, so none syncs on its own.
    mono = await gitea.client.createRepo(uniqueRepoName("mono"));
    const monoFiles: Record<string, string> = {};
    for (let i = 0; i < MONO_APPS; i++) {
      const dir = `apps/app-${String(i).padStart(3, "0")}`;
      monoFiles[`${dir}/configmap.yaml`] = configMap("settings", `v1-${i}`);
    }
    await gitea.client.commit({
      owner: mono.owner,
      repo: mono.name,
      branch: "main",
      files: monoFiles,
      message: "200 apps",
    });
    await hook(mono);
    const [labelKey, labelValue] = MONO_LABEL.split("=");
    const items = Array.from({ length: MONO_APPS }, (_, i) => ({
      apiVersion: "mooring.dev/v1alpha1",
      kind: "Application",
      metadata: {
        name: monoApp(i),
        namespace: "mooring",
        labels: { [labelKey as string]: labelValue },
        // Removed without pruning anything (none ever syncs), so no finalizer waits on the controller.
        annotations: { "mooring.dev/cascade": "false" },
      },
      spec: {
        source: {
          repoURL: mono.cloneURL,
          targetRevision: "main",
          path: `apps/app-${String(i).padStart(3, "0")}`,
        },
        destination: { namespace: `pv-mono-${SUFFIX}` },
        // Like any new app, it would create its namespace on its first sync.
        syncPolicy: { syncOptions: ["CreateNamespace=true"] },
      },
    }));
    await kubectlOk(["apply", "--server-side", "--field-manager=test", "-f", "-"], {
      input: JSON.stringify({ apiVersion: "v1", kind: "List", items }),
    });

    for (const app of [WEB, API, CART])
      await waitForApp(app, "synced and healthy", syncedAndHealthy(), 180_000);
    await waitStack(
      STACK_NS,
      STACK,
      "to be applied",
      (s) => s.status?.lastApply?.result === "succeeded",
      180_000,
    );
  });

  after(async () => {
    const problems = controller?.logs.filter((l) => l.level === "error") ?? [];
    if (problems.length > 0)
      process.stderr.write(`controller errors:\n${problems.map((l) => JSON.stringify(l)).join("\n")}\n`);
    await kubectl([
      "delete",
      "applications",
      "-n",
      "mooring",
      "-l",
      MONO_LABEL,
      "--wait=true",
      "--timeout=180s",
    ]);
    await kubectl([
      "delete",
      "applications",
      "-n",
      "mooring",
      WEB,
      API,
      CART,
      "--ignore-not-found",
      "--timeout=120s",
    ]);
    await kubectl(["delete", "stack", STACK, "-n", STACK_NS, "--ignore-not-found", "--timeout=120s"]);
    await controller?.stop();
    await server?.stop();
    for (const ns of [STACK_NS, WEB, API, CART])
      await kubectl(["delete", "namespace", ns, "--wait=false", "--ignore-not-found"]);
    await kubectl(["delete", "project", PROJECT, "-n", "mooring", "--ignore-not-found"]);
    await kubectl([
      "delete",
      "secret",
      FORGE_SECRET,
      "mooring-webhook",
      "-n",
      "mooring",
      "--ignore-not-found",
    ]);
  });

  const succeeded = (v: PageView) => v.status?.state === "success";
  const failed = (v: PageView) => v.status?.state === "failure";

  /**
   * What a contributor does: pushes `files` to a new branch (from main, in `source`: the base
   * repository or a fork), opens a PR into `repo`'s main (as `sudo` when given), and waits until
   * the PR page shows a preview of that head for which `done` holds.
   */
  async function proposeChange(
    repo: RepoOnGitea,
    change: {
      branch: string;
      files: Record<string, string>;
      title: string;
      source?: RepoOnGitea;
      sudo?: string;
    },
    what: string,
    done: (view: PageView & { comment: PageComment }) => boolean,
  ) {
    const source = change.source ?? repo;
    const head = await gitea.client.commit({
      owner: source.owner,
      repo: source.name,
      branch: change.branch,
      from: "main",
      files: change.files,
      message: change.title,
    });
    const number = await openPullRequest(gitea, repo, {
      head: source === repo ? change.branch : `${source.owner}:${change.branch}`,
      title: change.title,
      ...(change.sudo ? { sudo: change.sudo } : {}),
    });
    const page = await waitForPreview(gitea, repo, number, head, what, done);
    return { number, head, page };
  }

  /** The names of the Applications and Stacks in the comment's summary table. */
  const tableNames = (body: string, kind: "Application" | "Stack") =>
    [...body.matchAll(new RegExp(`^\\| ${kind} \\| ([^|]+) \\|`, "gm"))].map((m) => (m[1] ?? "").trim());

  it("a PR changing web's replicas and the Stack's variable gets one comment with exactly those changes and the plan, and success", async () => {
    const proposed = await proposeChange(
      shop,
      {
        branch: "scale-web",
        files: {
          "apps/web/deployment.yaml": webDeployment({ replicas: 3 }),
          "infra/network/terraform.tfvars": "size = 2\n",
        },
        title: "Scale web to 3 and grow the network",
      },
      "to succeed",
      succeeded,
    );
    scalePR = proposed.number;
    scaleHead = proposed.head;
    const page = proposed.page;
    await waitForDelivery(/^pull_request$/, new RegExp(`"number":\\s*${scalePR}\\b`));
    assert.equal(page.comments.length, 1, "one Mooring comment");
    assert.equal(page.comment.author, gitea.adminUser, "written by the user of the forge's token");
    const body = page.comment.body;
    assert.deepEqual(tableNames(body, "Application"), [`mooring/${WEB}`]);
    assert.deepEqual(tableNames(body, "Stack"), [`${STACK_NS}/${STACK}`]);
    assert.match(body, /1 changed; web: replicas 2 → 3/);
    assert.match(body, /0 to add, 1 to change, 0 to destroy/);
    assert.match(body, /\| update \| `terraform_data\.db` \|/);
    assert.ok(!body.includes("terraform_data.cache"), "an unchanged resource is not in the plan");
    for (const other of [API, CART]) assert.ok(!body.includes(other), `${other} is not in the comment`);
  });

  it("a second push edits the same comment in place to the new head, and sets the status on the new head", async () => {
    const first = (await markedComments(gitea, shop, scalePR))[0];
    assert.ok(first);
    const pushed = await gitea.client.commit({
      owner: shop.owner,
      repo: shop.name,
      branch: "scale-web",
      files: { "apps/web/deployment.yaml": webDeployment({ replicas: 4 }) },
      message: "Scale web to 4",
    });
    const page = await waitForPreview(gitea, shop, scalePR, pushed, "to succeed", succeeded);
    assert.deepEqual(
      page.comments.map((c) => c.id),
      [first.id],
      "still one comment, the same one",
    );
    assert.match(page.comment.body, /web: replicas 2 → 4/);
    assert.ok(!page.comment.body.includes(scaleHead), "the old head is gone from the comment");
    scaleHead = pushed;
  });

  it("a PR breaking the cart chart's template fails the status naming the file", async () => {
    const { page } = await proposeChange(
      shop,
      {
        branch: "break-cart",
        files: {
          "charts/cart/templates/configmap.yaml": `${CART_TEMPLATE}  broken: {{ .Values.currency | nosuchfunc }}\n`,
        },
        title: "Break the cart template",
      },
      "to fail",
      failed,
    );
    assert.match(page.status?.description ?? "", /charts\/cart\/templates\/configmap\.yaml/);
    assert.deepEqual(tableNames(page.comment.body, "Application"), [`mooring/${CART}`]);
    assert.match(page.comment.body, /render error/);
  });

  it("a PR breaking the Project's no-host-network rule fails the status naming the rule", async () => {
    const { page } = await proposeChange(
      shop,
      {
        branch: "api-host-network",
        files: { "apps/api/deployment.yaml": apiDeployment({ replicas: 1, hostNetwork: true }) },
        title: "Run api on the host network",
      },
      "to fail",
      failed,
    );
    assert.match(page.status?.description ?? "", new RegExp(POLICY_RULE));
    assert.match(page.comment.body, new RegExp(`\`${POLICY_RULE}\``));
    assert.match(page.comment.body, /api: hostNetwork on/);
  });

  it("a fork's PR gets app previews but no plan; /moor plan from its author changes nothing, from a writer it plans", async () => {
    const fork = await giteaCall<{ name: string; owner: { login: string } }>(gitea, {
      method: "POST",
      path: `repos/${shop.owner}/${shop.name}/forks`,
      body: {},
      sudo: contributor,
    });
    const {
      number,
      head,
      page: waiting,
    } = await proposeChange(
      shop,
      {
        branch: "api-scale",
        files: {
          "apps/api/deployment.yaml": apiDeployment({ replicas: 2 }),
          "infra/network/terraform.tfvars": "size = 3\n",
        },
        title: "Scale api and grow the network",
        source: { owner: fork.owner.login, name: fork.name },
        sudo: contributor,
      },
      "to wait for /moor plan",
      (v) =>
        v.comment.body.includes("waiting for `/moor plan`") &&
        (v.status?.description ?? "").includes("/moor plan"),
    );
    assert.equal(waiting.status?.state, "pending");
    assert.match(waiting.status?.description ?? "", /\/moor plan/);
    assert.deepEqual(tableNames(waiting.comment.body, "Application"), [`mooring/${API}`]);
    assert.match(waiting.comment.body, /api: replicas 1 → 2/);
    assert.match(waiting.comment.body, /comments `\/moor plan`/);
    assert.ok(!waiting.comment.body.includes("terraform_data.db"), "no plan for a fork");

    // The author has no write access: their /moor plan is delivered, and ignored.
    const plansBefore = await metricTotal(controller.metricsUrl, PLANS_METRIC, 'result="planned"');
    const refused = await commentOn(gitea, shop, number, "/moor plan", contributor);
    await waitForDelivery(/comment/, new RegExp(`"id":\\s*${refused}\\b`));
    const refusal = `\`/moor plan\` from ${contributor} was ignored: ${contributor} has no write access`;
    await eventually("the comment to say the author's /moor plan was ignored", async () =>
      (await markedComments(gitea, shop, number))[0]?.body.includes(refusal) ? true : undefined,
    );
    await new Promise((resolve) => setTimeout(resolve, 6_000)); // one more poll
    const unchanged = await markedComments(gitea, shop, number);
    assert.equal(unchanged.length, 1);
    assert.match(unchanged[0]?.body ?? "", /waiting for `\/moor plan`/);
    assert.ok(!(unchanged[0]?.body ?? "").includes("terraform_data.db"));
    assert.equal(
      await metricTotal(controller.metricsUrl, PLANS_METRIC, 'result="planned"'),
      plansBefore,
      "no Stack was planned",
    );

    await commentOn(gitea, shop, number, "/moor plan", writer);
    const planned = await waitForPreview(gitea, shop, number, head, "to be planned", succeeded);
    assert.match(planned.comment.body, /\| update \| `terraform_data\.db` \|/);
    assert.ok(!planned.comment.body.includes("waiting for `/moor plan`"));
    assert.equal(planned.comments.length, 1);
  });

  /**
   * Waits until Gitea has delivered to the server the shop's webhook of kind `event` whose body
   * matches `body`, and checks the server accepted it (2xx).
   */
  async function waitForDelivery(event: RegExp, body: RegExp): Promise<void> {
    await eventually(`the ${event} delivery matching ${body}`, async () => {
      const found = gitea
        .hookDeliveries(shopHook)
        .find((d) => event.test(d.event) && body.test(d.request?.body ?? ""));
      if (found === undefined || !found.delivered) return undefined;
      assert.ok(
        found.status >= 200 && found.status < 300,
        `delivery answered ${found.status}: ${found.responseBody}`,
      );
      return true;
    });
  }

  it("after the merge, once web runs the merge commit, the comment shows that commit and its audit record", async () => {
    const merged = await mergePullRequest(gitea, shop, scalePR);
    await waitForApp(WEB, "synced at the merge commit", syncedAndHealthy(merged), 120_000);
    const page = await waitForPreview(gitea, shop, scalePR, scaleHead, "to show what was applied", (v) =>
      v.comment.body.includes("**Applied**"),
    );
    const [, commit, auditId] =
      /\*\*Applied\*\* commit `([0-9a-f]{40})` at .* \(audit record `([^`]+)`\)/.exec(page.comment.body) ??
      [];
    const res = await server.api(`/audit/records/${auditId}`, {
      headers: { authorization: `Bearer ${token}` },
    });
    const text = await res.text();
    assert.equal(res.status, 200, `GET /api/v1/audit/records/${auditId}: ${text}`);
    const record = JSON.parse(text) as {
      kind: string;
      object?: { name: string };
      details: { revision?: string };
    };
    assert.equal(commit, merged, `the comment shows the merge commit ${merged}; its audit record: ${text}`);
    assert.equal(record.details.revision, merged, `the audit record applied the merge commit: ${text}`);
    assert.ok(
      [WEB, STACK].includes(record.object?.name ?? ""),
      `the record is web's or the Stack's: ${text}`,
    );
  });

  it("in a 200-app monorepo, a PR touching one app renders that app alone", async () => {
    const rendersBefore = await metricTotal(controller.metricsUrl, RENDERS_METRIC);
    const { number, page } = await proposeChange(
      mono,
      {
        branch: "tune-137",
        files: { "apps/app-137/configmap.yaml": configMap("settings", "v2-137") },
        title: "Tune app 137",
      },
      "to succeed",
      succeeded,
    );
    assert.deepEqual(tableNames(page.comment.body, "Application"), [`mooring/${monoApp(137)}`]);
    const res = await server.api(
      `/previews/pull?repoURL=${encodeURIComponent(mono.cloneURL)}&number=${number}`,
      { headers: { authorization: `Bearer ${token}` } },
    );
    const text = await res.text();
    assert.equal(res.status, 200, text);
    const stored = JSON.parse(text) as { report: { apps: { name: string }[]; stacks: unknown[] } };
    assert.deepEqual(
      stored.report.apps.map((a) => a.name),
      [monoApp(137)],
    );
    const rendersAfter = await metricTotal(controller.metricsUrl, RENDERS_METRIC);
    // The counter counts Applications previewed (base and head rendered, compared with live).
    assert.equal(
      rendersAfter - rendersBefore,
      1,
      `app renders by previews went from ${rendersBefore} to ${rendersAfter}`,
    );
  });
});
