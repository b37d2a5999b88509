import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { SerialJobs, Superseded } from "./serial-jobs.ts";

describe("one pull request's jobs", () => {
  it("runs jobs one at a time, in order", async () => {
    const seen: string[] = [];
    const jobs = new SerialJobs(new AbortController().signal, { failed: async () => {} });
    for (const name of ["a", "b", "c"])
      jobs.add(false, async () => {
        seen.push(`${name} start`);
        await new Promise((r) => setImmediate(r));
        seen.push(`${name} end`);
      });
    await jobs.settled;
    assert.deepEqual(seen, ["a start", "a end", "b start", "b end", "c start", "c end"]);
  });

  it("aborts the job under way and skips queued ones when a newer one supersedes them", async () => {
    const ran: string[] = [];
    let superseded = 0;
    const jobs = new SerialJobs(new AbortController().signal, {
      failed: async () => assert.fail("a superseded job is not a failure"),
      superseded: () => {
        superseded += 1;
      },
    });
    const started = Promise.withResolvers<void>();
    jobs.add(true, async (signal, isCurrent) => {
      ran.push("old");
      started.resolve();
      await new Promise((resolve) => signal.addEventListener("abort", resolve));
      assert.equal(isCurrent(), false);
      throw new Superseded();
    });
    jobs.add(false, async () => {
      ran.push("queued behind old");
    });
    await started.promise;
    jobs.add(true, async (_signal, isCurrent) => {
      ran.push(`new ${isCurrent()}`);
    });
    await jobs.settled;
    assert.deepEqual(ran, ["old", "new true"]);
    assert.equal(superseded, 1);
  });

  it("hands a failure to the outcome, and runs nothing once stopped", async () => {
    const stop = new AbortController();
    const failures: string[] = [];
    const jobs = new SerialJobs(stop.signal, {
      failed: async (err, isCurrent) => {
        failures.push(`${(err as Error).message} ${isCurrent()}`);
      },
    });
    jobs.add(true, async () => {
      throw new Error("git unreachable");
    });
    await jobs.settled;
    assert.deepEqual(failures, ["git unreachable true"]);
    stop.abort();
    let ran = false;
    jobs.add(true, async () => {
      ran = true;
    });
    await jobs.settled;
    assert.equal(ran, false);
  });
});
