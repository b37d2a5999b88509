import assert from "node:assert/strict";
import { describe, it } from "node:test";
import type { KubeObject } from "../objects.ts";
import { checkChildren, childrenOf } from "./children.ts";
import type { Project, ProjectSpec } from "./project.ts";

function project(name: string, spec: ProjectSpec): Project {
  return {
    apiVersion: "mooring.dev/v1alpha1",
    kind: "Project",
    metadata: { name, namespace: "mooring" },
    spec,
  };
}

const TEAM_A = project("team-a", { sourceNamespaces: ["team-a-apps"] });
const PLATFORM = project("platform", { sourceNamespaces: [] });
const PROJECTS = new Map([
  ["team-a", TEAM_A],
  ["platform", PLATFORM],
]);
const PARENT = { subject: "Application mooring/root", project: TEAM_A, controllerNamespace: "mooring" };

function app(name: string, namespace: string | undefined, projectName?: string): KubeObject {
  return {
    apiVersion: "mooring.dev/v1alpha1",
    kind: "Application",
    metadata: { name, ...(namespace ? { namespace } : {}) },
    spec: { ...(projectName ? { project: projectName } : {}), source: {}, destination: {} },
  };
}

describe("childrenOf", () => {
  it("finds Applications, ApplicationSets (template project), Stacks and Projects, in the destination namespace when they name none", () => {
    const objects: KubeObject[] = [
      app("web", undefined, "team-a"),
      {
        apiVersion: "mooring.dev/v1alpha1",
        kind: "ApplicationSet",
        metadata: { name: "fleet", namespace: "team-a-apps" },
        spec: { template: { spec: { project: "{{project}}" } } },
      },
      {
        apiVersion: "mooring.dev/v1alpha1",
        kind: "Stack",
        metadata: { name: "db", namespace: "x" },
        spec: {},
      },
      { apiVersion: "mooring.dev/v1alpha1", kind: "Project", metadata: { name: "p", namespace: "mooring" } },
      { apiVersion: "v1", kind: "ConfigMap", metadata: { name: "c" } },
      { apiVersion: "argoproj.io/v1alpha1", kind: "Application", metadata: { name: "argo" } },
    ];
    assert.deepEqual(childrenOf(objects, "apps"), [
      { kind: "Application", namespace: "apps", name: "web", project: "team-a" },
      { kind: "ApplicationSet", namespace: "team-a-apps", name: "fleet", project: "{{project}}" },
      { kind: "Stack", namespace: "x", name: "db", project: "default" },
      { kind: "Project", namespace: "mooring", name: "p" },
    ]);
  });
});

describe("checkChildren", () => {
  it("lets a parent create a child of its own project in the controller namespace", () => {
    const children = childrenOf([app("web", "mooring", "team-a")], "");
    assert.deepEqual(checkChildren(PARENT, children, PROJECTS), []);
  });

  it("refuses a child of another project in the controller namespace, naming parent, child and both projects", () => {
    const children = childrenOf([app("admin", "mooring", "platform")], "");
    assert.deepEqual(checkChildren(PARENT, children, PROJECTS), [
      "Application mooring/root: Application mooring/admin names project platform, but an app of project team-a may create in mooring only children of project team-a (objects in mooring may use any project); place it in a namespace project platform lists in sourceNamespaces",
    ]);
  });

  it("refuses a child that names no project in the controller namespace: it would be in default", () => {
    const refused = checkChildren(PARENT, childrenOf([app("web", "mooring")], ""), PROJECTS);
    assert.equal(refused.length, 1);
    assert.match(refused[0] ?? "", /Application mooring\/web names project default/);
  });

  it("refuses an ApplicationSet whose template project is a parameter in the controller namespace", () => {
    const set: KubeObject = {
      apiVersion: "mooring.dev/v1alpha1",
      kind: "ApplicationSet",
      metadata: { name: "fleet", namespace: "mooring" },
      spec: { template: { spec: { project: "{{project}}" } } },
    };
    assert.equal(checkChildren(PARENT, childrenOf([set], ""), PROJECTS).length, 1);
  });

  it("outside the controller namespace, holds a child to its project's sourceNamespaces", () => {
    assert.deepEqual(
      checkChildren(PARENT, childrenOf([app("web", "team-a-apps", "team-a")], ""), PROJECTS),
      [],
    );
    assert.deepEqual(checkChildren(PARENT, childrenOf([app("x", "team-a-apps", "platform")], ""), PROJECTS), [
      "Application mooring/root: Application team-a-apps/x: namespace team-a-apps is not in project platform's sourceNamespaces; objects outside mooring may use a project only when it lists their namespace",
    ]);
  });

  it("refuses a child naming a project that does not exist", () => {
    assert.deepEqual(checkChildren(PARENT, childrenOf([app("x", "team-a-apps", "ghost")], ""), PROJECTS), [
      "Application mooring/root: Application team-a-apps/x names project ghost, which does not exist",
    ]);
  });

  it("lets only a project that lists mooring.dev/Project by name write Projects into the controller namespace", () => {
    const projectObject: KubeObject = {
      apiVersion: "mooring.dev/v1alpha1",
      kind: "Project",
      metadata: { name: "team-a", namespace: "mooring" },
    };
    const children = childrenOf([projectObject], "");
    assert.equal(checkChildren(PARENT, children, PROJECTS).length, 1);
    const wildcard = project("team-a", { namespaceResourceWhitelist: [{ group: "*", kind: "*" }] });
    assert.equal(checkChildren({ ...PARENT, project: wildcard }, children, PROJECTS).length, 1);
    const platform = project("platform", {
      namespaceResourceWhitelist: [
        { group: "mooring.dev", kind: "Project" },
        { group: "*", kind: "*" },
      ],
    });
    assert.deepEqual(checkChildren({ ...PARENT, project: platform }, children, PROJECTS), []);
  });
});
