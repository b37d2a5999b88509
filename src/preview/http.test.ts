import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { localRequestOf, nudgeOf } from "./http.ts";

const pull = {
  kind: "pull_request",
  forge: "gitea",
  repoURL: "http://g/team/app.git",
  number: 4,
  action: "opened",
};
const comment = {
  kind: "comment",
  forge: "github",
  repoURL: "https://github.com/t/a.git",
  number: 2,
  commenter: "ada",
  plan: true,
};

describe("what the preview endpoints accept", () => {
  it("reads a pull request nudge and a comment nudge as sent", () => {
    assert.deepEqual(nudgeOf(pull), pull);
    assert.deepEqual(nudgeOf(comment), comment);
    const withHead = { ...pull, headSha: "a".repeat(40) };
    assert.deepEqual(nudgeOf(withHead), withHead);
  });

  const refused: [string, unknown, RegExp][] = [
    ["no body", undefined, /JSON object/],
    ["a list", [pull], /JSON object/],
    ["an unknown forge", { ...pull, forge: "bitbucket" }, /forge must be one of gitea, github, gitlab/],
    ["no repoURL", { ...pull, repoURL: "" }, /repoURL/],
    ["a number that is not a PR's", { ...pull, number: 1.5 }, /positive integer/],
    ["an unknown action", { ...pull, action: "labeled" }, /action must be one of/],
    ["a head that is not a commit id", { ...pull, headSha: "main" }, /headSha must be a full commit id/],
    ["a comment without its commenter", { ...comment, commenter: "" }, /commenter/],
    ["a comment whose plan is not a boolean", { ...comment, plan: "yes" }, /plan must be true or false/],
    ["an unknown kind", { ...pull, kind: "push" }, /kind must be pull_request or comment/],
  ];
  for (const [what, body, expected] of refused) {
    it(`refuses ${what}`, () => {
      const result = nudgeOf(body);
      assert.equal(typeof result, "string");
      assert.match(result as string, expected);
    });
  }

  it("reads a local preview request and refuses a malformed one", () => {
    const request = {
      repoURL: "http://g/team/app.git",
      base: "main",
      head: "feature",
      planProjects: ["team-a"],
    };
    assert.deepEqual(localRequestOf(request), request);
    assert.deepEqual(localRequestOf({ ...request, live: false }), { ...request, live: false });
    assert.match(localRequestOf({ ...request, head: " " }) as string, /head must be a non-empty string/);
    assert.match(localRequestOf({ ...request, planProjects: "team-a" }) as string, /planProjects/);
    assert.match(localRequestOf({ ...request, live: "no" }) as string, /live must be true or false/);
  });
});
