import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { groupsFrom, oidcDefaults, usernameFrom } from "./oidc.ts";
import { parseLifetime } from "./routes/tokens.ts";

describe("reading an identity provider's claims", () => {
  const groups: [string, Record<string, unknown>, string[]][] = [
    ["a list of groups", { groups: ["team-a-devs", "everyone"] }, ["team-a-devs", "everyone"]],
    ["one group as a string (some providers send that)", { groups: "team-a-devs" }, ["team-a-devs"]],
    ["no claim: no groups, hence no roles", {}, []],
    ["non-strings dropped", { groups: ["ok", 7, "", null] }, ["ok"]],
  ];
  for (const [name, claims, expected] of groups) {
    it(`reads ${name}`, () => assert.deepEqual(groupsFrom(claims, "groups"), expected));
  }

  it("reads a custom groups claim", () => {
    assert.deepEqual(groupsFrom({ roles: ["ops"], groups: ["x"] }, "roles"), ["ops"]);
  });

  it("names the user by the configured claim, then preferred_username, email, sub", () => {
    assert.equal(usernameFrom({ login: "dana", preferred_username: "d" }, "login"), "dana");
    assert.equal(
      usernameFrom({ email: "dana@example.com", sub: "123" }, "preferred_username"),
      "dana@example.com",
    );
    assert.equal(usernameFrom({ sub: "123" }, "preferred_username"), "123");
    assert.equal(usernameFrom({}, "preferred_username"), undefined);
  });

  it("asks for the groups scope and reads the groups claim by default", () => {
    const config = oidcDefaults({ issuer: "https://login.example.com", clientId: "mooring" });
    assert.deepEqual(config.scopes, ["openid", "profile", "email", "groups"]);
    assert.equal(config.groupsClaim, "groups");
  });
});

describe("token lifetimes", () => {
  const cases: [string, number | undefined][] = [
    ["30d", 30 * 86_400_000],
    ["12h", 12 * 3_600_000],
    ["90m", 90 * 60_000],
    ["30", undefined],
    ["1y", undefined],
    ["-1d", undefined],
  ];
  for (const [text, expected] of cases) {
    it(`reads ${text} as ${expected ?? "not a lifetime"}`, () => assert.equal(parseLifetime(text), expected));
  }
});
