import assert from "node:assert/strict";
import { mkdir, mkdtemp, rm, symlink, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, it } from "node:test";
import {
  parseGitmodules,
  resolveSubmoduleURL,
  SubmoduleError,
  submodulesOf,
  unsafePath,
} from "./submodules.ts";
import { parseTreeListing, submoduleFolder } from "./tree.ts";

const SHA = "0123456789abcdef0123456789abcdef01234567";

describe("resolveSubmoduleURL", () => {
  const cases = [
    {
      name: "a sibling repository on the same server",
      base: "https://git.example.com/org/app.git",
      url: "../lib.git",
      want: "https://git.example.com/org/lib.git",
    },
    {
      name: "./ stays below the superproject's URL, as in git",
      base: "https://git.example.com/org/app.git",
      url: "./lib.git",
      want: "https://git.example.com/org/app.git/lib.git",
    },
    {
      name: "a trailing slash of the superproject's URL is dropped first",
      base: "https://git.example.com/org/app/",
      url: "../../other/lib",
      want: "https://git.example.com/other/lib",
    },
    {
      name: "an scp-like address climbs through its path, then its colon",
      base: "git@git.example.com:org/app.git",
      url: "../../lib.git",
      want: "git@git.example.com:lib.git",
    },
    {
      name: "a path on disk",
      base: "/srv/git/app.git",
      url: "../lib.git",
      want: "/srv/git/lib.git",
    },
    {
      name: "too many ../ climb onto another host (the caller refuses it by origin)",
      base: "https://git.example.com/app.git",
      url: "../../evil.example/x.git",
      want: "https://evil.example/x.git",
    },
    {
      name: "an absolute URL is kept as written",
      base: "https://git.example.com/org/app.git",
      url: "ssh://git@other.example/lib.git",
      want: "ssh://git@other.example/lib.git",
    },
    {
      name: "an scp-like URL is absolute too",
      base: "https://git.example.com/org/app.git",
      url: "git@other.example:lib.git",
      want: "git@other.example:lib.git",
    },
  ];
  for (const c of cases) {
    it(c.name, () => assert.equal(resolveSubmoduleURL(c.base, c.url), c.want));
  }

  it("refuses a bare word, which git would read as a path on the controller's disk", () => {
    assert.throws(() => resolveSubmoduleURL("https://h/app.git", "lib"), SubmoduleError);
  });
});

describe("parseGitmodules", () => {
  it("reads each section's path, url and update, keeping names with dots and case", () => {
    const output =
      "submodule.libs/Common.v2.path\nlibs/common\0submodule.libs/Common.v2.url\n../common.git\0" +
      "submodule.docs.path\ndocs\0submodule.docs.update\nnone\0submodule.docs.url\nhttps://h/docs.git\0" +
      "core.bare\0";
    assert.deepEqual(parseGitmodules(output), [
      { name: "libs/Common.v2", path: "libs/common", url: "../common.git" },
      { name: "docs", path: "docs", update: "none", url: "https://h/docs.git" },
    ]);
  });
});

describe("submodulesOf", () => {
  const entries = [
    { name: "common", path: "libs/common", url: "../common.git" },
    { name: "docs", path: "docs", url: "https://h/docs.git", update: "none" },
  ];

  it("pairs each gitlink with its URL and leaves update = none alone", () => {
    assert.deepEqual(
      submodulesOf(
        [
          { path: "libs/common", commit: SHA },
          { path: "docs", commit: SHA },
        ],
        entries,
      ),
      [{ name: "common", path: "libs/common", url: "../common.git", commit: SHA }],
    );
  });

  it("refuses a gitlink .gitmodules gives no URL, naming its path", () => {
    assert.throws(
      () => submodulesOf([{ path: "vendor/x", commit: SHA }], entries),
      /no url for submodule path "vendor\/x" in \.gitmodules/,
    );
  });

  it("ignores sections whose path holds no gitlink", () => {
    assert.deepEqual(submodulesOf([], entries), []);
  });
});

describe("unsafePath", () => {
  const cases: [string, boolean][] = [
    ["libs/common", true],
    ["a", true],
    ["../outside", false],
    ["libs/../../outside", false],
    ["/etc", false],
    [".git/hooks", false],
    ["libs/.GIT", false],
    ["a//b", false],
    ["", false],
  ];
  for (const [path, safe] of cases) {
    it(`${safe ? "accepts" : "refuses"} "${path}"`, () => assert.equal(unsafePath(path) === undefined, safe));
  }
});

describe("parseTreeListing", () => {
  it("adds up file sizes and lists gitlinks and the .gitmodules mode", () => {
    const listing =
      `100644 blob ${SHA}      12\tREADME.md\0` +
      `100644 blob ${SHA}      40\t.gitmodules\0` +
      `160000 commit ${SHA}       -\tlibs/common\0` +
      `100644 blob ${SHA}     100\tapp/deploy.yaml\0`;
    assert.deepEqual(parseTreeListing(listing), {
      bytes: 152,
      gitlinks: [{ path: "libs/common", commit: SHA }],
      gitmodulesMode: "100644",
    });
  });
});

describe("submoduleFolder", () => {
  it("makes the folder inside the checkout, and refuses a path through a symbolic link or a file", async () => {
    const root = await mkdtemp(join(tmpdir(), "mooring-submodule-folder-"));
    try {
      assert.equal(await submoduleFolder(root, "libs/common"), join(root, "libs/common"));
      await symlink("/etc", join(root, "linked"));
      await assert.rejects(submoduleFolder(root, "linked/x"), /symbolic link/);
      await writeFile(join(root, "file"), "x");
      await assert.rejects(submoduleFolder(root, "file/x"), /symbolic link, not a folder/);
      await mkdir(join(root, "full"));
      await writeFile(join(root, "full/a.yaml"), "a: 1\n");
      await assert.rejects(submoduleFolder(root, "full"), /already holds files/);
      await assert.rejects(submoduleFolder(root, "../escape"), /leaves the checkout/);
    } finally {
      await rm(root, { recursive: true, force: true });
    }
  });
});
