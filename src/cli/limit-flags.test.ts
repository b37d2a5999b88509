import assert from "node:assert/strict";
import { it } from "node:test";
import { limitsFromFlags } from "./limit-flags.ts";
import { UsageError } from "./output.ts";

it("reads sizes, counts and the Stack timeout from the controller's flags, leaving the rest to defaults", () => {
  assert.deepEqual(
    limitsFromFlags({
      "max-manifest-size": "5Mi",
      "disk-budget": "1Gi",
      "max-render-objects": "500",
      "max-stack-timeout": "30m",
    }),
    {
      maxManifestFileBytes: 5 * 1024 * 1024,
      diskBudgetBytes: 1024 ** 3,
      maxRenderObjects: 500,
      maxStackTimeoutMs: 1_800_000,
    },
  );
  assert.deepEqual(limitsFromFlags({}), {});
});

for (const [flag, value] of [
  ["max-render-size", "lots"],
  ["max-render-objects", "1.5"],
  ["max-stack-timeout", "forever"],
  ["disk-budget", "0"],
] as const) {
  it(`refuses --${flag} ${value} as a usage error naming the flag`, () => {
    assert.throws(
      () => limitsFromFlags({ [flag]: value }),
      (err) => err instanceof UsageError && err.message.startsWith(`--${flag}`),
    );
  });
}
