import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { type GeneratorContext, generateParams } from "./generators.ts";
import { gitFactKey } from "./git.ts";
import { flattenParams, MAX_PARAM_SETS, type ParamSet } from "./params.ts";
import type { ClusterFact, GenerationFacts, Generator, GitFact } from "./types.ts";

const REPO = "https://git.example/apps.git";
const CLUSTERS: ClusterFact[] = [
  {
    name: "east_1",
    server: "https://east.example:6443",
    labels: { env: "prod", region: "east" },
    annotations: { owner: "ops" },
  },
  { name: "west", server: "https://west.example:6443", labels: { env: "staging" }, annotations: {} },
];
const GIT: GitFact = {
  repoURL: REPO,
  revision: "main",
  sha: "abc",
  directories: ["apps", "apps/web", "apps/api", "apps/legacy", "apps/web/base", "infra", "infra/dns"],
  files: [
    {
      path: "envs/prod/config.json",
      text: '{"cluster": {"name": "east_1", "region": "east"}, "replicas": 3, "zones": ["a", "b"]}',
    },
    { path: "envs/dev/config.yaml", text: "- cluster: {name: dev1}\n- cluster: {name: dev2}\n" },
  ],
};
const FACTS: GenerationFacts = { clusters: CLUSTERS, git: { [gitFactKey(REPO, "main")]: GIT } };

function sets(generator: Generator, goTemplate = false, facts = FACTS): ParamSet[] {
  const ctx: GeneratorContext = { goTemplate, facts };
  const result = generateParams(generator, "spec.generators[0]", ctx);
  assert.ok(result.ok, JSON.stringify(!result.ok && result.problems));
  return result.sets;
}

function problem(generator: Generator, goTemplate = false): string {
  const result = generateParams(generator, "spec.generators[0]", { goTemplate, facts: FACTS });
  assert.ok(!result.ok, "expected a problem");
  return result.problems.map((p) => `${p.field}: ${p.message}`).join("\n");
}

describe("clusters generator", () => {
  it("gives Argo CD's parameters per registered cluster, and in-cluster when no selector is set", () => {
    const flat = sets({ clusters: {} }).map(flattenParams);
    assert.deepEqual(flat[0], {
      name: "east_1",
      nameNormalized: "east-1",
      server: "https://east.example:6443",
      "metadata.labels.env": "prod",
      "metadata.labels.region": "east",
      "metadata.annotations.owner": "ops",
    });
    assert.deepEqual(
      flat.map((s) => s.name),
      ["east_1", "west", "in-cluster"],
    );
  });

  it("picks clusters by label selector, leaving out the unlabelled local cluster", () => {
    const picked = (selector: Generator["selector"]) => sets({ clusters: { selector } }).map((s) => s.name);
    assert.deepEqual(picked({ matchLabels: { env: "prod" } }), ["east_1"]);
    assert.deepEqual(picked({ matchExpressions: [{ key: "region", operator: "DoesNotExist" }] }), ["west"]);
    assert.deepEqual(picked({ matchExpressions: [{ key: "env", operator: "NotIn", values: ["prod"] }] }), [
      "west",
    ]);
  });

  it("templates values with each cluster's own parameters", () => {
    const flat = sets({
      clusters: {
        selector: { matchLabels: { env: "prod" } },
        values: { target: "{{name}}-{{metadata.labels.region}}" },
      },
    }).map(flattenParams);
    assert.equal(flat[0]?.["values.target"], "east_1-east");
  });

  it("refuses a value that uses a parameter the cluster does not have", () => {
    assert.match(
      problem({ clusters: { values: { zone: "{{metadata.labels.zone}}" } } }),
      /clusters\.values\.zone: .*"metadata\.labels\.zone"/,
    );
  });
});

describe("git directories generator", () => {
  const paths = (directories: { path: string; exclude?: boolean }[]) =>
    sets({ git: { repoURL: REPO, revision: "main", directories } }).map((s) => s.path);

  it("matches * within one folder level and ** across levels", () => {
    assert.deepEqual(paths([{ path: "apps/*" }]), ["apps/api", "apps/legacy", "apps/web"]);
    assert.deepEqual(paths([{ path: "apps/**" }]), [
      "apps",
      "apps/api",
      "apps/legacy",
      "apps/web",
      "apps/web/base",
    ]);
  });

  it("drops folders an exclude pattern matches, whatever the order", () => {
    assert.deepEqual(paths([{ path: "apps/legacy", exclude: true }, { path: "apps/*" }]), [
      "apps/api",
      "apps/web",
    ]);
  });

  it("gives path, basename, normalized basename and segments", () => {
    const [web] = sets({ git: { repoURL: REPO, revision: "main", directories: [{ path: "apps/web" }] } });
    assert.deepEqual(web, {
      path: "apps/web",
      "path.basename": "web",
      "path.basenameNormalized": "web",
      "path[0]": "apps",
      "path[1]": "web",
    });
    const [nested] = sets(
      { git: { repoURL: REPO, revision: "main", directories: [{ path: "apps/web" }] } },
      true,
    );
    assert.deepEqual(nested, {
      path: { path: "apps/web", basename: "web", basenameNormalized: "web", segments: ["apps", "web"] },
    });
  });

  it("puts path parameters under pathParamPrefix", () => {
    const [web] = sets({
      git: { repoURL: REPO, revision: "main", directories: [{ path: "apps/web" }], pathParamPrefix: "app" },
    });
    assert.equal(web?.["app.path.basename"], "web");
    assert.equal(web?.path, undefined);
  });

  it("says the revision was not read yet when its facts are missing", () => {
    assert.match(
      problem({ git: { repoURL: REPO, revision: "v2", directories: [{ path: "*" }] } }),
      /no facts for .* at v2.*waiting helps/,
    );
  });
});

