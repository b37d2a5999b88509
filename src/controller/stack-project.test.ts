import assert from "node:assert/strict";
import { describe, it } from "node:test";
import type { Project, ProjectSpec } from "../core/project/project.ts";
import { type Stack, stackSpecDefaults } from "../core/stack/spec.ts";
import type { ProjectLookup, ProjectLookupResult } from "./projects.ts";
import { StackError } from "./stack-errors.ts";
import { enforceStackProject } from "./stack-project.ts";

const REPO = "https://git.example.com/team-a/infra.git";

function stack(namespace: string, spec: Partial<Stack["spec"]> & { project?: string } = {}): Stack {
  return {
    apiVersion: "mooring.dev/v1alpha1",
    kind: "Stack",
    metadata: { name: "db", namespace },
    spec: { source: { repoURL: REPO }, ...spec },
  };
}

/** Projects kept in memory, as the controller's cache would answer. */
function lookup(projects: Record<string, ProjectSpec>): ProjectLookup {
  return {
    async get(name: string, subject: string): Promise<ProjectLookupResult> {
      const spec = projects[name];
      if (!spec)
        return {
          found: false,
          reason: "ProjectNotFound",
          message: `${subject}: project ${name} does not exist`,
        };
      const project: Project = {
        apiVersion: "mooring.dev/v1alpha1",
        kind: "Project",
        metadata: { name, namespace: "mooring" },
        spec,
      };
      return { found: true, project };
    },
  };
}

const teamA: ProjectSpec = {
  sourceRepos: ["https://git.example.com/team-a/*"],
  destinations: [{ name: "in-cluster", namespace: "team-a" }],
  sourceNamespaces: ["team-a"],
  destinationServiceAccounts: [{ name: "in-cluster", namespace: "team-a", defaultServiceAccount: "tofu" }],
};

async function refusal(promise: Promise<unknown>): Promise<StackError> {
  const err = await promise.then(
    () => assert.fail("the Stack should be refused"),
    (e: unknown) => e,
  );
  assert.ok(err instanceof StackError, String(err));
  return err;
}

describe("a Stack's project, before anything is fetched", () => {
  const run = (s: Stack, projects = lookup({ "team-a": teamA })) =>
    enforceStackProject(projects, s, stackSpecDefaults(s.spec, s.metadata.namespace), "mooring");

  it("runs as the project's account for the namespace, or the one the Stack names", async () => {
    assert.deepEqual(await run(stack("team-a", { project: "team-a" })), {
      namespace: "team-a",
      name: "tofu",
      source: "project",
    });
    assert.deepEqual(await run(stack("team-a", { project: "team-a", serviceAccountName: "mine" })), {
      namespace: "team-a",
      name: "mine",
      source: "spec.serviceAccountName",
    });
  });

  it("refuses a missing project, a namespace, a repository or a destination the project does not allow", async () => {
    const missing = await refusal(run(stack("team-a", { project: "nope" })));
    assert.equal(missing.reason, "ProjectNotFound");
    const namespace = await refusal(run(stack("team-b", { project: "team-a" })));
    assert.equal(namespace.reason, "ProjectViolation");
    assert.match(namespace.message, /Stack team-b\/db/);
    assert.match(namespace.message, /sourceNamespaces/);
    const repo = await refusal(
      run(
        stack("team-a", {
          project: "team-a",
          source: { repoURL: "https://git.example.com.evil.io/team-a/x.git" },
        }),
      ),
    );
    assert.match(repo.message, /sourceRepos/);
    const elsewhere = lookup({ "team-a": { ...teamA, sourceNamespaces: ["*"] } });
    const destination = await refusal(run(stack("team-b", { project: "team-a" }), elsewhere));
    assert.match(destination.message, /destinations/);
  });

  it("without Projects, runs as the Stack's own choice or its namespace's default account", async () => {
    const s = stack("team-a");
    assert.deepEqual(
      await enforceStackProject(undefined, s, stackSpecDefaults(s.spec, "team-a"), "mooring"),
      {
        namespace: "team-a",
        name: "default",
        source: "namespace default",
      },
    );
  });
});
