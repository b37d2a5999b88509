import assert from "node:assert/strict";
import { existsSync } from "node:fs";
import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { BackendOverrideError, RunFolders, WorkdirError } from "./stack-workdir.ts";

let root: string;
let checkout: string;
const stack = { namespace: "infra", name: "db" };

before(async () => {
  root = await mkdtemp(join(tmpdir(), "mooring-workdir-test-"));
  checkout = join(root, "checkout");
  await mkdir(join(checkout, "mod"), { recursive: true });
  await writeFile(join(checkout, "mod", "main.tf"), 'resource "terraform_data" "a" {}\n');
});

after(() => rm(root, { recursive: true, force: true }));

function folders(name: string): RunFolders {
  return new RunFolders(join(root, name), { server: "https://127.0.0.1:1" });
}

const open = (f: RunFolders, key: string, tfvars = '{"a":1}') =>
  f.open({ stack, key, checkout, path: "mod", tfvars });

describe("RunFolders", () => {
  it("keeps a folder, initialized, for the next run at the same key — without variables or plans", async () => {
    const f = folders("keep");
    const first = await open(f, "rev1");
    assert.equal(first.initialized, false);
    assert.equal(await readFile(join(first.moduleDir, first.varFile), "utf8"), '{"a":1}');
    assert.ok(existsSync(join(first.moduleDir, "_mooring_backend_override.tf")));
    await writeFile(join(first.moduleDir, "mooring.tfplan"), "plan");
    await f.release(first, { ok: true });
    assert.ok(!existsSync(join(first.moduleDir, first.varFile)), "the variables file (secrets) is gone");
    assert.ok(!existsSync(join(first.moduleDir, "mooring.tfplan")), "plan files are gone");

    const second = await open(f, "rev1", '{"a":2}');
    assert.equal(second.moduleDir, first.moduleDir);
    assert.equal(second.initialized, true);
    assert.equal(await readFile(join(second.moduleDir, second.varFile), "utf8"), '{"a":2}');
    await f.release(second, { ok: true });

    const third = await open(f, "rev2");
    assert.notEqual(third.moduleDir, first.moduleDir);
    assert.equal(third.initialized, false);
    assert.ok(!existsSync(first.root), "the folder of the older commit is removed");
    await f.release(third, { ok: true });
  });

  it("throws away the folder of a failed run, and of a Stack that is gone", async () => {
    const f = folders("failed");
    const first = await open(f, "rev1");
    await f.release(first, { ok: false });
    assert.ok(!existsSync(first.root));
    const again = await open(f, "rev1");
    assert.equal(again.initialized, false);
    await f.release(again, { ok: true });
    await f.forget(stack);
    assert.ok(!existsSync(again.root));
  });

  it("makes a new folder when the kept one was removed from disk", async () => {
    const f = folders("vanished");
    const first = await open(f, "rev1");
    await f.release(first, { ok: true });
    await rm(join(first.root, ".."), { recursive: true, force: true });
    const second = await open(f, "rev1");
    assert.equal(second.initialized, false);
    assert.ok(existsSync(join(second.moduleDir, second.varFile)));
    await f.release(second, { ok: true });
  });

  it("sweeps folders an earlier process left, and refuses a path outside the repository", async () => {
    const parent = join(root, "sweep");
    await mkdir(join(parent, "infra.old-abc123", "repo"), { recursive: true });
    const f = new RunFolders(parent, { server: "https://127.0.0.1:1" });
    const work = await open(f, "rev1");
    assert.deepEqual(
      (await readdir(parent)).filter((n) => n.startsWith("infra.old")),
      [],
      "the leftover is gone",
    );
    await f.release(work, { ok: true });
    await assert.rejects(
      f.open({ stack: { namespace: "infra", name: "x" }, key: "k", checkout, path: "../..", tfvars: "{}" }),
      WorkdirError,
    );
  });

  it("refuses a module whose override file redefines the backend, and leaves no folder behind", async () => {
    const evil = join(root, "evil-checkout");
    await mkdir(evil, { recursive: true });
    await writeFile(join(evil, "main.tf"), 'resource "terraform_data" "a" {}\n');
    await writeFile(
      join(evil, "zz_override.tf"),
      'terraform {\n  backend "local" {\n    path = "/tmp/stolen"\n  }\n}\n',
    );
    const parent = join(root, "evil");
    const f = new RunFolders(parent, { server: "https://127.0.0.1:1" });
    const err = await f.open({ stack, key: "k", checkout: evil, path: "", tfvars: "{}" }).then(
      () => assert.fail("the module should be refused"),
      (e: unknown) => e,
    );
    assert.ok(err instanceof BackendOverrideError);
    assert.match(String(err), /stack infra\/db: zz_override\.tf declares a backend block/);
    assert.deepEqual(await readdir(parent), []);
  });

  it("points the backend at a kubeconfig of the run's own that holds no credentials", async () => {
    const f = new RunFolders(join(root, "cluster"), { server: "https://10.0.0.1:6443", caPem: "CA" });
    const work = await open(f, "rev1");
    const override = await readFile(join(work.moduleDir, "_mooring_backend_override.tf"), "utf8");
    const clusterFile = join(work.root, "..", "cluster.kubeconfig");
    assert.match(override, new RegExp(`config_path\\s+= "${clusterFile.replaceAll("/", "\\/")}"`));
    assert.doesNotMatch(override, /\btoken\b/);
    const config = JSON.parse(await readFile(clusterFile, "utf8"));
    assert.equal(config.clusters[0].cluster.server, "https://10.0.0.1:6443");
    assert.deepEqual(config.users, [{ name: "stack", user: {} }]);
    await f.release(work, { ok: true });
  });
});

describe("RunFolders within the disk budget", () => {
  it("offers kept folders to the garbage collector, never one a run uses, and forgets one it removed", async () => {
    const f = folders("budget");
    const idle = await f.open({
      stack: { namespace: "infra", name: "idle" },
      key: "r1",
      checkout,
      path: "mod",
      tfvars: "{}",
    });
    await f.release(idle, { ok: true });
    const busy = await f.open({
      stack: { namespace: "infra", name: "busy" },
      key: "r1",
      checkout,
      path: "mod",
      tfvars: "{}",
    });
    const offered = f.keptFolders();
    assert.deepEqual(
      offered.map((k) => k.inUse),
      [false, true],
    );
    assert.ok((offered[0]?.lastUsedMs ?? 0) > 0, "a released folder knows when it was last used");
    await offered[1]?.remove();
    assert.ok(existsSync(busy.root), "a folder in use is never removed");
    await offered[0]?.remove();
    assert.ok(!existsSync(idle.root));
    const again = await f.open({
      stack: { namespace: "infra", name: "idle" },
      key: "r1",
      checkout,
      path: "mod",
      tfvars: "{}",
    });
    assert.equal(again.initialized, false, "the next run makes a fresh folder");
    await f.release(again, { ok: false });
    await f.release(busy, { ok: false });
  });
});
