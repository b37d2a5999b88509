import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { APPLICATION_SET_LABEL, factsNeeded, generateApplications } from "./generate.ts";
import type { ApplicationSet, GenerationFacts, Generator } from "./types.ts";

const NO_FACTS: GenerationFacts = { clusters: [], git: {} };

function appSet(
  generators: Generator[],
  template: Partial<ApplicationSet["spec"]["template"]> = {},
  extra: Partial<ApplicationSet["spec"]> = {},
): ApplicationSet {
  return {
    apiVersion: "mooring.dev/v1alpha1",
    kind: "ApplicationSet",
    metadata: { name: "guestbook", namespace: "team-a", uid: "uid-1" },
    spec: {
      generators,
      template: {
        metadata: { name: "{{cluster}}-guestbook", ...template.metadata },
        spec: template.spec ?? {
          source: { repoURL: "https://git.example/apps.git", path: "guestbook/{{ cluster }}" },
          destination: { cluster: "{{cluster}}", namespace: "guestbook" },
        },
      },
      ...extra,
    },
  };
}

function ok(result: ReturnType<typeof generateApplications>) {
  assert.ok(result.ok, JSON.stringify(!result.ok && result.problems));
  return result.applications;
}

describe("generateApplications with a list generator", () => {
  it("makes one Application per element, with {{param}} and {{ param }} filled in", () => {
    const apps = ok(
      generateApplications(
        appSet([{ list: { elements: [{ cluster: "dev" }, { cluster: "prod" }] } }]),
        NO_FACTS,
      ),
    );
    assert.deepEqual(
      apps.map((a) => [a.metadata.name, a.spec.source?.path, a.spec.destination.cluster]),
      [
        ["dev-guestbook", "guestbook/dev", "dev"],
        ["prod-guestbook", "guestbook/prod", "prod"],
      ],
    );
  });

  it("puts each Application in the set's namespace, labelled with and owned by the set", () => {
    const [app] = ok(generateApplications(appSet([{ list: { elements: [{ cluster: "dev" }] } }]), NO_FACTS));
    assert.equal(app?.apiVersion, "mooring.dev/v1alpha1");
    assert.equal(app?.kind, "Application");
    assert.equal(app?.metadata.namespace, "team-a");
    assert.equal(app?.metadata.labels?.[APPLICATION_SET_LABEL], "guestbook");
    assert.deepEqual(app?.metadata.ownerReferences, [
      {
        apiVersion: "mooring.dev/v1alpha1",
        kind: "ApplicationSet",
        name: "guestbook",
        uid: "uid-1",
        controller: true,
      },
    ]);
  });

  it("uses the template's namespace when it names one", () => {
    const set = appSet([{ list: { elements: [{ cluster: "dev" }] } }], {
      metadata: { name: "{{cluster}}", namespace: "apps-{{cluster}}" },
    });
    assert.equal(ok(generateApplications(set, NO_FACTS))[0]?.metadata.namespace, "apps-dev");
  });

  it("refuses a template that uses a parameter no generator gave, naming it and the field", () => {
    const result = generateApplications(
      appSet([{ list: { elements: [{ cluster: "dev" }] } }], {
        spec: {
          source: { repoURL: "https://git.example/apps.git", path: "{{region}}/app" },
          destination: {},
        },
      }),
      NO_FACTS,
    );
    assert.equal(result.ok, false);
    assert.ok(!result.ok);
    assert.equal(result.problems[0]?.field, "spec.template.spec.source.path");
    assert.match(result.problems[0]?.message ?? "", /"region"/);
  });

  it("refuses two parameter sets that give the same name, naming both", () => {
    const result = generateApplications(
      appSet([
        {
          list: {
            elements: [
              { cluster: "dev", n: "1" },
              { cluster: "dev", n: "2" },
            ],
          },
        },
      ]),
      NO_FACTS,
    );
    assert.ok(!result.ok);
    assert.match(result.problems[0]?.message ?? "", /"dev-guestbook".*n=1.*n=2/);
  });

  it("refuses a name that is not a valid Kubernetes name", () => {
    const result = generateApplications(appSet([{ list: { elements: [{ cluster: "Dev_1" }] } }]), NO_FACTS);
    assert.ok(!result.ok);
    assert.match(result.problems[0]?.message ?? "", /"Dev_1-guestbook" is not a valid Application name/);
  });

  it("lays a generator's own template over the set's", () => {
    const set = appSet([
      {
        list: {
          elements: [{ cluster: "dev" }],
          template: { metadata: { name: "special-{{cluster}}" } } as never,
        },
      },
    ]);
    const [app] = ok(generateApplications(set, NO_FACTS));
    assert.equal(app?.metadata.name, "special-dev");
    assert.equal(app?.spec.source?.path, "guestbook/dev");
  });

  it("keeps only the parameter sets a generator's selector matches", () => {
    const set = appSet([
      {
        list: {
          elements: [
            { cluster: "dev", env: "staging" },
            { cluster: "prod", env: "prod" },
          ],
        },
        selector: { matchLabels: { env: "prod" } },
      },
    ]);
    assert.deepEqual(
      ok(generateApplications(set, NO_FACTS)).map((a) => a.metadata.name),
      ["prod-guestbook"],
    );
  });
});

