import assert from "node:assert/strict";
import { describe, it } from "node:test";
import type { RepoSecret } from "../controller/repo-credentials.ts";
import { matchChartCredentials } from "./chart-credentials.ts";

function secret(secretName: string, type: RepoSecret["type"], url: string, password: string): RepoSecret {
  return { secretName, type, url, credentials: { username: "robot", password }, labelledBy: "mooring" };
}

describe("matchChartCredentials", () => {
  const secrets = [
    secret("team-registry", "repo-creds", "oci://registry.example.com/team", "team-pw"),
    secret("web-chart", "repository", "registry.example.com/team/web", "web-pw"),
    secret("charts", "repository", "https://charts.example.com/stable", "charts-pw"),
    secret("git", "repo-creds", "git@github.com:org", "ssh-only"),
    secret("local-registry", "repo-creds", "localhost:5000", "local-pw"),
    secret("local-git", "repo-creds", "git@localhost:5000", "git-ssh-pw"),
  ];

  const cases: [string, string | undefined][] = [
    ["oci://registry.example.com/team/api", "team-pw"],
    ["registry.example.com/team/api", "team-pw"],
    ["oci://registry.example.com/team/web", "web-pw"],
    ["https://charts.example.com/stable/", "charts-pw"],
    ["oci://registry.example.com/teamster/api", undefined],
    ["oci://registry.example.com.attacker.io/team/api", undefined],
    ["oci://registry.example.com:8443/team/api", undefined],
    ["https://charts.example.com/other", undefined],
    // Bare host with a port: the registry at localhost:5000, never ssh to localhost.
    ["localhost:5000/charts", "local-pw"],
    ["oci://localhost:5000/charts", "local-pw"],
    ["LOCALHOST:5000/charts/", "local-pw"],
    ["localhost:5001/charts", undefined],
    ["localhost/charts", undefined],
  ];
  for (const [url, password] of cases) {
    it(`gives ${url} ${password ?? "no"} credentials`, () => {
      assert.equal(matchChartCredentials(url, secrets)?.password, password);
    });
  }
});
