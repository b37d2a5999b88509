// A Stack's plan for a pull request: read-only, never applied.
// (Skeleton: the signature is fixed; the implementation lands with the previews work.)
import type { StackPreview } from "../core/preview/report.ts";
import type { Stack } from "../core/stack/spec.ts";

export interface StackPlanner {
  /** `tofu plan` of the Stack at `headSha`, without the state lock, in its sandbox as its ServiceAccount. */
  planStack(stack: Stack, headSha: string, options?: { signal?: AbortSignal }): Promise<StackPreview>;
}
