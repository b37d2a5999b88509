// Where Stack plans live between `tofu plan` and `tofu apply`: Secrets in the Stack's namespace,
// never local disk, so a controller restart loses nothing and a different replica can apply.
// A plan file holds the configuration and variable values (secrets included, in clear), which is
// why it goes into Secrets. Each part is gzipped and split into chunks that fit a Secret (1 MiB
// per object), in Secrets named plan-<stack>-<planId>-<n> labelled with the stack and plan id.
import { gunzipSync, gzipSync } from "node:zlib";
import type { KubeObject } from "../core/objects.ts";
import type { KubeClient } from "../kube/client.ts";

export const PLAN_SECRET_TYPE = "mooring.dev/plan";
export const STACK_LABEL = "mooring.dev/stack";
export const PLAN_ID_LABEL = "mooring.dev/plan-id";

/** Bytes of compressed data per Secret: well under the 1 MiB object limit once base64-encoded. */
export const CHUNK_BYTES = 512 * 1024;

export interface StoredPlan {
  planId: string;
  /** The binary plan file from `tofu plan -out`. */
  planFile: Buffer;
  /** `tofu show` of the plan, for people (`moor stack plan`), already scrubbed of secrets. */
  text: string;
}

interface Part {
  key: "planfile" | "text";
  data: Buffer;
}

function chunks(parts: readonly Part[]): Record<string, string>[] {
  const out: Record<string, string>[] = [];
  let current: Record<string, string> = {};
  let size = 0;
  for (const part of parts) {
    const zipped = gzipSync(part.data);
    for (let offset = 0, i = 0; offset < zipped.length || i === 0; offset += CHUNK_BYTES, i++) {
      const piece = zipped.subarray(offset, offset + CHUNK_BYTES);
      if (size + piece.length > CHUNK_BYTES && size > 0) {
        out.push(current);
        current = {};
        size = 0;
      }
      current[`${part.key}.gz.${String(i).padStart(4, "0")}`] = piece.toString("base64");
      size += piece.length;
    }
  }
  out.push(current);
  return out;
}

export function planSecretName(stack: string, planId: string, index: number): string {
  return `plan-${stack}-${planId}-${index}`.slice(0, 253);
}

/** Saves a plan (replacing any earlier copy of the same id). */
export async function savePlan(
  client: KubeClient,
  owner: { namespace: string; name: string; uid?: string },
  plan: StoredPlan,
): Promise<void> {
  const pieces = chunks([
    { key: "planfile", data: plan.planFile },
    { key: "text", data: Buffer.from(plan.text, "utf8") },
  ]);
  for (const [index, data] of pieces.entries()) {
    const secret: KubeObject = {
      apiVersion: "v1",
      kind: "Secret",
      type: PLAN_SECRET_TYPE,
      metadata: {
        name: planSecretName(owner.name, plan.planId, index),
        namespace: owner.namespace,
        labels: { [STACK_LABEL]: owner.name, [PLAN_ID_LABEL]: plan.planId },
        annotations: { "mooring.dev/plan-chunks": String(pieces.length) },
        ...(owner.uid
          ? {
              ownerReferences: [
                { apiVersion: "mooring.dev/v1alpha1", kind: "Stack", name: owner.name, uid: owner.uid },
              ],
            }
          : {}),
      },
      data,
    };
    await client.apply(secret);
  }
}

/** Loads a plan, or null when no complete copy of it is stored. */
export async function loadPlan(
  client: KubeClient,
  stack: { namespace: string; name: string },
  planId: string,
): Promise<StoredPlan | null> {
  const { items } = await client.list("v1", "Secret", {
    namespace: stack.namespace,
    labelSelector: `${STACK_LABEL}=${stack.name},${PLAN_ID_LABEL}=${planId}`,
  });
  if (items.length === 0) return null;
  const expected = Number(items[0]?.metadata.annotations?.["mooring.dev/plan-chunks"] ?? "0");
  if (items.length !== expected) return null;
  const data: Record<string, string> = {};
  for (const item of items)
    Object.assign(data, (item as KubeObject & { data?: Record<string, string> }).data ?? {});
  const join = (key: string) => {
    const names = Object.keys(data)
      .filter((k) => k.startsWith(`${key}.gz.`))
      .sort();
    if (names.length === 0) return null;
    return gunzipSync(Buffer.concat(names.map((k) => Buffer.from(data[k] ?? "", "base64"))));
  };
  const planFile = join("planfile");
  const text = join("text");
  if (!planFile || !text) return null;
  return { planId, planFile, text: text.toString("utf8") };
}

/** Deletes every stored plan of a stack except the ones to keep. */
export async function prunePlans(
  client: KubeClient,
  stack: { namespace: string; name: string },
  keep: readonly string[],
): Promise<number> {
  // Only plan Secrets: those carry a plan id (outputs Secrets name the stack too).
  const { items } = await client.list("v1", "Secret", {
    namespace: stack.namespace,
    labelSelector: `${STACK_LABEL}=${stack.name},${PLAN_ID_LABEL}`,
  });
  let deleted = 0;
  for (const item of items) {
    const id = item.metadata.labels?.[PLAN_ID_LABEL] ?? "";
    if (keep.includes(id)) continue;
    await client.delete({
      group: "",
      kind: "Secret",
      namespace: stack.namespace,
      name: item.metadata.name ?? "",
      apiVersion: "v1",
    });
    deleted++;
  }
  return deleted;
}