describe("git files generator", () => {
  it("makes a file's fields parameters, beside its folder's path parameters", () => {
    const [prod] = sets({ git: { repoURL: REPO, revision: "main", files: [{ path: "envs/prod/*.json" }] } });
    assert.deepEqual(prod, {
      "cluster.name": "east_1",
      "cluster.region": "east",
      replicas: "3",
      "zones.0": "a",
      "zones.1": "b",
      path: "envs/prod",
      "path.basename": "prod",
      "path.basenameNormalized": "prod",
      "path.filename": "config.json",
      "path.filenameNormalized": "config.json",
      "path[0]": "envs",
      "path[1]": "prod",
    });
  });

  it("gives one set per object of a file that holds a list, nested with goTemplate", () => {
    const dev = sets({ git: { repoURL: REPO, revision: "main", files: [{ path: "envs/**/*.yaml" }] } }, true);
    assert.deepEqual(
      dev.map((s) => (s.cluster as { name: string }).name),
      ["dev1", "dev2"],
    );
  });

  it("refuses a file that is not JSON or YAML, naming it", () => {
    const facts = {
      ...FACTS,
      git: { [gitFactKey(REPO, "main")]: { ...GIT, files: [{ path: "bad.yaml", text: "a: [" }] } },
    };
    const result = generateParams(
      { git: { repoURL: REPO, revision: "main", files: [{ path: "*.yaml" }] } },
      "g",
      { goTemplate: false, facts },
    );
    assert.ok(!result.ok);
    assert.match(result.problems[0]?.message ?? "", /bad\.yaml is not valid JSON or YAML/);
  });
});

describe("matrix generator", () => {
  it("multiplies its children", () => {
    const product = sets({
      matrix: {
        generators: [
          { list: { elements: [{ env: "a" }, { env: "b" }] } },
          {
            clusters: {
              selector: { matchLabels: {}, matchExpressions: [{ key: "env", operator: "Exists" }] },
            },
          },
        ],
      },
    }).map((s) => `${s.env}/${s.name}`);
    assert.deepEqual(product, ["a/east_1", "a/west", "b/east_1", "b/west"]);
  });

  it("lets a later child use an earlier child's parameters", () => {
    const product = sets({
      matrix: {
        generators: [
          { clusters: { selector: { matchLabels: { env: "prod" } } } },
          {
            git: {
              repoURL: REPO,
              revision: "main",
              directories: [{ path: "{{metadata.labels.region}}/*" }, { path: "apps/w*" }],
            },
          },
        ],
      },
    });
    assert.deepEqual(
      product.map((s) => `${s.name}:${s.path}`),
      ["east_1:apps/web"],
    );
  });

  it("nests deeper than Argo CD's two levels", () => {
    const list = (key: string, values: string[]): Generator => ({
      list: { elements: values.map((v) => ({ [key]: v })) },
    });
    const product = sets({
      matrix: {
        generators: [
          list("a", ["1", "2"]),
          {
            matrix: {
              generators: [
                list("b", ["x"]),
                { matrix: { generators: [list("c", ["p", "q"]), list("d", ["z"])] } },
              ],
            },
          },
        ],
      },
    });
    assert.deepEqual(
      product.map((s) => `${s.a}${s.b}${s.c}${s.d}`),
      ["1xpz", "1xqz", "2xpz", "2xqz"],
    );
  });

  it("refuses two children giving one parameter different values", () => {
    assert.match(
      problem({
        matrix: { generators: [{ list: { elements: [{ k: "1" }] } }, { list: { elements: [{ k: "2" }] } }] },
      }),
      /parameter "k" has two values/,
    );
  });

  it("stops at the bound on parameter sets with a clear problem", () => {
    const many = { list: { elements: Array.from({ length: 200 }, (_, i) => ({ x: String(i) })) } };
    const other = { list: { elements: Array.from({ length: 200 }, (_, i) => ({ y: String(i) })) } };
    assert.match(
      problem({ matrix: { generators: [many, other] } }),
      new RegExp(`more than ${MAX_PARAM_SETS} parameter sets`),
    );
  });
});

describe("merge generator", () => {
  it("lays later children's sets over the first's where the merge keys agree", () => {
    const merged = sets({
      merge: {
        mergeKeys: ["name"],
        generators: [
          {
            clusters: {
              selector: { matchExpressions: [{ key: "env", operator: "Exists" }] },
              values: { size: "small" },
            },
          },
          {
            list: {
              elements: [
                { name: "west", "values.size": "large" },
                { name: "nowhere", "values.size": "huge" },
              ],
            },
          },
        ],
      },
    });
    assert.deepEqual(
      merged.map((s) => `${s.name}:${s["values.size"]}`),
      ["east_1:small", "west:large"],
    );
  });

  it("refuses two sets of a later child with the same merge keys", () => {
    const twice = { list: { elements: [{ name: "a" }, { name: "a" }] } };
    assert.match(
      problem({
        merge: { mergeKeys: ["name"], generators: [{ list: { elements: [{ name: "a" }] } }, twice] },
      }),
      /same merge keys/,
    );
  });
});

describe("generator shape", () => {
  it("refuses a generator with two kinds or none", () => {
    assert.match(problem({ list: { elements: [] }, clusters: {} }), /exactly one kind/);
    assert.match(problem({}), /needs one of list, clusters, git, matrix, merge/);
  });
});
