import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { setTimeout as sleep } from "node:timers/promises";
import { KeyedLock } from "./lock.ts";

describe("KeyedLock", () => {
  it("runs work on one key one at a time, in arrival order", async () => {
    const lock = new KeyedLock();
    const events: string[] = [];
    const job = (name: string, ms: number) =>
      lock.run("repo", async () => {
        events.push(`start ${name}`);
        await sleep(ms);
        events.push(`end ${name}`);
        return name;
      });
    const results = await Promise.all([job("a", 30), job("b", 1), job("c", 10)]);
    assert.deepEqual(results, ["a", "b", "c"]);
    assert.deepEqual(events, ["start a", "end a", "start b", "end b", "start c", "end c"]);
  });

  it("runs work on different keys at the same time", async () => {
    const lock = new KeyedLock();
    let running = 0;
    let most = 0;
    const job = (key: string) =>
      lock.run(key, async () => {
        running++;
        most = Math.max(most, running);
        await sleep(20);
        running--;
      });
    await Promise.all([job("a"), job("b"), job("c")]);
    assert.equal(most, 3);
  });

  it("goes on with the next call after one fails", async () => {
    const lock = new KeyedLock();
    const failing = lock.run("repo", async () => {
      throw new Error("boom");
    });
    const next = lock.run("repo", async () => "ok");
    await assert.rejects(failing, /boom/);
    assert.equal(await next, "ok");
  });

  it("forgets a key once its work is done", async () => {
    const lock = new KeyedLock();
    await lock.run("repo", async () => {});
    await sleep(0);
    assert.equal(lock.size, 0);
  });
});
