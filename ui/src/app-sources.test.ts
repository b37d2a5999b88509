import assert from "node:assert/strict";
import { describe, it } from "node:test";
import type { AppRow } from "./api.ts";
import type { HistoryEntry } from "./app-api.ts";
import { entryRevisions, revisionsText, rowSources, sourceText } from "./app-sources.ts";

const SHA = "0123456789abcdef0123456789abcdef01234567";
const chart = { repoURL: "oci://registry.example/charts", path: "", targetRevision: "1.x", chart: "shop" };
const values = { repoURL: "https://git.example/values.git", path: "", targetRevision: "main", ref: "values" };

const row = (over: Partial<AppRow>): AppRow => ({
  namespace: "team",
  name: "shop",
  project: "default",
  labels: {},
  source: chart,
  destination: { cluster: "in-cluster", namespace: "shop" },
  sync: "Synced",
  health: "Healthy",
  autoSync: true,
  suspended: false,
  ...over,
});

describe("an app's sources as the pages show them", () => {
  it("says what each source gives and follows", () => {
    assert.equal(sourceText(chart), "chart shop @ 1.x");
    assert.equal(sourceText(values), "ref values @ main");
    assert.equal(sourceText({ ...values, path: "extras" }), "extras, ref values @ main");
    assert.equal(sourceText({ repoURL: "https://g/r", path: "", targetRevision: "" }), ". @ HEAD");
  });

  it("pairs every source of a multi-source row with its revision", () => {
    const multi = row({
      sources: [chart, values],
      revision: `shop@1.2.0,${SHA}`,
      revisions: ["shop@1.2.0", SHA],
    });
    assert.deepEqual(rowSources(multi), [
      { source: chart, revision: "shop@1.2.0" },
      { source: values, revision: SHA },
    ]);
    assert.equal(revisionsText(multi), "shop@1.2.0, 0123456");
  });

  it("reads a single-source row, and one the controller has not compared yet", () => {
    assert.deepEqual(rowSources(row({ revision: SHA })), [{ source: chart, revision: SHA }]);
    assert.deepEqual(rowSources(row({})), [{ source: chart }]);
    assert.equal(revisionsText(row({})), "");
  });

  it("lists a multi-source deploy's revisions with their sources, and a single one's one revision", () => {
    const entry: HistoryEntry = {
      id: 3,
      revision: `shop@1.2.0,${SHA}`,
      deployedAt: "2026-12-03T09:00:00Z",
      trigger: "automated",
      revisions: ["shop@1.2.0", SHA],
      sources: [chart, values],
    };
    assert.deepEqual(entryRevisions(entry), [
      { revision: "shop@1.2.0", source: chart },
      { revision: SHA, source: values },
    ]);
    assert.deepEqual(entryRevisions({ ...entry, revision: SHA, revisions: undefined }), [{ revision: SHA }]);
  });
});
