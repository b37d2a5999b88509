// The runner against the real tofu of the toolchain, with the built-in terraform_data resource
// (no providers) and local state in a temporary folder.
import assert from "node:assert/strict";
import { existsSync } from "node:fs";
import { mkdir, mkdtemp, readdir, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { summarisePlan } from "../core/stack/plan.ts";
import { planId } from "../core/stack/plan-id.ts";
import { hostSandbox, type Sandbox } from "../isolation/sandbox.ts";
import { runCommand } from "../util/exec.ts";
import { sha256Hex } from "./hash.ts";
import { TofuError, TofuRunner, type TofuRunnerOptions } from "./runner.ts";
import { readSavedPlan } from "./saved-plan.ts";

const SECRET = "s3cr3t-tok3n-value";
const MODULE = `
variable "name" {
  type = string
}
variable "replicas" {
  type    = number
  default = 1
}
# Not marked sensitive: tofu prints its value, so only scrubbing keeps it out of logs.
variable "token" {
  type    = string
  default = "none"
}
variable "leak" {
  type    = string
  default = "not leaked"
}
resource "terraform_data" "app" {
  input = { name = var.name, replicas = var.replicas }
}
resource "terraform_data" "token" {
  input = var.token
}
output "name" {
  value = terraform_data.app.output.name
}
output "token" {
  value     = terraform_data.token.output
  sensitive = true
}
output "leak" {
  value = var.leak
}
`;

let work: string;
let cliConfigFile: string;

before(async () => {
  work = await mkdtemp(join(tmpdir(), "mooring-runner-"));
  cliConfigFile = join(work, "cli.tfrc");
  await writeFile(cliConfigFile, "# terraform_data is built in: no provider installation\n");
});
after(async () => {
  await rm(work, { recursive: true, force: true });
});

async function moduleDir(name: string, extra: Record<string, string> = {}): Promise<string> {
  const dir = join(work, name);
  await mkdir(dir, { recursive: true });
  await writeFile(join(dir, "main.tf"), MODULE);
  await writeFile(join(dir, "vars.tfvars.json"), JSON.stringify({ name: "web", replicas: "3" }));
  for (const [file, text] of Object.entries(extra)) await writeFile(join(dir, file), text);
  return dir;
}

function runner(name: string, options: Partial<TofuRunnerOptions> = {}): TofuRunner {
  return new TofuRunner({
    stack: `test/${name}`,
    cliConfigFile,
    homeDir: join(work, `${name}-home`),
    env: { TF_VAR_token: SECRET },
    timeoutMs: 120_000,
    ...options,
  });
}

async function rejectsWith(promise: Promise<unknown>): Promise<TofuError> {
  try {
    await promise;
  } catch (err) {
    assert.ok(err instanceof TofuError, `expected a TofuError, got ${err}`);
    return err;
  }
  assert.fail("expected the command to fail");
}

describe("TofuRunner", () => {
  it("plans, shows, applies exactly the plan, and then finds nothing to change", async () => {
    const dir = await moduleDir("lifecycle");
    const tofu = runner("lifecycle");
    await tofu.init(dir);

    const first = await tofu.plan(dir, { out: "plan.bin", varFile: "vars.tfvars.json" });
    assert.equal(first.changes, true);
    assert.ok(existsSync(first.planFile));
    const saved = await readSavedPlan(first.planFile);
    const summary = summarisePlan(saved);
    assert.equal(summary.counts.add, 2);
    assert.deepEqual(
      summary.resources.map((r) => `${r.action} ${r.address}`),
      ["create terraform_data.app", "create terraform_data.token"],
    );

    // Planning the same thing again yields the same content, hence the same id.
    const inputs = {
      revision: "abc",
      path: ".",
      workspace: "default",
      purpose: "apply" as const,
    };
    const again = await tofu.plan(dir, { out: "again.bin", varFile: "vars.tfvars.json" });
    assert.equal(
      planId((await readSavedPlan(again.planFile)).identity, inputs, sha256Hex),
      planId(saved.identity, inputs, sha256Hex),
    );

    const applied = await tofu.apply(dir, first.planFile);
    assert.match(applied.log, /Apply complete! Resources: 2 added/);
    const outputs = await tofu.output(dir);
    assert.deepEqual(outputs.name, { value: "web", type: "string", sensitive: false });
    assert.equal(outputs.token?.sensitive, true);
    assert.equal(outputs.token?.value, SECRET);

    const second = await tofu.plan(dir, { out: "plan.bin", varFile: "vars.tfvars.json" });
    assert.equal(second.changes, false);
    assert.equal(summarisePlan(await readSavedPlan(second.planFile)).changes, false);
    // What tofu itself shows of the saved plan agrees with what Mooring read from the file.
    const shown = (await tofu.showJson(dir, first.planFile)) as { resource_changes: { address: string }[] };
    assert.deepEqual(
      shown.resource_changes.map((rc) => rc.address).sort(),
      summary.resources.map((r) => r.address),
    );
  });

  it("works in the workspace it is given, which the backend creates on first use", async () => {
    const dir = await moduleDir("workspace", {
      "ws.tf": 'output "workspace" {\n  value = terraform.workspace\n}\n',
    });
    const tofu = runner("workspace", { workspace: "blue" });
    await tofu.init(dir);
    const planned = await tofu.plan(dir, { out: "plan.bin", varFile: "vars.tfvars.json" });
    await tofu.apply(dir, planned.planFile);
    assert.equal((await tofu.output(dir)).workspace?.value, "blue");
    assert.ok(existsSync(join(dir, "terraform.tfstate.d", "blue", "terraform.tfstate")));
    assert.ok(!existsSync(join(dir, "terraform.tfstate")), "nothing in the default workspace");
  });

  it("passes backend settings through a file that is gone after init", async () => {
    const dir = await moduleDir("backend-config", { "backend.tf": 'terraform {\n  backend "local" {}\n}\n' });
    const tofu = runner("backend-config");
    await tofu.init(dir, { backendConfig: { path: join(dir, "elsewhere.tfstate") } });
    const planned = await tofu.plan(dir, { out: "plan.bin", varFile: "vars.tfvars.json" });
    await tofu.apply(dir, planned.planFile);
    assert.ok(existsSync(join(dir, "elsewhere.tfstate")));
    assert.ok(!existsSync(join(dir, "terraform.tfstate")));
    assert.deepEqual(
      (await readdir(join(work, "backend-config-home"))).filter((f) => f.endsWith(".tfbackend")),
      [],
    );
  });

  it("reports broken HCL as invalid-config naming the file and line, at init and at plan", async () => {
    const broken = 'resource "terraform_data" "broken" {\n  input = \n}\n';
    const dir = await moduleDir("broken-init", { "broken.tf": broken });
    const atInit = await rejectsWith(runner("broken-init").init(dir));
    assert.equal(atInit.code, "invalid-config");
    assert.match(atInit.message, /^tofu init failed for stack test\/broken-init/);
    assert.match(atInit.message, /Error: Invalid expression/);
    assert.match(atInit.message, /on broken\.tf line 2/);

    const later = await moduleDir("broken-plan");
    const tofu = runner("broken-plan");
    await tofu.init(later);
    await writeFile(join(later, "broken.tf"), broken);
    await writeFile(join(later, "plan.bin"), "an older plan that must not survive");
    const atPlan = await rejectsWith(tofu.plan(later, { out: "plan.bin", varFile: "vars.tfvars.json" }));
    assert.equal(atPlan.code, "invalid-config");
    assert.match(atPlan.message, /on broken\.tf line 2/);
    assert.ok(!existsSync(join(later, "plan.bin")), "a failed plan leaves no plan file");
  });

  it("refuses a variable the module does not declare, unless told to allow it", async () => {
    const dir = await moduleDir("unknown-var");
    await writeFile(join(dir, "typo.tfvars.json"), JSON.stringify({ name: "web", nmae: "typo" }));
    const tofu = runner("unknown-var");
    await tofu.init(dir);
    const err = await rejectsWith(tofu.plan(dir, { out: "plan.bin", varFile: "typo.tfvars.json" }));
    assert.equal(err.code, "invalid-config");
    assert.match(err.message, /variable "nmae" is set but not declared by the module/);
    assert.ok(!existsSync(join(dir, "plan.bin")));
    const allowed = await tofu.plan(dir, {
      out: "plan.bin",
      varFile: "typo.tfvars.json",
      allowUndeclaredVariables: true,
    });
    assert.equal(allowed.changes, true);
  });

  it("scrubs a secret env value tofu echoes from the log, the stream and errors", async () => {
    const dir = await moduleDir("scrub");
    const streamed: string[] = [];
    const tofu = runner("scrub", { onOutput: (text) => streamed.push(text) });
    await tofu.init(dir);
    const planned = await tofu.plan(dir, { out: "plan.bin", varFile: "vars.tfvars.json" });
    assert.match(planned.log, /input\s+= "\*\*\*"/, "the plan shows the value, masked");
    assert.ok(!planned.log.includes(SECRET));
    assert.ok(streamed.join("").includes("***"));
    assert.ok(!streamed.join("").includes(SECRET));

    await writeFile(
      join(dir, "check.tf"),
      `resource "terraform_data" "check" {
  input = var.token
  lifecycle {
    precondition {
      condition     = var.token == "something else"
      error_message = "token is wrong"
    }
  }
}
`,
    );
    const err = await rejectsWith(tofu.plan(dir, { out: "plan.bin", varFile: "vars.tfvars.json" }));
    assert.match(err.message, /var\.token is "\*\*\*"/, err.message);
    for (const text of [err.message, err.log, JSON.stringify(err.diagnostics), streamed.join("")]) {
      assert.ok(!text.includes(SECRET));
    }
  });

  it("starts tofu with its own environment, never the controller's", async () => {
    const dir = await moduleDir("env");
    process.env.TF_VAR_leak = "leaked from the controller";
    try {
      const tofu = runner("env");
      await tofu.init(dir);
      const planned = await tofu.plan(dir, { out: "plan.bin", varFile: "vars.tfvars.json" });
      await tofu.apply(dir, planned.planFile);
      assert.equal((await tofu.output(dir)).leak?.value, "not leaked");
      const env = tofu.environment(dir);
      assert.equal(env.TF_CLI_CONFIG_FILE, cliConfigFile);
      assert.equal(env.TF_DATA_DIR, join(dir, ".terraform"));
      assert.equal(env.HOME, join(work, "env-home"));
      assert.ok(!("TF_VAR_leak" in env));
    } finally {
      delete process.env.TF_VAR_leak;
    }
  });

  it("ignores reserved names in the Stack's environment", () => {
    const tofu = runner("reserved", {
      env: { TF_CLI_CONFIG_FILE: "/evil", TF_LOG: "TRACE", AWS_REGION: "eu-west-1" },
    });
    const env = tofu.environment(work);
    assert.equal(env.TF_CLI_CONFIG_FILE, cliConfigFile);
    assert.ok(!("TF_LOG" in env));
    assert.equal(env.AWS_REGION, "eu-west-1");
  });

  it("stops a command that outlives its time limit and says so", async () => {
    const dir = await moduleDir("timeout");
    const tofu = runner("timeout");
    await tofu.init(dir);
    const err = await rejectsWith(
      tofu.plan(dir, { out: "plan.bin", varFile: "vars.tfvars.json", timeoutMs: 5 }),
    );
    assert.equal(err.code, "timeout");
    assert.match(err.message, /tofu plan for stack test\/timeout was stopped after 5ms/);
    assert.ok(!existsSync(join(dir, "plan.bin")));
  });

  it("says clearly when tofu cannot be started", async () => {
    const dir = await moduleDir("missing");
    const err = await rejectsWith(runner("missing", { binary: join(work, "no-such-tofu") }).init(dir));
    assert.equal(err.code, "init-failed");
    assert.match(err.message, /could not start .*no-such-tofu/);
  });

  it("adds little to raw tofu plan (median of 5)", async (t) => {
    const dir = await moduleDir("overhead");
    const tofu = runner("overhead");
    await tofu.init(dir);
    const first = await tofu.plan(dir, { out: "plan.bin", varFile: "vars.tfvars.json" });
    await tofu.apply(dir, first.planFile);
    const rawArgs = [
      "plan",
      "-input=false",
      "-no-color",
      "-detailed-exitcode",
      "-out=raw.bin",
      "-var-file=vars.tfvars.json",
    ];
    const raw: number[] = [];
    const ours: number[] = [];
    for (let i = 0; i < 5; i++) {
      let start = performance.now();
      const result = await runCommand(tofu.settings.binary, rawArgs, {
        cwd: dir,
        env: tofu.environment(dir),
      });
      raw.push(performance.now() - start);
      assert.equal(result.code, 0);
      start = performance.now();
      const planned = await tofu.plan(dir, { out: "plan.bin", varFile: "vars.tfvars.json" });
      ours.push(performance.now() - start);
      assert.equal(planned.changes, false);
    }
    const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[2] as number;
    const overhead = (median(ours) - median(raw)) / median(raw);
    t.diagnostic(
      `raw tofu plan ${median(raw).toFixed(1)} ms, runner ${median(ours).toFixed(1)} ms, overhead ${(overhead * 100).toFixed(1)}%`,
    );
    // A generous bound: catches a runner that does something slow, not scheduler noise.
    assert.ok(median(ours) - median(raw) < Math.max(100, median(raw)), "runner overhead out of bounds");
  });
});

describe("TofuRunner in the sandbox", () => {
  let sandbox: Sandbox;
  let folder: string;
  const outside = () => join(work, "controller-secret.txt");

  before(async () => {
    const probe = await hostSandbox({ network: true });
    assert.ok(probe.ok, probe.ok ? "" : probe.reason);
    sandbox = probe.sandbox;
    folder = join(work, "sandboxed");
    await mkdir(folder, { recursive: true });
    await writeFile(outside(), "MARKER-outside");
  });

  function confined(name: string, extra: Record<string, string> = {}) {
    const base = join(folder, name);
    const dir = join(base, "module");
    return {
      base,
      dir,
      make: async () => {
        await mkdir(dir, { recursive: true });
        for (const [file, text] of Object.entries({ "main.tf": MODULE, ...extra })) {
          await writeFile(join(dir, file), text);
        }
        await writeFile(join(dir, "vars.tfvars.json"), JSON.stringify({ name: "web" }));
      },
      tofu: runner(name, {
        homeDir: join(base, "home"),
        sandbox: { sandbox, readWrite: [base], readOnly: [] },
      }),
    };
  }

  it("plans and applies in its run folder", async () => {
    const run = confined("works");
    await run.make();
    await run.tofu.init(run.dir);
    const plan = await run.tofu.plan(run.dir, { out: "plan.bin", varFile: "vars.tfvars.json" });
    assert.equal(plan.changes, true);
    await run.tofu.apply(run.dir, plan.planFile);
    assert.equal((await run.tofu.output(run.dir)).name?.value, "web");
  });

  it("cannot read a file of the host outside its run folder", async () => {
    const run = confined("reader", { "steal.tf": `output "stolen" {\n  value = file("${outside()}")\n}\n` });
    await run.make();
    await run.tofu.init(run.dir);
    const err = await rejectsWith(run.tofu.plan(run.dir, { out: "plan.bin", varFile: "vars.tfvars.json" }));
    assert.match(err.message, /no file exists/i);
    assert.doesNotMatch(err.message + err.log, /MARKER-outside/);
  });

  it("gets its interrupt itself at the time limit, so it stops cleanly", async () => {
    const slow = `resource "terraform_data" "slow" {\n  provisioner "local-exec" {\n    command = "sleep 60"\n  }\n}\n`;
    const run = confined("interrupt", { "slow.tf": slow });
    await run.make();
    await run.tofu.init(run.dir);
    const plan = await run.tofu.plan(run.dir, { out: "plan.bin", varFile: "vars.tfvars.json" });
    const started = performance.now();
    const err = await rejectsWith(run.tofu.apply(run.dir, plan.planFile, { timeoutMs: 3000 }));
    assert.equal(err.code, "timeout");
    assert.match(err.log, /Interrupt received/);
    assert.ok(
      performance.now() - started < 25_000,
      "tofu stopped on the interrupt, not at the kill after the grace",
    );
  });
});
