// User story: an auditor asks who widened a team's boundaries and who granted a role. Every change
// of a Project's rules or roles made with kubectl is in the audit trail: the project created with
// its roles, a destination widened with its value before and after, a user granted a role, the
// project deleted, each naming the field manager that made it.
import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import type { AuditRecord } from "../../src/core/audit/record.ts";
import { eventually, kubectl, kubectlOk, moor } from "../harness/cluster.ts";
import { ensureInstalled, type RunningController, startController } from "../harness/controller.ts";

const name = `audited-proj-${randomBytes(3).toString("hex")}`;
const warmUp = `${name}-warm-up`;

function project(namespaces: string, users: string[]): string {
  return `apiVersion: mooring.dev/v1alpha1
kind: Project
metadata: { name: ${name}, namespace: mooring }
spec:
  sourceRepos: ["*"]
  destinations: [{ server: "*", namespace: "${namespaces}" }]
  roles:
    - name: deployer
      users: [${users.join(", ")}]
`;
}

describe("audit trail: Project and role changes", () => {
  let controller: RunningController | undefined;
  let dir = "";
  let database = "";

  async function records(): Promise<AuditRecord[]> {
    const res = await moor([
      "audit",
      "list",
      "--database",
      database,
      "--project",
      name,
      "--kind",
      "project-changed,role-changed",
      "-o",
      "json",
    ]);
    assert.equal(res.code, 0, res.stderr);
    return (JSON.parse(res.stdout) as AuditRecord[]).reverse();
  }

  before(async () => {
    await ensureInstalled();
    dir = await mkdtemp(join(tmpdir(), "mooring-audit-projects-"));
    database = join(dir, "audit.db");
    controller = await startController({ args: ["--database", database] });
    // The first list of a leadership term is not a change; once a change of a warm-up project is
    // recorded, the leader's watch is running and every later change is seen.
    let round = 0;
    await eventually(
      "the leader's Project watch",
      async () => {
        round += 1;
        await kubectlOk(["apply", "-f", "-"], {
          input: `apiVersion: mooring.dev/v1alpha1
kind: Project
metadata: { name: ${warmUp}, namespace: mooring }
spec: { description: "round ${round}", sourceRepos: ["*"] }
`,
        });
        const res = await moor(["audit", "list", "--database", database, "--project", warmUp, "-o", "json"]);
        return res.code === 0 && (JSON.parse(res.stdout) as unknown[]).length > 0 ? true : undefined;
      },
      60_000,
    );
  });

  after(async () => {
    await controller?.stop();
    await kubectl(["delete", "project", name, warmUp, "-n", "mooring", "--ignore-not-found"]);
    await rm(dir, { recursive: true, force: true });
  });

  it("records the project created with its roles, naming kubectl as the manager", async () => {
    await kubectlOk(["apply", "-f", "-"], { input: project("team-a-*", ["alice"]) });
    await eventually("the project's creation in the trail", async () => {
      const found = await records();
      return found.some((r) => r.kind === "role-changed") ? found : undefined;
    }).then((found) => {
      const created = found.find((r) => r.kind === "project-changed");
      assert.equal(created?.details.change, "created");
      assert.match(String(created?.details.manager), /kubectl/);
      assert.equal(created?.actor.type, "controller");
      const roles = found.find((r) => r.kind === "role-changed")?.details.roles as Record<string, unknown>[];
      assert.deepEqual(roles, [{ role: "deployer", change: "added", usersAdded: ["alice"] }]);
    });
  });

  it("records a widened destination with before and after, and a user granted a role", async () => {
    await kubectlOk(["apply", "-f", "-"], { input: project("*", ["alice", "bob"]) });
    const found = await eventually("the changes in the trail", async () => {
      const all = await records();
      return all.filter((r) => r.details.change === "updated" || r.kind === "role-changed").length >= 3
        ? all
        : undefined;
    });
    const widened = found.find((r) => r.details.change === "updated");
    assert.deepEqual(widened?.details.fields, ["destinations"]);
    assert.deepEqual(widened?.details.before, { destinations: [{ server: "*", namespace: "team-a-*" }] });
    assert.deepEqual(widened?.details.after, { destinations: [{ server: "*", namespace: "*" }] });
    const granted = found.filter((r) => r.kind === "role-changed").at(-1);
    assert.deepEqual(granted?.details.roles, [{ role: "deployer", change: "updated", usersAdded: ["bob"] }]);
  });

  it("records nothing when only the status or labels change", async () => {
    const before = (await records()).length;
    await kubectlOk(["label", "project", name, "-n", "mooring", "audit-test=yes"]);
    await new Promise((resolve) => setTimeout(resolve, 3000));
    assert.equal((await records()).length, before);
  });

  it("records the project deleted with the spec it had", async () => {
    await kubectlOk(["delete", "project", name, "-n", "mooring"]);
    const deleted = await eventually("the deletion in the trail", async () =>
      (await records()).find((r) => r.details.change === "deleted"),
    );
    assert.deepEqual((deleted.details.spec as { destinations: unknown }).destinations, [
      { server: "*", namespace: "*" },
    ]);
  });
});
