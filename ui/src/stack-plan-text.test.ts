import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { parsePlanText } from "./stack-plan-text.ts";

// As `tofu show` prints a plan (OpenTofu 1.x), with a secret scrubbed to *** by the runner.
const PLAN = `
OpenTofu used the selected providers to generate the following execution
plan. Resource actions are indicated with the following symbols:
  + create
  ~ update in-place
  - destroy
-/+ destroy and then create replacement

OpenTofu will perform the following actions:

  # kubernetes_config_map.settings will be updated in-place
  ~ resource "kubernetes_config_map" "settings" {
      ~ data        = {
          ~ "version" = "v1" -> "v2"
            # (1 unchanged element hidden)
        }
        id          = "infra/settings"
      ~ password    = (sensitive value)
        # (2 unchanged attributes hidden)

        # (1 unchanged block hidden)
    }

  # terraform_data.cache will be created
  + resource "terraform_data" "cache" {
      + id     = (known after apply)
      + input  = "cache -> warm"
      + output = (known after apply)
    }

  # terraform_data.db must be replaced
-/+ resource "terraform_data" "db" {
      ~ id     = "c5d1e6f0" -> (known after apply)
      ~ input  = "hello-1" -> "***-1-v2" # forces replacement
      ~ output = "hello-1" -> (known after apply)
    }

  # terraform_data.old will be destroyed
  # (because terraform_data.old is not in configuration)
  - resource "terraform_data" "old" {
      - id    = "9a8b" -> null
      - input = "old" -> null
      - tags  = {
          - "team" = "infra"
        } -> null
    }

Plan: 2 to add, 1 to change, 2 to destroy.

Changes to Outputs:
  ~ endpoint = "db.internal:1" -> "db.internal:2"
  + token    = (sensitive value)
`;

describe("reading changed attributes from a plan's text", () => {
  const parsed = parsePlanText(PLAN);

  it("finds every resource block by its address, with tofu's sentence", () => {
    assert.deepEqual(
      [...parsed.resources.values()].map((r) => [r.address, r.sentence]),
      [
        ["kubernetes_config_map.settings", "will be updated in-place"],
        ["terraform_data.cache", "will be created"],
        ["terraform_data.db", "must be replaced"],
        ["terraform_data.old", "will be destroyed"],
      ],
    );
    assert.equal(
      parsed.resources.get("terraform_data.old")?.because,
      "(because terraform_data.old is not in configuration)",
    );
  });

  it("keeps only the attributes that change, with before and after", () => {
    const db = parsed.resources.get("terraform_data.db");
    assert.deepEqual(
      db?.attributes.map((a) => [a.name, a.sign, a.before, a.after, a.forcesReplacement]),
      [
        ["id", "~", '"c5d1e6f0"', "(known after apply)", false],
        ["input", "~", '"hello-1"', '"***-1-v2"', true],
        ["output", "~", '"hello-1"', "(known after apply)", false],
      ],
    );
  });

  it("does not split an arrow inside a quoted value", () => {
    const input = parsed.resources.get("terraform_data.cache")?.attributes.find((a) => a.name === "input");
    assert.equal(input?.before, undefined);
    assert.equal(input?.after, '"cache -> warm"');
  });

  it("shows a sensitive attribute as (sensitive), never its value", () => {
    const settings = parsed.resources.get("kubernetes_config_map.settings");
    assert.deepEqual(
      settings?.attributes.map((a) => [a.name, a.sensitive]),
      [
        ["data", false],
        ["password", true],
      ],
    );
    const password = settings?.attributes.find((a) => a.name === "password");
    assert.equal(password?.after, "(sensitive)");
  });

  it("keeps the lines of a changed map and marks a removed one as going to null", () => {
    const data = parsed.resources.get("kubernetes_config_map.settings")?.attributes[0];
    assert.deepEqual(data?.nested, ['  ~ "version" = "v1" -> "v2"', "    # (1 unchanged element hidden)"]);
    const tags = parsed.resources.get("terraform_data.old")?.attributes.find((a) => a.name === "tags");
    assert.equal(tags?.before, "{…}");
    assert.equal(tags?.after, "null");
    assert.deepEqual(
      parsed.resources.get("terraform_data.old")?.attributes.map((a) => [a.name, a.before, a.after]),
      [
        ["id", '"9a8b"', "null"],
        ["input", '"old"', "null"],
        ["tags", "{…}", "null"],
      ],
    );
  });

  it("reads the output changes, sensitive ones hidden", () => {
    assert.deepEqual(
      parsed.outputs.map((o) => [o.name, o.sign, o.before, o.after, o.sensitive]),
      [
        ["endpoint", "~", '"db.internal:1"', '"db.internal:2"', false],
        ["token", "+", undefined, "(sensitive)", true],
      ],
    );
  });

  it("reads nothing from a text without resource blocks", () => {
    const empty = parsePlanText("No changes. Your infrastructure matches the configuration.\n");
    assert.equal(empty.resources.size, 0);
    assert.deepEqual(empty.outputs, []);
  });
});
