import assert from "node:assert/strict";
import { describe, it } from "node:test";
import {
  AppSourcesError,
  applicationSources,
  checkedSources,
  describeSource,
  joinRevisions,
  MAX_SOURCES,
  primarySource,
  rendersObjects,
  shortRevisions,
  splitRevisions,
  targetRevisions,
  validateSources,
  valueFileRef,
} from "./app-sources.ts";
import type { ApplicationSource } from "./application.ts";

const GIT = "https://git.example.com/org/values.git";
const chart: ApplicationSource = {
  repoURL: "oci://registry.example.com/charts",
  chart: "web",
  targetRevision: "1.2.0",
  helm: { valueFiles: ["$values/envs/prod.yaml", "values.yaml"] },
};
const values: ApplicationSource = { repoURL: GIT, targetRevision: "main", ref: "values" };

describe("applicationSources", () => {
  it("takes sources when the list is non-empty, ignoring source", () => {
    const spec = { source: { repoURL: "ignored" }, sources: [chart, values] };
    assert.deepEqual(applicationSources(spec), [chart, values]);
  });

  it("falls back to the one source when sources is absent or empty", () => {
    assert.deepEqual(applicationSources({ source: values }), [values]);
    assert.deepEqual(applicationSources({ source: values, sources: [] }), [values]);
  });

  it("throws a coded error when neither is given", () => {
    assert.throws(
      () => applicationSources({}),
      (err: unknown) => err instanceof AppSourcesError && err.code === "sources-missing",
    );
  });
});

describe("primarySource", () => {
  it("is the first source that renders objects, skipping ref-only sources", () => {
    assert.equal(primarySource({ sources: [values, chart] }), chart);
  });

  it("is the one source of a single-source app", () => {
    const one = { repoURL: GIT, path: "deploy" };
    assert.equal(primarySource({ source: one }), one);
  });
});

describe("rendersObjects", () => {
  it("is false only for a ref without path or chart", () => {
    assert.equal(rendersObjects(values), false);
    assert.equal(rendersObjects({ ...values, path: "manifests" }), true);
    assert.equal(rendersObjects({}), true);
    assert.equal(rendersObjects(chart), true);
  });
});

describe("valueFileRef", () => {
  it("splits $name/path and leaves other entries alone", () => {
    assert.deepEqual(valueFileRef("$values/envs/prod.yaml"), { ref: "values", path: "envs/prod.yaml" });
    assert.deepEqual(valueFileRef("$values"), { ref: "values", path: "" });
    assert.equal(valueFileRef("envs/prod.yaml"), undefined);
    assert.equal(valueFileRef("/envs/$values.yaml"), undefined);
    // Build variables and other text starting with $ are paths of the source's own repository.
    assert.equal(valueFileRef("$ARGOCD_APP_NAME/values.yaml"), undefined);
    assert.equal(valueFileRef("$KUBE_VERSION/values.yaml"), undefined);
    assert.equal(valueFileRef("$ARGOCD_APP_NAME.yaml"), undefined);
    assert.deepEqual(valueFileRef("$values/envs/$ARGOCD_APP_NAME.yaml"), {
      ref: "values",
      path: "envs/$ARGOCD_APP_NAME.yaml",
    });
  });
});

describe("validateSources", () => {
  it("accepts a chart taking values from a ref source", () => {
    assert.deepEqual(validateSources({ sources: [chart, values] }), []);
  });

  it("names an unknown ref with the source index, the entry and the refs known", () => {
    const bad = { ...chart, helm: { valueFiles: ["$valeus/envs/prod.yaml"] } };
    const problems = validateSources({ sources: [bad, values] });
    assert.deepEqual(problems, [
      {
        field: "spec.sources[0].helm.valueFiles[0]",
        message:
          '"$valeus/envs/prod.yaml" names ref $valeus, which no source of this Application has (known: $values)',
      },
    ]);
  });

  it("refuses a $ref entry in a single source, saying refs live in spec.sources", () => {
    const [problem] = validateSources({ source: { ...chart } });
    assert.equal(problem?.field, "spec.source.helm.valueFiles[0]");
    assert.match(problem?.message ?? "", /refs exist only in spec\.sources/);
  });

  it("refuses repeated, malformed and chart refs, and a ref entry naming no file", () => {
    const problems = validateSources({
      sources: [
        { ...chart, ref: "web", helm: { valueFiles: ["$values"] } },
        values,
        { ...values, repoURL: "https://git.example.com/other.git" },
        { repoURL: GIT, path: "x", ref: "../etc" },
      ],
    });
    assert.deepEqual(
      problems.map((p) => p.field),
      [
        "spec.sources[0].ref",
        "spec.sources[2].ref",
        "spec.sources[3].ref",
        "spec.sources[0].helm.valueFiles[0]",
      ],
    );
    assert.match(problems[0]?.message ?? "", /ref web is on chart web/);
    assert.match(problems[1]?.message ?? "", /also the ref of spec\.sources\[1\]/);
    assert.match(problems[3]?.message ?? "", /names no file/);
  });

  it("refuses more than the limit and a list where nothing renders", () => {
    const many = Array.from({ length: MAX_SOURCES + 1 }, (_, i) => ({ repoURL: GIT, path: `p${i}` }));
    assert.equal(validateSources({ sources: many })[0]?.field, "spec.sources");
    assert.match(validateSources({ sources: [values] })[0]?.message ?? "", /nothing would be rendered/);
  });

  it("reports a missing source", () => {
    assert.equal(validateSources({})[0]?.field, "spec.source");
  });
});

describe("checkedSources", () => {
  it("throws one error listing every problem", () => {
    assert.throws(
      () => checkedSources({ sources: [{ ...chart, helm: { valueFiles: ["$nope/a.yaml"] } }] }),
      (err: unknown) =>
        err instanceof AppSourcesError && err.code === "sources-invalid" && /\$nope/.test(err.message),
    );
    assert.deepEqual(checkedSources({ sources: [chart, values] }), [chart, values]);
  });
});

describe("describeSource", () => {
  it("names a source by index and what it is", () => {
    const spec = { sources: [chart, values, { repoURL: GIT, path: "deploy" }] };
    assert.equal(describeSource(spec, 0), "sources[0] (chart web)");
    assert.equal(describeSource(spec, 1), "sources[1] (ref values)");
    assert.equal(describeSource(spec, 2), "sources[2] (deploy)");
    assert.equal(describeSource({}, 0), "source");
  });
});

describe("targetRevisions", () => {
  it("joins each source's target in source order, HEAD by default; one source's as written", () => {
    assert.equal(targetRevisions({ sources: [chart, { repoURL: GIT, ref: "values" }] }), "1.2.0,HEAD");
    assert.equal(targetRevisions({ source: { repoURL: GIT, targetRevision: "main" } }), "main");
  });
});

describe("joinRevisions / splitRevisions", () => {
  it("round-trips revisions in source order; one revision is itself", () => {
    const revisions = ["web@1.2.0", "0123456789abcdef0123456789abcdef01234567"];
    assert.deepEqual(splitRevisions(joinRevisions(revisions)), revisions);
    assert.equal(joinRevisions(["abc"]), "abc");
  });

  it("shortens each commit of a key for people, a single revision as before", () => {
    const sha = "0123456789abcdef0123456789abcdef01234567";
    assert.equal(shortRevisions(joinRevisions(["web@1.2.0", sha])), "web@1.2.0, 0123456789");
    assert.equal(shortRevisions(sha), "0123456789");
  });
});
