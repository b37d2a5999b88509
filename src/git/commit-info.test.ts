import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { parseCommitInfo } from "./commit-info.ts";

describe("parseCommitInfo", () => {
  it("reads every field and keeps the whole message without trailing newlines", () => {
    const output = [
      "0123456789abcdef0123456789abcdef01234567",
      "Ada Author",
      "ada@example.com",
      "2024-05-01T10:00:00+02:00",
      "Carl Committer",
      "carl@example.com",
      "2024-05-02T08:30:00Z",
      "Scale web to 3 replicas",
      "Scale web to 3 replicas\n\nTraffic doubled.\nSigned-off-by: Ada\n\n",
    ].join("\0");
    assert.deepEqual(parseCommitInfo(output), {
      sha: "0123456789abcdef0123456789abcdef01234567",
      author: { name: "Ada Author", email: "ada@example.com" },
      committer: { name: "Carl Committer", email: "carl@example.com" },
      authoredAt: "2024-05-01T10:00:00+02:00",
      committedAt: "2024-05-02T08:30:00Z",
      message: "Scale web to 3 replicas\n\nTraffic doubled.\nSigned-off-by: Ada",
      subject: "Scale web to 3 replicas",
    });
  });

  it("refuses output with the wrong number of fields", () => {
    assert.throws(() => parseCommitInfo("abc\0def"), /unexpected git show output/);
  });
});
