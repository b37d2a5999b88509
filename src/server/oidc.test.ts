import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { clientAddress } from "./authenticate.ts";
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

describe("the address a login attempt counts under", () => {
  const cases: [string, string | undefined, number, string][] = [
    ["the peer without proxies, whatever the header says", "203.0.113.9, 10.0.0.1", 0, "10.0.0.5"],
    ["the client the one ingress saw", "203.0.113.9", 1, "203.0.113.9"],
    ["not what the client wrote itself before the ingress's entry", "6.6.6.6, 203.0.113.9", 1, "203.0.113.9"],
    ["the entry the outer of two proxies wrote", "6.6.6.6, 203.0.113.9, 10.0.0.2", 2, "203.0.113.9"],
    ["the peer when the header is missing", undefined, 1, "10.0.0.5"],
  ];
  for (const [name, header, hops, expected] of cases) {
    it(`is ${name}`, () => assert.equal(clientAddress("10.0.0.5", header, hops), expected));
  }
});
