import assert from "node:assert/strict";
import { it } from "node:test";
import { runCommand } from "./exec.ts";

it("stops a program at its time limit, even when a grandchild holds its output open", async () => {
  const started = Date.now();
  const res = await runCommand("bash", ["-c", "sleep 5 & sleep 6"], { timeoutMs: 200 });
  assert.equal(res.code, 124);
  assert.ok(Date.now() - started < 2000);
});

it("interrupts first when asked, letting the program clean up before it exits", async () => {
  const script = 'trap "kill %1; echo cleaned up; exit 3" INT; sleep 5 & wait';
  const res = await runCommand("bash", ["-c", script], {
    timeoutMs: 200,
    interrupt: { signal: "SIGINT", graceMs: 3000 },
  });
  assert.equal(res.code, 124, "the timeout is still reported");
  assert.match(res.stdout, /cleaned up/);
  assert.match(res.stderr, /interrupted after 200 ms/);
});

/** True while a process with this pid exists. */
function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

it("stops a program soon after its run is cancelled, and says it was cancelled", async () => {
  const controller = new AbortController();
  const started = Date.now();
  setTimeout(() => controller.abort(), 100);
  const res = await runCommand("bash", ["-c", "echo $$; exec sleep 30"], { signal: controller.signal });
  assert.equal(res.code, 130);
  assert.equal(res.aborted, true);
  assert.match(res.stderr, /cancelled/);
  assert.ok(Date.now() - started < 2000, `took ${Date.now() - started} ms`);
  // SIGKILL is delivered at once; the pid disappears once this process has reaped the child.
  const pid = Number(res.stdout.trim());
  for (let i = 0; i < 50 && alive(pid); i++) await new Promise((r) => setTimeout(r, 20));
  assert.equal(alive(pid), false, "the program is gone");
});

it("interrupts a cancelled program first when asked, and kills it once the grace is over", async () => {
  const polite = new AbortController();
  setTimeout(() => polite.abort(), 100);
  const cleaned = await runCommand(
    "bash",
    ["-c", 'trap "kill %1; echo cleaned up; exit 3" INT; sleep 5 & wait'],
    {
      signal: polite.signal,
      interrupt: { signal: "SIGINT", graceMs: 3000 },
    },
  );
  assert.equal(cleaned.aborted, true);
  assert.match(cleaned.stdout, /cleaned up/);
  assert.match(cleaned.stderr, /interrupted: its run was cancelled/);

  const stubborn = new AbortController();
  setTimeout(() => stubborn.abort(), 100);
  const started = Date.now();
  const killed = await runCommand("bash", ["-c", 'trap "" INT; sleep 30'], {
    signal: stubborn.signal,
    interrupt: { signal: "SIGINT", graceMs: 300 },
  });
  assert.equal(killed.aborted, true);
  assert.match(killed.stderr, /stopped: its run was cancelled/);
  assert.ok(Date.now() - started < 2000, `took ${Date.now() - started} ms`);
});

it("starts nothing when the run was cancelled before it began", async () => {
  const controller = new AbortController();
  controller.abort();
  const res = await runCommand("bash", ["-c", "echo $$; sleep 30"], { signal: controller.signal });
  assert.equal(res.code, 130);
  assert.equal(res.aborted, true);
  assert.equal(res.stdout, "", "the program never ran");
});

it("a cancellation after the program ended changes nothing", async () => {
  const controller = new AbortController();
  const res = await runCommand("true", [], { signal: controller.signal });
  controller.abort();
  assert.equal(res.code, 0);
  assert.equal(res.aborted, undefined);
});

it("kills a program that writes more than its output limit and says so", async () => {
  const started = Date.now();
  const res = await runCommand("yes", ["manifest"], { maxOutputBytes: 1024 * 1024 });
  assert.equal(res.code, 125);
  assert.equal(res.outputLimited, true);
  assert.ok(res.stdout.length <= 1024 * 1024, `kept ${res.stdout.length} bytes`);
  assert.match(res.stderr, /yes was stopped: it wrote more than 1048576 bytes of output/);
  assert.ok(Date.now() - started < 5000);
});

it("leaves a program within its output limit alone", async () => {
  const res = await runCommand("printf", ["hello"], { maxOutputBytes: 5 });
  assert.equal(res.code, 0);
  assert.equal(res.stdout, "hello");
  assert.equal(res.outputLimited, undefined);
});

it("interrupts first at the output limit when asked, so the program can clean up", async () => {
  const res = await runCommand(
    "bash",
    ["-c", 'trap "echo cleaned >&2; exit 3" INT; while :; do echo spam; done'],
    {
      maxOutputBytes: 64 * 1024,
      interrupt: { signal: "SIGINT", graceMs: 2000 },
    },
  );
  assert.equal(res.outputLimited, true);
  assert.equal(res.code, 125);
  assert.match(res.stderr, /bash was interrupted: it wrote more than 65536 bytes of output/);
});
