import assert from "node:assert/strict";
import { describe, it } from "node:test";
import {
  parseRepoLocation,
  prefixCovers,
  type RepoLocation,
  redactRepoURL,
  sameRepository,
} from "./repo-url.ts";

function loc(url: string): RepoLocation {
  const parsed = parseRepoLocation(url);
  assert.ok(parsed, `expected ${url} to parse`);
  return parsed;
}

describe("parseRepoLocation", () => {
  it("reads the host git will reach, not the text before the @", () => {
    const parsed = loc("https://git.example.com:x@attacker.example/r.git");
    assert.equal(parsed.host, "attacker.example");
    assert.equal(parsed.userinfo, true);
    assert.deepEqual(parsed.segments, ["r"]);
  });

  it("names one repository whatever the case of its .git suffix and a trailing slash", () => {
    assert.ok(sameRepository(loc("HTTP://127.0.0.1:8080/APP.GIT/"), loc("http://127.0.0.1:8080/app")));
  });

  it("fills in the default port and lower-cases host and path", () => {
    assert.deepEqual(loc("HTTPS://Git.Example.com/Org/Repo.git/"), {
      scheme: "https",
      host: "git.example.com",
      port: "443",
      segments: ["org", "repo"],
      userinfo: false,
      local: false,
    });
  });

  it("reads scp-like and ssh:// URLs as ssh, without treating the login name as userinfo", () => {
    const scp = loc("git@github.com:org/repo.git");
    assert.equal(scp.scheme, "ssh");
    assert.equal(scp.userinfo, false);
    assert.ok(sameRepository(scp, loc("ssh://git@github.com/org/repo")));
  });

  it("marks file:// URLs and plain paths as local", () => {
    assert.equal(loc("file:///srv/git/repo.git").local, true);
    assert.equal(loc("/srv/git/repo.git").local, true);
    assert.equal(loc("../repo").local, true);
  });

  it("resolves dot segments as git's HTTP client does", () => {
    assert.deepEqual(loc("https://h/team/../other/repo").segments, ["other", "repo"]);
    assert.deepEqual(loc("https://h/team/%2e%2e/other/repo").segments, ["other", "repo"]);
  });

  for (const bad of [
    "",
    "https://git.example.com\\@attacker.example/r",
    "https://h/a b",
    "https://h/org%2Fother/r",
    "ftp://h/r",
    "ext::sh -c x",
    "git@github.com",
  ]) {
    it(`refuses the ambiguous or unsupported URL ${JSON.stringify(bad)}`, () => {
      assert.equal(parseRepoLocation(bad), undefined);
    });
  }
});

describe("prefixCovers", () => {
  const cases: [prefix: string, repo: string, covers: boolean][] = [
    ["https://git.example.com", "https://git.example.com/team/app.git", true],
    ["https://git.example.com/", "https://git.example.com/team/app.git", true],
    ["https://git.example.com/team", "https://git.example.com/team/app", true],
    ["https://git.example.com/team/", "https://git.example.com/Team/App.git", true],
    ["https://git.example.com/team", "https://git.example.com/teamster/app", false],
    ["https://git.example.com", "https://git.example.com:x@attacker.example/r.git", false],
    ["https://git.example.com", "https://git.example.com.attacker.io/r", false],
    ["https://git.example.com", "https://git.example.com:8443/r", false],
    ["https://git.example.com:443", "https://git.example.com/r", true],
    ["https://git.example.com", "http://git.example.com/r", false],
    ["git@github.com:", "git@github.com:org/repo.git", true],
    ["git@github.com:org", "git@github.com:org-two/repo", false],
    ["git@github.com:org", "ssh://git@github.com/org/repo", true],
    ["https://h/team", "https://h/team/../other/repo", false],
  ];
  for (const [prefix, repo, covers] of cases) {
    it(`${prefix} ${covers ? "covers" : "does not cover"} ${repo}`, () => {
      assert.equal(prefixCovers(loc(prefix), loc(repo)), covers);
    });
  }
});

describe("redactRepoURL", () => {
  it("removes userinfo and keeps the rest", () => {
    assert.equal(redactRepoURL("https://u:p@ss@h/org/r.git"), "https://h/org/r.git");
    assert.equal(redactRepoURL("https://h/org/r@v1"), "https://h/org/r@v1");
    assert.equal(redactRepoURL("git@github.com:org/r.git"), "git@github.com:org/r.git");
  });
});
