// Writing a Stack's outputs to its Secret (spec.writeOutputsToSecret), as the Stack's
// ServiceAccount: the Secret is created with an owner reference to the Stack, and an existing
// Secret is written only when this Stack owns it (src/core/stack/outputs.ts). The check runs
// before a run starts, so a Stack naming someone else's Secret never gets as far as applying,
// and again right before writing.
import { OUTPUTS_OF_LABEL, outputsSecretData, outputsSecretOwnership } from "../core/stack/outputs.ts";
import { type ResolvedStackSpec, SENSITIVE_OUTPUTS_ANNOTATION, type Stack } from "../core/stack/spec.ts";
import type { KubeClient } from "../kube/client.ts";
import type { OutputValue } from "../terraform/runner.ts";
import { StackError } from "./stack-errors.ts";

type Target = NonNullable<ResolvedStackSpec["writeOutputsToSecret"]>;

/** Refuses (StackError outputs-secret-not-owned) when the target Secret is not this Stack's to write. */
export async function checkOutputsSecret(client: KubeClient, stack: Stack, target: Target): Promise<void> {
  const { namespace, name, uid } = stack.metadata;
  const existing = await client.get("v1", "Secret", namespace, target.name);
  const decision = outputsSecretOwnership(existing, { namespace, name, uid: uid ?? "" });
  if (!decision.writable) throw new StackError("outputs-secret-not-owned", decision.message);
}

export async function writeOutputs(
  client: KubeClient,
  stack: Stack,
  target: Target,
  outputs: Record<string, OutputValue>,
): Promise<void> {
  await checkOutputsSecret(client, stack, target);
  const { data, sensitive } = outputsSecretData(target, outputs);
  await client.apply({
    apiVersion: "v1",
    kind: "Secret",
    type: "Opaque",
    metadata: {
      name: target.name,
      namespace: stack.metadata.namespace,
      labels: { [OUTPUTS_OF_LABEL]: stack.metadata.name },
      // `moor stack outputs` hides these unless asked to show them.
      annotations: { [SENSITIVE_OUTPUTS_ANNOTATION]: sensitive.join(",") },
      ownerReferences: [
        {
          apiVersion: "mooring.dev/v1alpha1",
          kind: "Stack",
          name: stack.metadata.name,
          uid: stack.metadata.uid ?? "",
        },
      ],
    },
    data,
  });
}
