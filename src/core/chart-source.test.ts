import assert from "node:assert/strict";
import { describe, it } from "node:test";
import {
  ChartIndexError,
  ChartSourceError,
  chartLocation,
  chartReference,
  credentialURL,
  isLoopbackRegistry,
  readChartIndex,
  versionOfRevision,
} from "./chart-source.ts";
import { repoMatches } from "./project/repo-url.ts";

describe("chartLocation", () => {
  it("reads a Helm repository URL", () => {
    assert.deepEqual(chartLocation("https://charts.example.com/stable/", "web"), {
      kind: "helm-repository",
      repoURL: "https://charts.example.com/stable",
      chart: "web",
    });
  });

  it("reads the oci:// form and Argo CD's bare-host form as the same registry repository", () => {
    const expected = {
      kind: "oci",
      registry: "registry.example.com:5000",
      repository: "team/charts/web",
      chart: "web",
    };
    assert.deepEqual(chartLocation("oci://registry.example.com:5000/team/charts", "web"), expected);
    assert.deepEqual(chartLocation("registry.example.com:5000/team/charts/", "web"), expected);
    assert.equal(chartReference(chartLocation("oci://127.0.0.1:5000", "web")), "oci://127.0.0.1:5000/web");
  });

  const refused: [string, string, RegExp][] = [
    ["https://u:p@charts.example.com", "web", /user name or password/],
    ["https://charts.example.com?x=1", "web", /query/],
    ["oci://user:pw@registry.example.com/c", "web", /registry host/],
    ["ssh://git.example.com/c", "web", /https:\/\/, http:\/\/ or oci:\/\//],
    ["oci://registry.example.com/Team", "web", /"Team" is not a valid OCI/],
    ["oci://registry.example.com/../x", "web", /"\.\." is not a valid OCI/],
    ["https://charts.example.com", "../web", /not a chart name/],
    ["https://charts.example.com", "a/b", /not a chart name/],
    ["https://charts.example.com", "--set=x", /not a chart name/],
  ];
  for (const [url, chart, message] of refused) {
    it(`refuses ${url} with chart ${chart}`, () => {
      assert.throws(
        () => chartLocation(url, chart),
        (err: unknown) => {
          assert.ok(err instanceof ChartSourceError);
          assert.match(err.message, message);
          assert.doesNotMatch(err.message, /:p@|:pw@/);
          return true;
        },
      );
    });
  }
});

describe("credentialURL", () => {
  it("matches registries as https URLs", () => {
    assert.equal(credentialURL("oci://registry.example.com/team"), "https://registry.example.com/team");
    assert.equal(credentialURL("registry.example.com/team"), "https://registry.example.com/team");
    assert.equal(credentialURL("localhost:5000/team"), "https://localhost:5000/team");
    assert.equal(credentialURL("http://charts.local/x"), "http://charts.local/x");
  });
});

describe("isLoopbackRegistry", () => {
  it("is true for this machine only", () => {
    assert.ok(isLoopbackRegistry("127.0.0.1:5000"));
    assert.ok(isLoopbackRegistry("localhost:5000"));
    assert.ok(isLoopbackRegistry("[::1]:5000"));
    assert.ok(!isLoopbackRegistry("127.0.0.1.nip.io:5000"));
    assert.ok(!isLoopbackRegistry("registry.example.com"));
  });
});

describe("versionOfRevision", () => {
  it("takes the version out of chart@version", () => {
    assert.equal(versionOfRevision("web", "web@1.2.0"), "1.2.0");
    assert.equal(versionOfRevision("web", "other@1.2.0"), undefined);
  });
});

describe("readChartIndex", () => {
  const index = `apiVersion: v1
entries:
  web:
  - version: 1.0.0
    urls: [web-1.0.0.tgz]
    digest: ${"A".repeat(64)}
  - version: 1.1.0
    urls: ["https://cdn.example.com/web-1.1.0.tgz"]
    digest: not-a-digest
  - name: web
  other:
  - version: 9.9.9
    urls: [other-9.9.9.tgz]
generated: "2026-01-01T00:00:00Z"
`;
  it("lists one chart's versions with their URLs and digests", () => {
    assert.deepEqual(readChartIndex(index, "web"), [
      { version: "1.0.0", urls: ["web-1.0.0.tgz"], digest: "a".repeat(64) },
      { version: "1.1.0", urls: ["https://cdn.example.com/web-1.1.0.tgz"] },
    ]);
  });

  it("is empty for a chart the index does not hold, even an inherited property name", () => {
    assert.deepEqual(readChartIndex(index, "missing"), []);
    assert.deepEqual(readChartIndex(index, "constructor"), []);
  });

  it("refuses a document that is not a Helm repository index", () => {
    assert.throws(() => readChartIndex("<html>not found</html>", "web"), ChartIndexError);
    assert.throws(() => readChartIndex("a: [", "web"), ChartIndexError);
  });
});

describe("project sourceRepos and chart registries", () => {
  it("names oci:// registries by pattern, as it names Git repositories", () => {
    assert.ok(repoMatches("oci://registry.example.com/team/*", "oci://registry.example.com/team/charts"));
    assert.ok(!repoMatches("oci://registry.example.com/team/*", "oci://registry.example.com/other/charts"));
    assert.ok(!repoMatches("https://registry.example.com/team/*", "oci://registry.example.com/team/charts"));
  });
});
