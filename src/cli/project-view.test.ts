import assert from "node:assert/strict";
import { describe, it } from "node:test";
import type { Project } from "../core/project/project.ts";
import { renderProjectSummary } from "./project-view.ts";

function project(spec: Project["spec"]): Project {
  return { apiVersion: "mooring.dev/v1alpha1", kind: "Project", metadata: { name: "team-a" }, spec };
}

describe("renderProjectSummary", () => {
  it("names each preview policy and the kinds or resource types it looks at", () => {
    const text = renderProjectSummary(
      project({
        policies: [
          { name: "no-host-network", appliesTo: "objects", kinds: ["Deployment", "Pod"], expression: "true" },
          { name: "labelled", appliesTo: "objects", expression: "true" },
          {
            name: "keep-databases",
            appliesTo: "planChanges",
            resourceTypes: ["aws_db_instance"],
            expression: 'change.action != "delete"',
          },
          { name: "no-replace", appliesTo: "planChanges", expression: 'change.action != "replace"' },
        ],
      }),
      [],
    );
    const line = text.split("\n").find((l) => l.startsWith("Preview policies:"));
    assert.equal(
      line,
      "Preview policies:  no-host-network (Deployment, Pod), labelled (every object), keep-databases (aws_db_instance), no-replace (every change)",
    );
    assert.doesNotMatch(text, /change\.action/);
  });

  it("says none when the project has no policies", () => {
    const text = renderProjectSummary(project({}), []);
    assert.match(text, /^Preview policies: +none$/m);
  });
});
