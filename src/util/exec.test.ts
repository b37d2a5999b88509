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
