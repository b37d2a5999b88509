// User story: a pull request changes an OpenTofu module that a Stack applies. Before anyone
// merges, Mooring plans the PR head exactly as the Stack would — in its sandbox, as its
// ServiceAccount, with its variables from a Secret — and shows what it would create, change,
// replace and destroy. The preview is read-only: the state lock stays free (a real run of the
// Stack goes on meanwhile), no plan is stored, the Stack's status does not move and nothing is
// applied. A head that does not parse, or that makes tofu quote a secret variable, gives a
// plan-error naming the file and never the value; a Stack that cannot run (no ServiceAccount,
// no project, no sandbox) gives a plan-error saying why.
import assert from "node:assert/strict";
import { mkdir, mkdtemp, readdir, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { SourceResolver } from "../../src/controller/app-source.ts";
import { ProjectCache } from "../../src/controller/projects.ts";
import { RunFolders } from "../../src/controller/stack-workdir.ts";
import type { StackPreview } from "../../src/core/preview/report.ts";
import type { PlanSummary } from "../../src/core/stack/plan.ts";
import type { Stack } from "../../src/core/stack/spec.ts";
import { GitSource } from "../../src/git/source.ts";
import { KubeClient } from "../../src/kube/client.ts";
import { loadConfig } from "../../src/kube/kubeconfig.ts";
import { StackPreviewPlans, type StackPreviewPlansDeps } from "../../src/preview/stack-plan.ts";
import type { ApiServer } from "../../src/terraform/state-backend.ts";
import { providerMirrors, writeProviderCliConfig } from "../../src/toolchain/tofu.ts";
import { kubectl, kubectlOk } from "../harness/cluster.ts";
import { ensureInstalled, type RunningController, startController } from "../harness/controller.ts";
import { runEnv, runSandboxKubeconfig } from "../harness/env.ts";
import { type GitServer, startGitServer } from "../harness/git-server.ts";
import { condition, createStackNamespace, waitStack } from "../harness/stacks.ts";

/** The value of the Stack's secret variable: it must never show in a preview. */
const SECRET_VALUE = "hunter2-preview-7f3a9c";

/** `size` picks the db input and the pet's keeper; `cache` says whether the null_resource exists. */
const MODULE = (size: string, cache: boolean) => `
variable "greeting" {
  type = string
}
# Not marked sensitive: tofu would print it, so only Mooring's scrubbing keeps it out.
variable "api_key" {
  type = string
}
variable "size" {
  type    = string
  default = "${size}"
}
resource "terraform_data" "db" {
  input = "\${var.greeting}-\${var.size}"
}
resource "random_pet" "name" {
  keepers = { size = var.size }
}
resource "terraform_data" "key" {
  input = sha256(var.api_key)
}
${cache ? 'resource "null_resource" "cache" {\n  triggers = { fixed = "yes" }\n}\n' : ""}
output "db" {
  value = terraform_data.db.output
}
`;

const BROKEN = 'resource "terraform_data" "db" {\n  input = \n}\n';

/** Valid HCL that makes tofu quote the secret variable's value in its error. */
const QUOTES_SECRET = `
variable "greeting" {
  type = string
}
variable "api_key" {
  type = string
}
resource "terraform_data" "db" {
  input = tonumber(var.api_key)
}
`;

/** When the Stack's last real plan was made. */
function planMadeAt(status: { lastPlan?: unknown } | undefined): string {
  return (status?.lastPlan as { createdAt?: string } | undefined)?.createdAt ?? "";
}

/** A module that reads a file of the controller's host: only an unconfined tofu can. */
const READS_HOST = (file: string) => `
variable "greeting" {
  type = string
}
variable "api_key" {
  type = string
}
resource "terraform_data" "db" {
  input = file(${JSON.stringify(file)})
}
`;

interface Snapshot {
  lastPlan: unknown;
  lastApply: unknown;
  conditions: unknown;
  planSecrets: string;
  state: string;
  leaseVersion: string;
  leaseHolder: string;
}

describe("Stack previews: a pull request's plan, read-only", () => {
  let git: GitServer;
  let controller: RunningController;
  let client: KubeClient;
  let projects: ProjectCache;
  let planner: StackPreviewPlans;
  let deps: StackPreviewPlansDeps;
  let base: string;
  let workRoot: string;
  let headB = "";
  let headBroken = "";
  let headQuotes = "";
  let headReadsHost = "";
  const ns = `preview-stack-${Date.now().toString(36)}`;
  const stateSecret = `tfstate-default-${ns}.net`;

  before(async () => {
    await ensureInstalled();
    await createStackNamespace(ns);
    await kubectlOk([
      "create",
      "secret",
      "generic",
      "net-secrets",
      "-n",
      ns,
      `--from-literal=api_key=${SECRET_VALUE}`,
    ]);
    base = await mkdtemp(join(tmpdir(), "mooring-preview-stack-"));
    workRoot = join(base, "runs");
    await mkdir(workRoot);
    await writeFile(join(base, "host-only.txt"), "the controller's own file");
    git = await startGitServer();
    // The Stack follows `release`; the pull request's commits go to main.
    const a = await git.createRepo("infra", { "net/main.tf": MODULE("small", true) }, "net module");
    await git.branch("infra", "release", a);
    headB = await git.commit("infra", { "net/main.tf": MODULE("large", false) }, "bigger, no cache");
    headBroken = await git.commit("infra", { "net/main.tf": BROKEN }, "typo");
    headQuotes = await git.commit("infra", { "net/main.tf": QUOTES_SECRET }, "number key");
    headReadsHost = await git.commit(
      "infra",
      { "net/main.tf": READS_HOST(join(base, "host-only.txt")) },
      "read a host file",
    );
    controller = await startController();

    const config = loadConfig({ kubeconfig: runSandboxKubeconfig() });
    client = new KubeClient(config.credentials);
    const { server, caPem, insecureSkipTlsVerify } = config.credentials;
    const apiServer: ApiServer = {
      server,
      ...(caPem ? { caPem } : {}),
      ...(insecureSkipTlsVerify ? { insecureSkipTlsVerify } : {}),
    };
    projects = new ProjectCache(client, { namespace: "mooring" });
    projects.start();
    deps = {
      client,
      sources: new SourceResolver(new GitSource({ cacheDir: join(base, "git") })),
      apiServer,
      cliConfigFile: await writeProviderCliConfig(join(base, "tofu.tfrc"), providerMirrors(runEnv())),
      folders: new RunFolders(workRoot, apiServer),
      sandbox: { unsafeUnsandboxed: false, providerMirrors: providerMirrors(runEnv()) },
      projects,
      controllerNamespace: "mooring",
    };
    planner = new StackPreviewPlans(deps);
  });

  after(async () => {
    projects?.stop();
    client?.close();
    await controller?.stop();
    await git?.close();
    await kubectl(["delete", "namespace", ns, "--wait=false", "--ignore-not-found"]);
    if (base) await rm(base, { recursive: true, force: true });
  });

  async function applyStack(name: string, spec: Record<string, unknown>): Promise<void> {
    await kubectlOk(["apply", "-f", "-"], {
      input: JSON.stringify({
        apiVersion: "mooring.dev/v1alpha1",
        kind: "Stack",
        metadata: { name, namespace: ns },
        spec: {
          source: { repoURL: git.url("infra"), targetRevision: "release", path: "net" },
          vars: { greeting: "hi" },
          varsFrom: [{ kind: "Secret", name: "net-secrets" }],
          ...spec,
        },
      }),
    });
  }

  async function stackObject(name: string): Promise<Stack> {
    return JSON.parse(await kubectlOk(["get", "stack", name, "-n", ns, "-o", "json"])) as Stack;
  }

  /** The state lock's Lease: its version (any lock or unlock moves it) and who holds it. */
  async function stateLock(): Promise<{ version: string; holder: string }> {
    const lease = JSON.parse(
      await kubectlOk(["get", "lease", `lock-${stateSecret}`, "-n", ns, "-o", "json"]),
    ) as { metadata: { resourceVersion: string }; spec?: { holderIdentity?: string } };
    return { version: lease.metadata.resourceVersion, holder: lease.spec?.holderIdentity ?? "" };
  }

  async function snapshot(): Promise<Snapshot> {
    const stack = await stackObject("net");
    const lock = await stateLock();
    return {
      lastPlan: stack.status?.lastPlan,
      lastApply: stack.status?.lastApply,
      conditions: stack.status?.conditions?.map((c) => [c.type, c.status, c.reason]),
      planSecrets: await kubectlOk([
        "get",
        "secrets",
        "-n",
        ns,
        "-l",
        "mooring.dev/plan-id",
        "-o",
        "jsonpath={.items[*].metadata.name}",
      ]),
      state: await kubectlOk(["get", "secret", stateSecret, "-n", ns, "-o", "jsonpath={.data}"]),
      leaseVersion: lock.version,
      leaseHolder: lock.holder,
    };
  }

  function planned(preview: StackPreview): PlanSummary {
    assert.equal(preview.status, "planned", JSON.stringify(preview));
    if (preview.status !== "planned") throw new Error("unreachable");
    return preview.plan;
  }

  function planError(preview: StackPreview): string {
    assert.equal(preview.status, "plan-error", JSON.stringify(preview));
    if (preview.status !== "plan-error") throw new Error("unreachable");
    return preview.message;
  }

  it("plans the head's update, replacement and destroy without the lock, storing and applying nothing", async () => {
    await applyStack("net", { approvePlan: "auto" });
    await waitStack(
      ns,
      "net",
      "to apply commit A",
      (s) => s.status?.lastApply?.result === "succeeded" && condition(s, "Ready")?.status === "True",
      180_000,
    );
    const before = await snapshot();
    assert.equal(before.leaseHolder, "", "the lock is free before the preview");

    // Watch the lock while the preview plans: nobody may hold it.
    const holders = new Set<string>();
    let planning = true;
    const watching = (async () => {
      while (planning) {
        const { holder } = await stateLock();
        if (holder) holders.add(holder);
        await new Promise((r) => setTimeout(r, 150));
      }
    })();
    const preview = await planner.planStack(await stackObject("net"), headB).finally(() => {
      planning = false;
    });
    await watching;

    const plan = planned(preview);
    assert.deepEqual([preview.namespace, preview.name], [ns, "net"]);
    assert.deepEqual(plan.resources.map((r) => `${r.action} ${r.address}`).sort(), [
      "delete null_resource.cache",
      "replace random_pet.name",
      "update terraform_data.db",
    ]);
    assert.deepEqual(
      [plan.counts.add, plan.counts.change, plan.counts.destroy, plan.counts.replace],
      [1, 1, 2, 1],
    );
    assert.deepEqual(
      plan.outputs.map((o) => `${o.action} ${o.name}`),
      ["update db"],
    );
    assert.ok(!JSON.stringify(preview).includes(SECRET_VALUE), "no variable value in the preview");
    assert.ok(!JSON.stringify(preview).includes("hi-large"), "no planned value in the preview");

    assert.deepEqual([...holders], [], "the state lock stayed free during the preview");
    const afterPreview = await snapshot();
    assert.deepEqual(
      afterPreview,
      before,
      "no lock taken, no plan stored, no status change, state unchanged",
    );
    assert.deepEqual(await readdir(workRoot), [], "the preview's run folder is thrown away");

    // A real run right after the preview, and another at the same time as a second preview: both plan.
    const refresh = async (previous: string) => {
      await kubectlOk(["annotate", "stack", "net", "-n", ns, "mooring.dev/refresh=normal", "--overwrite"]);
      return waitStack(
        ns,
        "net",
        "to plan again",
        (s) => planMadeAt(s.status) > previous && condition(s, "Ready")?.status === "True",
        120_000,
      );
    };
    const realAfter = await refresh(planMadeAt(before));
    assert.equal(realAfter.status?.lastPlan?.pending, false, "release is still commit A: nothing to do");
    const [again, realMeanwhile] = await Promise.all([
      planner.planStack(await stackObject("net"), headB),
      refresh(planMadeAt(realAfter.status)),
    ]);
    assert.deepEqual(planned(again).counts, plan.counts);
    assert.equal(condition(realMeanwhile, "Ready")?.status, "True");
    const end = await snapshot();
    assert.equal(end.leaseHolder, "", "the lock is free at the end");
    assert.equal(end.state, before.state, "nothing was applied");
    assert.deepEqual(end.lastApply, before.lastApply);
    assert.equal(end.planSecrets, "");
  });

  it("reports a head that does not parse, naming the file, and never a variable's value", async () => {
    const stack = await stackObject("net");
    const broken = planError(await planner.planStack(stack, headBroken));
    assert.match(broken, /main\.tf/);
    assert.ok(!broken.includes(SECRET_VALUE), broken);

    // tofu quotes the value converting it to a number: the message keeps the error, not the value.
    const quoted = planError(await planner.planStack(stack, headQuotes));
    assert.match(quoted, /number/);
    assert.ok(quoted.includes("***"), quoted);
    assert.ok(!quoted.includes(SECRET_VALUE), quoted);
    assert.deepEqual(await readdir(workRoot), []);
  });

  it("runs the head in the Stack's sandbox: a file of the controller's host is out of its reach", async () => {
    const stack = await stackObject("net");
    const confined = planError(await planner.planStack(stack, headReadsHost));
    assert.match(confined, /host-only\.txt/);
    assert.ok(!confined.includes("the controller's own file"), confined);
    // The same head, unconfined (--unsafe-unsandboxed-stacks), reads it: the sandbox made the difference.
    const unconfined = new StackPreviewPlans({
      ...deps,
      sandbox: { unsafeUnsandboxed: true, providerMirrors: deps.sandbox.providerMirrors },
    });
    const read = planned(await unconfined.planStack(stack, headReadsHost));
    assert.ok(
      read.resources.some((r) => r.action === "update" && r.address === "terraform_data.db"),
      JSON.stringify(read.resources),
    );
    assert.deepEqual(await readdir(workRoot), []);
  });

  it("says why a Stack cannot be planned: no ServiceAccount, no project, no sandbox", async () => {
    await applyStack("ghost", { serviceAccountName: "nobody" });
    const ghost = planError(await planner.planStack(await stackObject("ghost"), headB));
    assert.match(ghost, /ServiceAccount .*nobody.* does not exist/);

    await applyStack("orphan", { project: "no-such-project" });
    const orphan = planError(await planner.planStack(await stackObject("orphan"), headB));
    assert.match(orphan, /project no-such-project does not exist/);

    // A host where the sandbox cannot start (the probe real hosts answer, made to say no).
    const unconfinable = new StackPreviewPlans({
      ...deps,
      sandbox: {
        unsafeUnsandboxed: false,
        providerMirrors: deps.sandbox.providerMirrors,
        probe: async () => ({ ok: false, reason: "user namespaces are disabled" }),
      },
    });
    const refused = planError(await unconfinable.planStack(await stackObject("net"), headB));
    assert.match(refused, /cannot run sandboxed.*--unsafe-unsandboxed-stacks/s);
    assert.deepEqual(await readdir(workRoot), []);
  });
});
