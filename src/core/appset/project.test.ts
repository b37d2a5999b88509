import assert from "node:assert/strict";
import { describe, it } from "node:test";
import type { Project } from "../project/project.ts";
import { generateApplications } from "./generate.ts";
import { checkGenerated, checkSetNamespace, templateProject } from "./project.ts";
import type { ApplicationSet, ApplicationTemplate, Generator } from "./types.ts";

function tenantSet(template: ApplicationTemplate, generators: Generator[]): ApplicationSet {
  return {
    apiVersion: "mooring.dev/v1alpha1",
    kind: "ApplicationSet",
    metadata: { name: "web", namespace: "team-a" },
    spec: { generators, template },
  };
}

const template = (
  spec: Partial<ApplicationTemplate["spec"]> = {},
  namespace?: string,
): ApplicationTemplate => ({
  metadata: { name: "{{app}}", ...(namespace ? { namespace } : {}) },
  spec: { project: "team-a", source: { repoURL: "https://git.example/r.git" }, destination: {}, ...spec },
});

const project = (name: string, sourceNamespaces: string[]): Project =>
  ({
    apiVersion: "mooring.dev/v1alpha1",
    kind: "Project",
    metadata: { name, namespace: "mooring" },
    spec: { sourceNamespaces },
  }) as Project;

function generated(set: ApplicationSet) {
  const result = generateApplications(set, { clusters: [], git: {} });
  assert.ok(result.ok, JSON.stringify(result));
  return result.applications;
}

describe("a set never escapes its project", () => {
  it("refuses a project given by a parameter, so no generator input chooses the project", () => {
    const set = tenantSet(template({ project: "{{project}}" }), [
      { list: { elements: [{ app: "a", project: "platform" }] } },
    ]);
    const refused = templateProject(set);
    assert.equal(refused.ok, false);
    assert.match(
      refused.ok ? "" : refused.message,
      /ApplicationSet team-a\/web: spec\.template\.spec\.project/,
    );
    assert.deepEqual(templateProject(tenantSet(template(), [])), { ok: true, project: "team-a" });
    assert.deepEqual(templateProject(tenantSet(template({ project: "" }), [])), {
      ok: true,
      project: "default",
    });
  });

  it("refuses a set outside the controller namespace whose project does not list its namespace", () => {
    const set = tenantSet(template({ project: "platform" }), []);
    const refused = checkSetNamespace(set, project("platform", ["platform-*"]), "mooring");
    assert.equal(refused.ok, false);
    assert.match(
      refused.ok ? "" : refused.message,
      /ApplicationSet team-a\/web: namespace team-a is not in project platform's sourceNamespaces/,
    );
    assert.deepEqual(checkSetNamespace(set, project("platform", ["team-*"]), "mooring"), { ok: true });
    const inController = { ...set, metadata: { ...set.metadata, namespace: "mooring" } };
    assert.deepEqual(checkSetNamespace(inController, project("platform", []), "mooring"), { ok: true });
  });

  const cases: { name: string; set: ApplicationSet; message: RegExp }[] = [
    {
      name: "a generator's own template naming a parameter as project",
      set: tenantSet(template(), [
        {
          list: {
            elements: [{ app: "a", project: "platform" }],
            template: { spec: { project: "{{project}}" } as ApplicationTemplate["spec"] },
          },
        },
      ]),
      message: /Application a would name project platform, not the set's project team-a/,
    },
    {
      name: "a template placing its Applications in the controller namespace",
      set: tenantSet(template({}, "mooring"), [{ list: { elements: [{ app: "a" }] } }]),
      message: /Application a would live in namespace mooring, not the set's namespace team-a/,
    },
    {
      name: "a list element choosing the namespace",
      set: tenantSet(template({}, "{{ns}}"), [
        {
          list: {
            elements: [
              { app: "a", ns: "team-a" },
              { app: "b", ns: "mooring" },
            ],
          },
        },
      ]),
      message: /Application b would live in namespace mooring/,
    },
  ];
  for (const c of cases) {
    it(`refuses ${c.name}`, () => {
      const check = checkGenerated(c.set, generated(c.set), "team-a");
      assert.equal(check.ok, false);
      assert.match(check.ok ? "" : check.message, c.message);
    });
  }

  it("accepts Applications in the set's namespace and project", () => {
    const set = tenantSet(template(), [{ list: { elements: [{ app: "a" }, { app: "b" }] } }]);
    assert.deepEqual(checkGenerated(set, generated(set), "team-a"), { ok: true });
  });
});
