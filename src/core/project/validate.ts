// What a well-formed Project looks like. The controller refuses to enforce a malformed project
// (every Application in it stalls, saying which field is wrong) rather than guess what was meant;
// `moor project create` refuses it before it reaches the cluster.
import { parseProjectRoles } from "../access/authorize.ts";
import { OBJECT_NAME } from "../objects.ts";
import { compilePolicies } from "../preview/policy.ts";
import { parseRepoPattern } from "./repo-url.ts";
import { signatureKeyProblems } from "./signature.ts";

const NAMESPACE = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** Problems with a Project object, each naming the project and the field; empty when valid. */
export function validateProject(obj: unknown): string[] {
  if (!isRecord(obj)) return ["a Project must be an object"];
  const metadata = isRecord(obj.metadata) ? obj.metadata : {};
  const name = typeof metadata.name === "string" ? metadata.name : "";
  const problems: string[] = [];
  const at = (field: string, text: string) =>
    problems.push(`project ${name || "(unnamed)"}: ${field} ${text}`);
  if (name === "") at("metadata.name", "is required");
  else if (!OBJECT_NAME.test(name) || name.length > 253)
    at("metadata.name", `"${name}" is not a valid object name`);
  const spec = obj.spec === undefined ? {} : obj.spec;
  if (!isRecord(spec)) {
    at("spec", "must be an object");
    return problems;
  }
  if (spec.description !== undefined && typeof spec.description !== "string")
    at("spec.description", "must be a string");

  const strings = (field: string, check?: (value: string, where: string) => void) => {
    const list = spec[field];
    if (list === undefined) return;
    if (!Array.isArray(list)) return at(`spec.${field}`, "must be a list of strings");
    list.forEach((value, i) => {
      const where = `spec.${field}[${i}]`;
      if (typeof value !== "string" || value === "") at(where, "must be a non-empty string");
      else check?.(value, where);
    });
  };
  strings("sourceRepos", (value, where) => {
    const pattern = value.startsWith("!") ? value.slice(1) : value;
    if (parseRepoPattern(pattern) === undefined) {
      at(
        where,
        `"${value}" is not a repository URL pattern: write scheme://host[:port]/path with * and ? as wildcards (no user name or password), git@host:path, or * for any`,
      );
    }
  });
  strings("sourceNamespaces");

  const objects = (field: string, check: (entry: Record<string, unknown>, where: string) => void) => {
    const list = spec[field];
    if (list === undefined) return;
    if (!Array.isArray(list)) return at(`spec.${field}`, "must be a list");
    list.forEach((entry, i) => {
      const where = `spec.${field}[${i}]`;
      if (!isRecord(entry)) at(where, "must be an object");
      else check(entry, where);
    });
  };
  const optionalString = (entry: Record<string, unknown>, key: string, where: string) => {
    if (entry[key] !== undefined && (typeof entry[key] !== "string" || entry[key] === "")) {
      at(`${where}.${key}`, "must be a non-empty string when set");
    }
  };
  const cluster = (entry: Record<string, unknown>, where: string) => {
    optionalString(entry, "server", where);
    optionalString(entry, "name", where);
    if (entry.server === undefined && entry.name === undefined) {
      at(where, "needs server or name (a glob; * for any cluster)");
    }
    if (typeof entry.namespace !== "string" || entry.namespace === "") {
      at(`${where}.namespace`, "is required (a glob; * for any namespace)");
    }
  };
  objects("destinations", cluster);
  objects("destinationServiceAccounts", (entry, where) => {
    cluster(entry, where);
    const account = entry.defaultServiceAccount;
    if (typeof account !== "string" || account === "") {
      at(`${where}.defaultServiceAccount`, "is required: NAME, or NAMESPACE:NAME");
      return;
    }
    const parts = account.split(":");
    const valid =
      parts.length === 1
        ? OBJECT_NAME.test(account)
        : parts.length === 2 && NAMESPACE.test(parts[0] ?? "") && OBJECT_NAME.test(parts[1] ?? "");
    if (!valid) at(`${where}.defaultServiceAccount`, `"${account}" is not NAME or NAMESPACE:NAME`);
  });
  for (const field of [
    "clusterResourceWhitelist",
    "clusterResourceBlacklist",
    "namespaceResourceWhitelist",
    "namespaceResourceBlacklist",
  ]) {
    objects(field, (entry, where) => {
      if (entry.group !== undefined && typeof entry.group !== "string")
        at(`${where}.group`, "must be a string");
      if (typeof entry.kind !== "string" || entry.kind === "")
        at(`${where}.kind`, "is required (a glob; * for any kind)");
    });
  }
  objects("signatureKeys", (entry, where) => {
    for (const [field, text] of signatureKeyProblems(entry)) at(`${where}${field}`, text);
  });
  const roles = parseProjectRoles(name || "(unnamed)", spec.roles);
  if (!roles.ok) problems.push(...roles.problems);
  if (spec.policies !== undefined) {
    if (!Array.isArray(spec.policies)) at("spec.policies", "must be a list");
    else
      for (const problem of compilePolicies(spec.policies).problems)
        problems.push(`project ${name || "(unnamed)"}: ${problem}`);
  }
  return problems;
}
