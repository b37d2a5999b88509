import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { setFromManifest } from "./appset-commands.ts";

const manifest = (apiVersion: string, extra = "") => `apiVersion: ${apiVersion}
kind: ApplicationSet
metadata:
  name: guestbook
${extra}spec:
  generators: [{ list: { elements: [{ cluster: a }] } }]
  template:
    metadata: { name: "{{cluster}}-guestbook" }
    spec: { source: { repoURL: https://git.example/r.git }, destination: { namespace: gb } }
`;

describe("setFromManifest", () => {
  it("places a set without a namespace in the controller namespace, keeping its spec", () => {
    const set = setFromManifest(manifest("mooring.dev/v1alpha1"), "set.yaml", undefined, {});
    assert.deepEqual(set.metadata, { name: "guestbook", namespace: "mooring" });
    assert.equal(set.spec.template.metadata.name, "{{cluster}}-guestbook");
  });

  it("tells an Argo CD user which apiVersion to write", () => {
    assert.throws(
      () => setFromManifest(manifest("argoproj.io/v1alpha1"), "set.yaml", undefined, {}),
      /apiVersion must be mooring.dev\/v1alpha1, got "argoproj.io\/v1alpha1"; change it to mooring.dev\/v1alpha1/,
    );
  });

  it("refuses a -n that disagrees with the file's namespace", () => {
    assert.throws(
      () =>
        setFromManifest(manifest("mooring.dev/v1alpha1", "  namespace: team-a\n"), "set.yaml", undefined, {
          namespace: "team-b",
        }),
      /-n team-b differs from metadata.namespace "team-a"/,
    );
  });

  it("refuses another kind", () => {
    assert.throws(
      () =>
        setFromManifest("apiVersion: mooring.dev/v1alpha1\nkind: Application\n", "app.yaml", undefined, {}),
      /holds kind Application, not ApplicationSet/,
    );
  });
});
