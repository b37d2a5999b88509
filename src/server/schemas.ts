// Schemas shared by many routes. Names are checked before they reach the cluster or a file path:
// a Kubernetes name is a DNS label or subdomain, so `/`, `..`, spaces and upper case never pass.
import { z } from "zod";

/** A namespace: a DNS-1123 label. */
export const namespaceName = z
  .string()
  .regex(
    /^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/,
    "must be a Kubernetes namespace name (lower-case letters, digits, '-')",
  );

/** An object name: a DNS-1123 subdomain (lower-case letters, digits, '-' and '.', no '..'). */
export const objectName = z
  .string()
  .max(253)
  .regex(
    /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/,
    "must be a Kubernetes object name (lower-case letters, digits, '-' and '.')",
  );

/** Path parameters of a namespaced object. */
export const namespacedParams = z.strictObject({ namespace: namespaceName, name: objectName });

/** Path parameters of a cluster-scoped object. */
export const nameParams = z.strictObject({ name: objectName });

/** The answer of an action that only acknowledges: what was asked, for whom. */
export const accepted = z.object({ accepted: z.literal(true), message: z.string() });

/** The body of every error answer (./errors.ts). */
export const errorBody = z.object({
  error: z.looseObject({ code: z.string(), message: z.string(), retryable: z.boolean() }),
});
