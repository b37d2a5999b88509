import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { parseRepoPattern, repoMatches, repoParts } from "./repo-url.ts";

describe("repoMatches", () => {
  const cases: [pattern: string, url: string, expected: boolean][] = [
    ["*", "https://anything.example/x.git", true],
    ["https://git.example.com/*", "https://git.example.com/team-a/web.git", true],
    ["https://git.example.com/*", "https://GIT.example.com:443/team-a/web/", true],
    ["https://git.example.com/team-a/*", "https://git.example.com/team-b/web.git", false],
    ["https://git.example.com/team-a/*", "https://git.example.com/team-a/../team-b/web.git", false],
    ["https://git.example.com/team-a/*", "https://git.example.com/team-a/%2e%2e/team-b/web.git", false],
    ["https://git.example.com/team-a/*", "https://git.example.com/team-a%2F..%2Fteam-b/web.git", false],
    // A string prefix would admit these two.
    ["https://git.example.com/*", "https://git.example.com.evil.io/x", false],
    ["https://git.example.com/*", "https://git.example.com:x@evil.io/r.git", false],
    ["https://git.example.com*", "https://git.example.com.evil.io/x", false],
    ["https://git.example.com/*", "http://git.example.com/x", false],
    ["https://git.example.com/*", "https://git.example.com:8443/x", false],
    ["https://git.example.com:*/*", "https://git.example.com:8443/x", true],
    ["https://git.example.com:8443/*", "https://git.example.com:8443/x", true],
    ["https://*.example.com/*", "https://git.example.com/x", true],
    ["https://*.example.com/*", "https://example.org/x", false],
    ["https://git.example.com/team-a/web.git", "https://git.example.com/team-a/web", true],
    ["https://git.example.com/team-a/web", "https://git.example.com/team-a/web.git/", true],
    ["https://git.example.com/team-a/web", "https://git.example.com/team-a/webx", false],
    ["https://git.example.com/team-a/web", "https://user:pw@git.example.com/team-a/web", true],
    ["git@github.com:org/*", "ssh://git@github.com/org/repo.git", true],
    ["ssh://git@github.com/org/*", "git@github.com:org/repo.git", true],
    ["ssh://git@github.com/org/*", "git+ssh://github.com:22/org/repo", true],
    ["ssh://github.com/org/*", "https://github.com/org/repo", false],
    ["file:///srv/git/*", "file:///srv/git/repo.git", true],
    ["file:///srv/git/*", "/srv/git/repo", true],
    ["file:///srv/git/*", "file:///srv/other/repo", false],
    ["https://git.example.com/*", "ext::sh -c evil", false],
    ["https://git.example.com/*", "", false],
    ["not a url", "https://git.example.com/x", false],
  ];
  for (const [pattern, url, expected] of cases) {
    it(`${pattern} ${expected ? "admits" : "refuses"} ${url || "(empty)"}`, () => {
      assert.equal(repoMatches(pattern, url), expected);
    });
  }
});

describe("repoParts", () => {
  it("reads the host git would contact, not the user name that looks like a host", () => {
    assert.deepEqual(repoParts("https://git.example.com:x@evil.io/r.git"), {
      scheme: "https",
      host: "evil.io",
      port: "",
      path: "/r",
    });
  });
  it("folds ssh spellings into one", () => {
    assert.deepEqual(
      repoParts("git@Host.example:org/repo.git"),
      repoParts("ssh://git@host.example:22/org/repo"),
    );
  });
});

describe("parseRepoPattern", () => {
  it("refuses userinfo in a pattern", () => {
    assert.equal(parseRepoPattern("https://user@git.example.com/*"), undefined);
  });
  it("refuses an unknown scheme", () => {
    assert.equal(parseRepoPattern("gopher://git.example.com/*"), undefined);
  });
});
