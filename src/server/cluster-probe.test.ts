import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { ClusterProber } from "./cluster-probe.ts";

function fakeProbe(answers: Record<string, string | Error>) {
  const calls: string[] = [];
  const probe = async (name: string) => {
    calls.push(name);
    const answer = answers[name];
    if (answer instanceof Error) throw answer;
    if (answer === undefined) throw new Error(`no answer for ${name}`);
    return answer;
  };
  return { probe, calls };
}

describe("cluster connection states", () => {
  it("answers reachable with the version, and unreachable with the reason instead of failing", async () => {
    const { probe } = fakeProbe({ a: "v1.36.3", b: new Error("connect ECONNREFUSED 127.0.0.1:9") });
    const prober = new ClusterProber(probe, { clock: () => 1_000 });
    const states = await prober.states(["a", "b"]);
    assert.deepEqual(states.get("a"), {
      state: "reachable",
      version: "v1.36.3",
      checkedAt: new Date(1_000).toISOString(),
    });
    assert.deepEqual(states.get("b"), {
      state: "unreachable",
      error: "connect ECONNREFUSED 127.0.0.1:9",
      checkedAt: new Date(1_000).toISOString(),
    });
  });

  it("serves a fresh answer without asking the cluster again", async () => {
    const { probe, calls } = fakeProbe({ a: "v1" });
    let now = 0;
    const prober = new ClusterProber(probe, { ttlMs: 30_000, clock: () => now });
    await prober.states(["a"]);
    now = 29_999;
    await prober.states(["a"]);
    assert.deepEqual(calls, ["a"]);
  });

  it("serves a stale answer at once and refreshes it in the background", async () => {
    const answers: Record<string, string | Error> = { a: "v1" };
    const { probe, calls } = fakeProbe(answers);
    let now = 0;
    const prober = new ClusterProber(probe, { ttlMs: 30_000, clock: () => now });
    await prober.states(["a"]);
    answers.a = "v2";
    now = 30_000;
    assert.equal((await prober.states(["a"])).get("a")?.version, "v1", "the stale answer, without waiting");
    await new Promise((resolve) => setImmediate(resolve));
    assert.equal((await prober.states(["a"])).get("a")?.version, "v2");
    assert.deepEqual(calls, ["a", "a"]);
  });

  it("waits for a first answer at most the timeout, then says it is still checking", async () => {
    const prober = new ClusterProber(() => new Promise<string>(() => {}), { timeoutMs: 10 });
    const states = await prober.states(["slow"]);
    assert.deepEqual(states.get("slow"), { state: "unknown", error: "checking the connection" });
  });

  it("shares one probe between concurrent requests", async () => {
    const { probe, calls } = fakeProbe({ a: "v1" });
    const prober = new ClusterProber(probe);
    await Promise.all([prober.states(["a"]), prober.states(["a"])]);
    assert.deepEqual(calls, ["a"]);
  });
});
