import assert from "node:assert/strict";
import { describe, it } from "node:test";
import {
  ChartIndexError,
  ChartIndexTooLargeError,
  ChartSourceError,
  chartLocation,
  chartProjectURL,
  chartReference,
  credentialURL,
  isLoopbackRegistry,
  MAX_WHOLE_INDEX_BYTES,
  projectRepoURL,
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

  it("leaves ssh addresses and anything that is no registry host as written", () => {
    assert.equal(credentialURL("git@localhost:5000"), "git@localhost:5000");
    assert.equal(credentialURL("git@github.com:org/repo.git"), "git@github.com:org/repo.git");
    assert.equal(credentialURL("oci://user@registry.example.com/x"), "oci://user@registry.example.com/x");
    assert.equal(credentialURL("ssh://git.example.com/x"), "ssh://git.example.com/x");
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

  it("reads one chart's lines alone when the index is laid out as helm writes it", () => {
    // Another chart's entry is no valid YAML: parsing the whole index would fail.
    const laidOut = `apiVersion: v1
entries:
  broken:
  - version: [1.0.0
  # a comment between charts
  "web":
  - digest: ${"b".repeat(64)}
    urls:
    - web-2.0.0.tgz
    version: 2.0.0

  - description: |
      multi-line
      text
    version: 2.1.0
generated: "2026-01-01T00:00:00Z"
`;
    assert.deepEqual(readChartIndex(laidOut, "web"), [
      { version: "2.0.0", urls: ["web-2.0.0.tgz"], digest: "b".repeat(64) },
      { version: "2.1.0", urls: [] },
    ]);
    assert.deepEqual(readChartIndex(laidOut, "missing"), []);
  });

  it("parses the whole index when the chart's lines refer elsewhere or the layout differs", () => {
    const aliased = `entries:
  other:
  - version: 1.0.0
    urls: &common [shared.tgz]
  web:
  - version: 1.0.0
    urls: *common
`;
    assert.deepEqual(readChartIndex(aliased, "web"), [{ version: "1.0.0", urls: ["shared.tgz"] }]);
    const fourSpaces = "entries:\n    web:\n    - version: 3.0.0\n";
    assert.deepEqual(readChartIndex(fourSpaces, "web"), [{ version: "3.0.0", urls: [] }]);
    const twice = "entries:\n  web:\n  - version: 1.0.0\n  web:\n  - version: 2.0.0\n";
    assert.throws(() => readChartIndex(twice, "web"), ChartIndexError);
  });

  it("refuses to parse whole an index over 4 MiB that is not laid out as helm writes it", () => {
    const entry = "    - version: 1.0.0\n      urls: [x.tgz]\n";
    const huge = `entries:\n    web:\n${entry.repeat(Math.ceil(MAX_WHOLE_INDEX_BYTES / entry.length) + 1)}`;
    assert.throws(
      () => readChartIndex(huge, "web"),
      (err: unknown) =>
        err instanceof ChartIndexTooLargeError &&
        err.code === "chart-index-too-large" &&
        /5 MiB and not laid out as helm repo index writes it/.test(err.message),
    );
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

// Every form a chart's repoURL takes, through each step a chart source goes: where it is pulled
// from, and which sourceRepos patterns admit it (credential lookup: sources/chart-credentials).
describe("a chart repoURL in each form", () => {
  const forms: {
    repoURL: string;
    location: string;
    projectURL: string;
    admittedBy: string[];
    refusedBy: string[];
  }[] = [
    {
      repoURL: "oci://localhost:5000/charts",
      location: "oci://localhost:5000/charts/web",
      projectURL: "oci://localhost:5000/charts",
      admittedBy: ["oci://localhost:5000/*", "localhost:5000/charts", "localhost:*/*"],
      refusedBy: ["oci://localhost/*", "ssh://localhost/5000/*", "https://localhost:5000/*"],
    },
    {
      repoURL: "localhost:5000/charts",
      location: "oci://localhost:5000/charts/web",
      projectURL: "oci://localhost:5000/charts",
      admittedBy: ["oci://localhost:5000/charts", "localhost:5000/*", "oci://localhost:*/charts"],
      // git reads localhost:5000/charts as ssh to localhost, path 5000/charts: no Git rule decides.
      refusedBy: ["ssh://localhost/5000/charts", "git@localhost:5000/*", "oci://localhost:5001/*"],
    },
    {
      repoURL: "Registry.Example.com/team/charts/",
      location: "oci://registry.example.com/team/charts/web",
      projectURL: "oci://registry.example.com/team/charts",
      admittedBy: ["registry.example.com/team/*", "oci://registry.example.com/team/charts", "*"],
      refusedBy: ["registry.example.com/other/*", "registry.example.com.evil.io/*", "/team/charts"],
    },
    {
      repoURL: "https://charts.example.com/stable",
      location: "https://charts.example.com/stable/web",
      projectURL: "https://charts.example.com/stable",
      admittedBy: ["https://charts.example.com/*", "https://charts.example.com:443/stable"],
      refusedBy: ["oci://charts.example.com/*", "charts.example.com/*", "http://charts.example.com/*"],
    },
  ];
  for (const form of forms) {
    it(`${form.repoURL} is pulled from ${form.location} and matched as ${form.projectURL}`, () => {
      assert.equal(chartReference(chartLocation(form.repoURL, "web")), form.location);
      assert.equal(chartProjectURL(form.repoURL), form.projectURL);
      for (const pattern of form.admittedBy)
        assert.ok(repoMatches(pattern, chartProjectURL(form.repoURL)), `${pattern} admits it`);
      for (const pattern of form.refusedBy)
        assert.ok(!repoMatches(pattern, chartProjectURL(form.repoURL)), `${pattern} does not admit it`);
    });
  }

  it("matches a Git source's repoURL as written, as git will read it, and only a chart source as a registry", () => {
    assert.equal(projectRepoURL({ repoURL: "localhost:5000/charts" }), "localhost:5000/charts");
    assert.equal(
      projectRepoURL({ repoURL: "localhost:5000/charts", chart: "web" }),
      "oci://localhost:5000/charts",
    );
  });

  it("leaves text that is no chart repository as written, for the fetch to refuse", () => {
    assert.equal(chartProjectURL("ssh://git.example.com/charts"), "ssh://git.example.com/charts");
    assert.equal(chartProjectURL("localhost:5000/Charts"), "localhost:5000/Charts");
  });
});
