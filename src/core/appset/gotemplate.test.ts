import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { renderGoTemplate } from "./gotemplate.ts";

const PARAMS = {
  name: "Dev_1",
  n: 3,
  path: { path: "apps/web", basename: "web", segments: ["apps", "web"] },
  metadata: { labels: { env: "prod", "team-name": "blue" } },
  tags: [],
};

describe("renderGoTemplate", () => {
  const renders: [string, string, string][] = [
    ["a field", "{{.name}}-app", "Dev_1-app"],
    ["a nested field", "{{ .metadata.labels.env }}", "prod"],
    ["index into a list", "{{ index .path.segments 1 }}", "web"],
    ["index by a key that is no field name", '{{ index .metadata.labels "team-name" }}', "blue"],
    ["a pipeline of functions", "{{ .name | lower | trunc 3 }}", "dev"],
    ["replace then quote", '{{ replace "_" "-" .name | lower | quote }}', '"dev-1"'],
    ["a parenthesised command", '{{ (index .metadata.labels "env") | upper }}', "PROD"],
    ["default for a missing parameter", '{{ .region | default "eu" }}', "eu"],
    ["default keeps a present value", '{{ default "eu" .metadata.labels.env }}', "prod"],
    [
      "if / else if / else",
      '{{ if eq .metadata.labels.env "dev" }}D{{ else if ne .n 3 }}X{{ else }}P{{ end }}',
      "P",
    ],
    ["hasKey", '{{ if hasKey .metadata.labels "env" }}yes{{ end }}', "yes"],
    ["printf", '{{ printf "%s-%d-%v" .name .n .path.basename }}', "Dev_1-3-web"],
    ["toJson", "{{ toJson .path.segments }}", '["apps","web"]'],
    ["a map as Go prints it", "{{ .metadata.labels }}", "map[env:prod team-name:blue]"],
    ["trim markers", "a {{- .path.basename -}} \n b", "awebb"],
    ["comments", "x{{/* note */}}y", "xy"],
    ["normalize", "{{ normalize .name }}", "dev-1"],
    ["text without actions", "plain", "plain"],
    ["range over a list", "{{ range .path.segments }}[{{ . }}]{{ end }}", "[apps][web]"],
    ["range over a map's values in key order", "{{ range .metadata.labels }}{{ . }},{{ end }}", "prod,blue,"],
    ["range's else for an empty list", "{{ range .tags }}x{{ else }}none{{ end }}", "none"],
    [
      "$ as the parameters inside range",
      "{{ range .path.segments }}{{ $.name }}/{{ . }} {{ end }}",
      "Dev_1/apps Dev_1/web ",
    ],
    ["with moving . to a value", "{{ with .metadata.labels }}{{ .env }}-{{ $.n }}{{ end }}", "prod-3"],
    ["with's else for an empty value", "{{ with .tags }}x{{ else }}no tags{{ end }}", "no tags"],
  ];
  for (const [what, template, expected] of renders) {
    it(`renders ${what}`, () =>
      assert.deepEqual(renderGoTemplate(template, PARAMS), { ok: true, text: expected }));
  }

  const refuses: [string, string, RegExp][] = [
    ["a missing parameter, by name", "{{ .region }}", /parameter "region"/],
    [
      "a missing nested parameter, by its path",
      "{{ .metadata.labels.zone }}",
      /parameter "metadata.labels.zone"/,
    ],
    ["a missing parameter in a condition", "{{ if .flag }}x{{ end }}", /parameter "flag"/],
    ["a missing parameter passed to a function", "{{ upper .region }}", /parameter "region"/],
    ["an unknown function", "{{ exec }}", /"exec", which is not a function/],
    ["define", '{{ define "x" }}x{{ end }}', /define.*not supported/],
    ["range with variables", "{{ range $i, $s := .path.segments }}x{{ end }}", /variables are not supported/],
    ["range over a string", "{{ range .name }}x{{ end }}", /range needs a list or a map, not string Dev_1/],
    ["range over a missing parameter", "{{ range .zones }}x{{ end }}", /parameter "zones"/],
    [
      "a missing field of range's element",
      "{{ range .path.segments }}{{ .zone }}{{ end }}",
      /parameter "zone"/,
    ],
    ["a range without end", "{{ range .path.segments }}x", /no \{\{end\}\}/],
    ["variables", "{{ $x := .name }}", /variables are not supported/],
    ["an unclosed action", "{{ .name", /not closed/],
    ["an if without end", "{{ if .name }}x", /no \{\{end\}\}/],
    ["deeply nested parentheses", `{{ ${"(".repeat(5000)}.name${")".repeat(5000)} }}`, /nest deeper than 32/],
    [
      "deeply nested ifs",
      `${"{{ if true }}".repeat(5000)}x${"{{ end }}".repeat(5000)}`,
      /nest deeper than 32/,
    ],
    ["an index out of range", "{{ index .path.segments 5 }}", /out of range/],
  ];
  for (const [what, template, message] of refuses) {
    it(`refuses ${what}`, () => {
      const result = renderGoTemplate(template, PARAMS);
      assert.equal(result.ok, false);
      assert.match(result.ok ? "" : result.message, message);
    });
  }

  it("bounds the output of one string", () => {
    const big = "x".repeat(200_000);
    const result = renderGoTemplate("{{ .big }}{{ .big }}", { big });
    assert.equal(result.ok, false);
    assert.match(result.ok ? "" : result.message, /longer than/);
  });

  it("stops nested ranges that would take too many steps, however little they print", () => {
    const l = Array.from({ length: 1000 }, (_, i) => i);
    const result = renderGoTemplate(
      "{{ range .l }}{{ range $.l }}{{ range $.l }}{{ end }}{{ end }}{{ end }}",
      { l },
    );
    assert.equal(result.ok, false);
    assert.match(result.ok ? "" : result.message, /more than 100000 steps/);
  });
});
