import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { parseRepoURL, RepoURLError, redactURLs, repoCacheKey } from "./url.ts";

const CWD = "/work/apps";

describe("parseRepoURL", () => {
  const cases = [
    {
      name: "takes user name and password out of an https URL",
      input: "https://alice:p%40ss@Git.Example.com/org/repo.git",
      want: {
        transport: "http",
        url: "https://git.example.com/org/repo.git",
        canonical: "https://git.example.com/org/repo.git",
        username: "alice",
        password: "p@ss",
      },
    },
    {
      name: "drops the default port and trailing slashes from the canonical form only",
      input: "HTTPS://github.com:443/Org/Repo.git/",
      want: {
        transport: "http",
        url: "https://github.com/Org/Repo.git/",
        canonical: "https://github.com/Org/Repo.git",
      },
    },
    {
      name: "keeps a non-default port",
      input: "http://127.0.0.1:8080/demo.git",
      want: {
        transport: "http",
        url: "http://127.0.0.1:8080/demo.git",
        canonical: "http://127.0.0.1:8080/demo.git",
      },
    },
    {
      name: "keeps the ssh login name but never a password",
      input: "ssh://git:hunter2@example.com:2222/org/repo.git",
      want: {
        transport: "ssh",
        url: "ssh://git@example.com:2222/org/repo.git",
        canonical: "ssh://git@example.com:2222/org/repo.git",
      },
    },
    {
      name: "reads the scp-like form as ssh",
      input: "git@GitHub.com:org/repo.git",
      want: {
        transport: "ssh",
        url: "git@github.com:org/repo.git",
        canonical: "ssh://git@github.com/org/repo.git",
      },
    },
    {
      name: "reads file URLs",
      input: "file:///srv/git/repo.git",
      want: { transport: "file", url: "file:///srv/git/repo.git", canonical: "file:///srv/git/repo.git" },
    },
    {
      name: "resolves a relative path against the working directory",
      input: "../repos/demo",
      want: { transport: "file", url: "/work/repos/demo", canonical: "file:///work/repos/demo" },
    },
    {
      name: "takes an absolute path with a colon as a path",
      input: "/srv/a:b",
      want: { transport: "file", url: "/srv/a:b", canonical: "file:///srv/a:b" },
    },
    {
      name: "takes a relative path with a slash before its colon as a path",
      input: "./a:b",
      want: { transport: "file", url: "/work/apps/a:b", canonical: "file:///work/apps/a:b" },
    },
  ];
  for (const { name, input, want } of cases) {
    it(name, () => assert.deepEqual({ ...parseRepoURL(input, CWD) }, want));
  }

  const refused = [
    ["an empty URL", "  "],
    ["a URL that git would read as an option", "--upload-pack=touch /tmp/x"],
    ["the ext:: transport helper, which runs commands", "ext::sh -c touch% /tmp/x"],
    ["an unsupported scheme", "ftp://example.com/repo.git"],
    ["a URL with a newline", "https://example.com/a\n.git"],
  ];
  for (const [name, input] of refused) {
    it(`refuses ${name}`, () => assert.throws(() => parseRepoURL(input ?? "", CWD), RepoURLError));
  }
});

describe("repoCacheKey", () => {
  const key = (url: string) => repoCacheKey(parseRepoURL(url, CWD));

  it("gives spellings of one repository the same key", () => {
    assert.equal(key("https://GitHub.com/org/repo.git/"), key("https://github.com:443/org/repo.git"));
    assert.equal(key("git@github.com:org/repo.git"), key("ssh://git@github.com/org/repo.git"));
    assert.equal(key("https://alice:secret@github.com/org/repo.git"), key("https://github.com/org/repo.git"));
  });

  it("gives different repositories different keys", () => {
    assert.notEqual(key("https://github.com/org/a.git"), key("https://github.com/org/b.git"));
    assert.notEqual(key("https://github.com/org/a.git"), key("http://github.com/org/a.git"));
  });

  it("is a sha256 in hex, so it shows nothing of the URL", () => {
    assert.match(key("https://alice:secret@github.com/org/repo.git"), /^[0-9a-f]{64}$/);
  });
});

describe("redactURLs", () => {
  it("removes userinfo from every URL in a text", () => {
    assert.equal(
      redactURLs("fatal: unable to access 'https://alice:pw@h/r.git/' and http://tok@h2/x"),
      "fatal: unable to access 'https://h/r.git/' and http://h2/x",
    );
  });

  it("leaves text without userinfo alone", () => {
    const text = "fatal: repository 'http://127.0.0.1:8080/a.git/' not found; mail a@b.c";
    assert.equal(redactURLs(text), text);
  });
});
