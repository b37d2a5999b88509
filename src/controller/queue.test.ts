import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { setTimeout as sleep } from "node:timers/promises";
import { jittered, WorkQueue } from "./queue.ts";

describe("WorkQueue", () => {
  it("collapses repeated adds of a waiting key into one run", async () => {
    const runs: string[] = [];
    const q = new WorkQueue(
      async (k) => {
        runs.push(k);
        return undefined;
      },
      () => {},
      { concurrency: 1 },
    );
    q.add("blocker");
    q.add("a");
    q.add("a");
    q.add("a");
    await q.idle();
    assert.deepEqual(runs, ["blocker", "a"]);
  });

  it("never runs one key twice at once, but runs it again when it was added during a run", async () => {
    let concurrent = 0;
    let maxConcurrent = 0;
    let runs = 0;
    const q = new WorkQueue(
      async () => {
        concurrent++;
        maxConcurrent = Math.max(maxConcurrent, concurrent);
        runs++;
        await sleep(20);
        concurrent--;
        return undefined;
      },
      () => {},
      { concurrency: 4 },
    );
    q.add("a");
    await sleep(5);
    q.add("a");
    q.add("a");
    await sleep(60);
    await q.idle();
    assert.equal(maxConcurrent, 1);
    assert.equal(runs, 2);
  });

  it("bounds how many keys run at once", async () => {
    let concurrent = 0;
    let maxConcurrent = 0;
    const q = new WorkQueue(
      async () => {
        concurrent++;
        maxConcurrent = Math.max(maxConcurrent, concurrent);
        await sleep(10);
        concurrent--;
        return undefined;
      },
      () => {},
      { concurrency: 3 },
    );
    for (let i = 0; i < 20; i++) q.add(`k${i}`);
    await q.idle();
    assert.equal(maxConcurrent, 3);
  });

  it("retries a failing key with growing delays and reports each failure", async () => {
    const times: number[] = [];
    const failures: number[] = [];
    const q = new WorkQueue(
      async () => {
        times.push(Date.now());
        if (times.length < 3) throw new Error("boom");
        return undefined;
      },
      (_k, _e, n) => failures.push(n),
      { baseDelayMs: 20 },
    );
    q.add("a");
    while (times.length < 3) await sleep(5);
    assert.deepEqual(failures, [1, 2]);
    const [t0 = 0, t1 = 0, t2 = 0] = times;
    assert.ok(t1 - t0 >= 18, `first retry after ~20 ms, was ${t1 - t0}`);
    assert.ok(t2 - t1 >= 38, `second retry after ~40 ms, was ${t2 - t1}`);
    await q.shutdown();
  });

  it("requeues after the delay a successful run asks for", async () => {
    let runs = 0;
    const q = new WorkQueue(
      async () => {
        runs++;
        return runs < 2 ? { requeueAfterMs: 10 } : undefined;
      },
      () => {},
    );
    q.add("a");
    await sleep(50);
    assert.equal(runs, 2);
    await q.shutdown();
  });

  it("forgets a key's delayed retry", async () => {
    let runs = 0;
    const q = new WorkQueue(
      async () => {
        runs++;
        throw new Error("x");
      },
      () => {},
      { baseDelayMs: 20 },
    );
    q.add("a");
    await sleep(5);
    q.forget("a");
    await sleep(50);
    assert.equal(runs, 1);
    await q.shutdown();
  });
});

it("spreads resync delays by at most ten percent either way", () => {
  assert.equal(
    jittered(1000, () => 0),
    900,
  );
  assert.equal(
    jittered(1000, () => 1),
    1100,
  );
  assert.equal(
    jittered(1000, () => 0.5),
    1000,
  );
});
