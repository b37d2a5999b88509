// The sandbox on this host, with real bubblewrap (a Debian package the toolchain installs).
import assert from "node:assert/strict";
import { mkdir, mkdtemp, readFile, rm, stat, writeFile } from "node:fs/promises";
import { createServer } from "node:http";
import { homedir, tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { runSandboxed } from "./run.ts";
import { hostSandbox, type Sandbox } from "./sandbox.ts";

let sandbox: Sandbox;
let work: string;
let outside: string;

before(async () => {
  const probe = await hostSandbox({ network: false });
  assert.ok(probe.ok, probe.ok ? "" : probe.reason);
  sandbox = probe.sandbox;
  work = await mkdtemp(join(tmpdir(), "mooring-sandbox-test-"));
  outside = join(work, "outside");
  await mkdir(join(work, "run"));
  await mkdir(join(work, "ro"));
  await writeFile(join(work, "ro", "input.txt"), "visible\n");
  await writeFile(outside, "MARKER-outside\n");
});

after(async () => {
  await rm(work, { recursive: true, force: true });
});

const sh = (
  script: string,
  network = false,
  extra: { env?: Record<string, string>; timeoutMs?: number } = {},
) =>
  runSandboxed(
    sandbox,
    { readWrite: [join(work, "run")], readOnly: [join(work, "ro")], network },
    "/bin/sh",
    ["-c", script],
    {
      cwd: join(work, "run"),
      env: { PATH: "/usr/bin:/bin", ...(extra.env ?? {}) },
      timeoutMs: extra.timeoutMs,
    },
  );

describe("runSandboxed", () => {
  it("lets the program write its run folder and read what is listed read-only", async () => {
    const result = await sh(`cat ${join(work, "ro", "input.txt")} > out.txt && pwd`);
    assert.equal(result.code, 0, result.stderr);
    assert.equal(result.stdout.trim(), join(work, "run"));
    assert.equal(await readFile(join(work, "run", "out.txt"), "utf8"), "visible\n");
    assert.equal(result.stderr, "", "bwrap's status lines are not the program's output");
    const loud = await sh("echo to-stderr >&2; exit 4");
    assert.equal(loud.code, 4);
    assert.equal(loud.stderr, "to-stderr\n", "the program's stderr reaches the caller");
  });

  it("refuses writes to read-only folders and hides everything not listed", async () => {
    const result = await sh(
      `touch ${join(work, "ro", "x")} 2>/dev/null && echo wrote-ro; ` +
        `cat ${outside} 2>/dev/null; ls ${homedir()} /var/run/secrets /etc/passwd 2>/dev/null; echo done`,
    );
    assert.equal(result.stdout.trim(), "done");
    await assert.rejects(stat(join(work, "ro", "x")));
  });

  it("runs as a uid of its own on the host when the controller is root, so its files are not root's", async (t) => {
    if (sandbox.drop !== "setuid") {
      t.skip("the controller is not root here: the user namespace is what separates the program");
      return;
    }
    const result = await sh("id -u; echo mine > owned.txt");
    assert.equal(result.code, 0, result.stderr);
    assert.equal(result.stdout.trim(), "65534");
    assert.equal((await stat(join(work, "run", "owned.txt"))).uid, 65534, "owned by 65534 on the host");
    // A root-only file inside a folder it may read stays closed to it.
    await writeFile(join(work, "ro", "root-only.txt"), "MARKER-root-only\n", { mode: 0o600 });
    const denied = await sh(`cat ${join(work, "ro", "root-only.txt")}`);
    assert.notEqual(denied.code, 0);
    assert.match(denied.stderr, /Permission denied/);
  });

  it("fails writes outside the writable folders and /tmp instead of letting them vanish", async () => {
    const result = await sh("echo x > /planted");
    assert.notEqual(result.code, 0);
    assert.match(result.stderr, /Read-only file system/);
    const scratch = await sh("echo x > /tmp/scratch && cat /tmp/scratch");
    assert.equal(scratch.stdout, "x\n");
  });

  it("passes only the environment it is given", async () => {
    process.env.MOORING_SANDBOX_TEST_SECRET = "leaked";
    try {
      const result = await sh("env", false, { env: { ONLY: "this" } });
      assert.match(result.stdout, /ONLY=this/);
      assert.doesNotMatch(result.stdout, /leaked/);
    } finally {
      delete process.env.MOORING_SANDBOX_TEST_SECRET;
    }
  });

  it("has no network when the mounts say so", async (t) => {
    let requests = 0;
    const server = createServer((_req, res) => {
      requests++;
      res.end("secret");
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    t.after(() => server.close());
    const port = (server.address() as { port: number }).port;
    // bash's /dev/tcp needs no tool that may be missing.
    const probe = `exec 3<>/dev/tcp/127.0.0.1/${port} && printf 'GET / HTTP/1.0\\r\\n\\r\\n' >&3 && cat <&3`;
    const offline = await runSandboxed(
      sandbox,
      { readWrite: [join(work, "run")], readOnly: [], network: false },
      "/bin/bash",
      ["-c", probe],
      { cwd: join(work, "run"), env: {} },
    );
    assert.notEqual(offline.code, 0);
    assert.equal(requests, 0);
    const online = await runSandboxed(
      sandbox,
      { readWrite: [join(work, "run")], readOnly: [], network: true },
      "/bin/bash",
      ["-c", probe],
      { cwd: join(work, "run"), env: {} },
    );
    assert.match(online.stdout, /secret/);
    assert.equal(requests, 1);
  });

  it("delivers the interrupt to the program itself, which can clean up before it exits", async () => {
    const script = `trap 'echo cleaned > cleaned; exit 3' INT; while :; do sleep 0.05; done`;
    const result = await runSandboxed(
      sandbox,
      { readWrite: [join(work, "run")], readOnly: [], network: false },
      "/bin/bash",
      ["-c", script],
      {
        cwd: join(work, "run"),
        env: { PATH: "/usr/bin:/bin" },
        timeoutMs: 500,
        interrupt: { signal: "SIGINT", graceMs: 5000 },
      },
    );
    assert.equal(result.code, 124);
    assert.match(result.stderr, /interrupted after 500 ms/);
    assert.equal(await readFile(join(work, "run", "cleaned"), "utf8"), "cleaned\n");
  });

  it("interrupts the program itself when it writes past the output cap", async () => {
    const script = `trap 'echo capped > capped; exit 3' INT; while :; do echo spam; done`;
    const result = await runSandboxed(
      sandbox,
      { readWrite: [join(work, "run")], readOnly: [], network: false },
      "/bin/bash",
      ["-c", script],
      {
        cwd: join(work, "run"),
        env: { PATH: "/usr/bin:/bin" },
        maxOutputBytes: 10_000,
        interrupt: { signal: "SIGINT", graceMs: 5000 },
      },
    );
    assert.equal(result.outputLimited, true);
    assert.equal(await readFile(join(work, "run", "capped"), "utf8"), "capped\n");
  });

  it("reports a run cancelled through its signal as aborted", async () => {
    const cancel = new AbortController();
    setTimeout(() => cancel.abort(), 300);
    const result = await runSandboxed(
      sandbox,
      { readWrite: [join(work, "run")], readOnly: [], network: false },
      "/bin/sleep",
      ["30"],
      { cwd: join(work, "run"), env: {}, signal: cancel.signal },
    );
    assert.equal(result.code, 130);
    assert.equal(result.aborted, true);
  });
});