describe("generateApplications with goTemplate", () => {
  it("renders Go templates with nested values and functions", () => {
    const set = appSet(
      [{ list: { elements: [{ cluster: "Dev_1", settings: { replicas: 2 } }] } }],
      {
        metadata: {
          name: "{{ .cluster | normalize }}-guestbook",
          labels: { replicas: "{{ .settings.replicas }}" },
        },
        spec: {
          source: { repoURL: "https://git.example/apps.git", path: "{{ lower .cluster }}" },
          destination: {},
        },
      },
      { goTemplate: true, goTemplateOptions: ["missingkey=error"] },
    );
    const [app] = ok(generateApplications(set, NO_FACTS));
    assert.equal(app?.metadata.name, "dev-1-guestbook");
    assert.equal(app?.metadata.labels?.replicas, "2");
    assert.equal(app?.spec.source?.path, "dev_1");
  });

  it("refuses a missing parameter even without missingkey=error", () => {
    const set = appSet(
      [{ list: { elements: [{ cluster: "dev" }] } }],
      { metadata: { name: "{{ .cluster }}-{{ .region }}" } },
      { goTemplate: true },
    );
    const result = generateApplications(set, NO_FACTS);
    assert.ok(!result.ok);
    assert.deepEqual(
      result.problems.map((p) => p.field),
      ["spec.template.metadata.name"],
    );
    assert.match(result.problems[0]?.message ?? "", /parameter "region"/);
  });
});

describe("factsNeeded", () => {
  it("asks for clusters and each git revision once, nested generators included", () => {
    const git = { repoURL: "https://git.example/apps.git", revision: "main" };
    const set = appSet([
      {
        matrix: {
          generators: [
            { clusters: {} },
            { git: { ...git, files: [{ path: "envs/*.yaml" }, { path: "envs/old.yaml", exclude: true }] } },
          ],
        },
      },
      { git: { ...git, directories: [{ path: "apps/*" }] } },
    ]);
    assert.deepEqual(factsNeeded(set), { clusters: true, git: [{ ...git, fileGlobs: ["envs/*.yaml"] }] });
  });

  it("asks for a git revision an earlier matrix child names once that child's facts are known", () => {
    const set = appSet([
      {
        matrix: {
          generators: [
            { clusters: { selector: { matchLabels: { tier: "web" } } } },
            {
              git: {
                repoURL: "{{metadata.annotations.repo}}",
                revision: "{{metadata.labels.branch}}",
                files: [{ path: "config.json" }],
              },
            },
          ],
        },
      },
    ]);
    assert.deepEqual(factsNeeded(set), { clusters: true, git: [] });
    const clusters = [
      {
        name: "east",
        server: "https://east",
        labels: { tier: "web", branch: "stable" },
        annotations: { repo: "https://git.example/east.git" },
      },
    ];
    assert.deepEqual(factsNeeded(set, { clusters, git: {} }), {
      clusters: true,
      git: [{ repoURL: "https://git.example/east.git", revision: "stable", fileGlobs: ["config.json"] }],
    });
  });

  it("asks for nothing for a list generator", () => {
    assert.deepEqual(factsNeeded(appSet([{ list: { elements: [] } }])), { clusters: false, git: [] });
  });
});

describe("generateApplications bounds", () => {
  it("refuses a template without a spec, naming the field", () => {
    const set = appSet([{ list: { elements: [{ cluster: "dev" }] } }]);
    (set.spec.template as { spec?: unknown }).spec = undefined;
    const result = generateApplications(set, NO_FACTS);
    assert.ok(!result.ok);
    assert.equal(result.problems[0]?.field, "spec.template.spec");
  });

  it("refuses to generate more Applications than the bound", () => {
    const elements = Array.from({ length: 6000 }, (_, i) => ({ cluster: `c${i}` }));
    const result = generateApplications(
      appSet([
        { list: { elements } },
        { list: { elements: elements.map((e) => ({ cluster: `x${e.cluster}` })) } },
      ]),
      NO_FACTS,
    );
    assert.ok(!result.ok);
    assert.equal(result.problems[0]?.field, "spec.generators[1]");
    assert.match(result.problems[0]?.message ?? "", /more than 10000 Applications/);
  });
});
