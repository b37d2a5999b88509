import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { GitError } from "../git/errors.ts";
import { KubeApiError } from "../kube/client.ts";
import { TofuError } from "../terraform/runner.ts";
import { failureSource, StackError } from "./stack-errors.ts";
import { forbiddenAs } from "./stack-identity.ts";
import { BackendOverrideError, WorkdirError } from "./stack-workdir.ts";

const account = { namespace: "team-a", name: "tofu", source: "spec.serviceAccountName" as const };

describe("where a Stack's failure came from", () => {
  it("knows each kind of error by its own code", () => {
    assert.deepEqual(failureSource(new StackError("plan-missing", "m")), {
      from: "stack",
      code: "plan-missing",
    });
    assert.deepEqual(
      failureSource(new TofuError({ code: "timeout", stackRef: "a/b", command: "plan", message: "m" })),
      {
        from: "tofu",
        code: "timeout",
      },
    );
    assert.deepEqual(failureSource(new GitError("unreachable", "m", "https://x")), {
      from: "git",
      code: "unreachable",
    });
    assert.deepEqual(failureSource(new BackendOverrideError("m")), {
      from: "stack",
      code: "backend-override",
    });
    assert.deepEqual(failureSource(new WorkdirError("m")), { from: "workdir" });
    assert.deepEqual(failureSource(new KubeApiError(403, "Forbidden", "m")), { from: "kube", status: 403 });
    assert.deepEqual(failureSource(new Error("m")), { from: "unknown" });
  });
});

describe("a 403 met as the Stack's account", () => {
  it("becomes a refusal naming the account and what it may not do; anything else passes through", () => {
    const refused = forbiddenAs(
      new KubeApiError(403, "Forbidden", "get Secret/x: forbidden"),
      "team-a/db",
      account,
      "get Secret team-a/x",
    );
    assert.ok(refused instanceof StackError);
    assert.equal(refused.code, "forbidden");
    assert.match(
      refused.message,
      /Stack team-a\/db runs as system:serviceaccount:team-a:tofu, which may not get Secret team-a\/x/,
    );
    const missing = new KubeApiError(404, "NotFound", "gone");
    assert.equal(forbiddenAs(missing, "team-a/db", account, "x"), missing);
  });
});
