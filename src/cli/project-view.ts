// How `moor project list` and `moor project get` print Projects: the rules in the words of the
// flags that set them, empty lists said out loud ("none") since an empty list means something
// different per field (no repository at all, but every namespaced kind). Preview policies show
// by name and what they look at; their CEL is read in the Project's YAML.

import type { PolicyRule } from "../core/preview/policy.ts";
import type {
  DestinationServiceAccount,
  GroupKind,
  Project,
  ProjectDestination,
} from "../core/project/project.ts";
import { describeSignatureKey } from "../core/project/signature.ts";
import { age, renderTable } from "./output.ts";

function groupKind(gk: GroupKind): string {
  return gk.group ? `${gk.group}/${gk.kind}` : gk.kind;
}

function destination(d: ProjectDestination): string {
  return `${[d.name, d.server].filter(Boolean).join(" ")}, namespace ${d.namespace}`;
}

function serviceAccount(d: DestinationServiceAccount): string {
  return `${[d.name, d.server].filter(Boolean).join(" ")}, namespace ${d.namespace}: ${d.defaultServiceAccount}`;
}

/** `no-host-network (Deployment, Pod)`: a rule's name and what it looks at; the CEL stays in the YAML. */
function policy(rule: PolicyRule): string {
  const only = rule.appliesTo === "objects" ? rule.kinds : rule.resourceTypes;
  const what = only?.length
    ? only.join(", ")
    : rule.appliesTo === "objects"
      ? "every object"
      : "every change";
  return `${rule.name} (${what})`;
}

function listText(values: readonly string[] | undefined, empty: string): string {
  return values && values.length > 0 ? values.join(", ") : empty;
}

export function renderProjectList(projects: readonly Project[], now = Date.now()): string {
  return renderTable(projects, [
    { header: "NAME", value: (p) => p.metadata.name },
    { header: "REPOS", value: (p) => listText(p.spec?.sourceRepos, "none") },
    { header: "DESTINATIONS", value: (p) => listText(p.spec?.destinations?.map(destination), "none") },
    { header: "SOURCE NAMESPACES", value: (p) => listText(p.spec?.sourceNamespaces, "mooring only") },
    {
      header: "AGE",
      value: (p) => (p.metadata.creationTimestamp ? age(p.metadata.creationTimestamp, now) : ""),
    },
    { header: "DESCRIPTION", value: (p) => p.spec?.description ?? "" },
  ]);
}

/** What `moor project get NAME` prints; `users` are the Applications and Stacks naming it. */
export function renderProjectSummary(project: Project, users: readonly string[]): string {
  const spec = project.spec ?? {};
  const rows: [string, string][] = [
    ["Name", project.metadata.name],
    ["Description", spec.description ?? ""],
    ["Source repos", listText(spec.sourceRepos, "none (no repository may be read)")],
    ["Destinations", listText(spec.destinations?.map(destination), "none (nothing may be deployed)")],
    [
      "Cluster kinds",
      `${listText(spec.clusterResourceWhitelist?.map(groupKind), "none")}${spec.clusterResourceBlacklist?.length ? `; denied: ${listText(spec.clusterResourceBlacklist.map(groupKind), "")}` : ""}`,
    ],
    [
      "Namespaced kinds",
      `${listText(spec.namespaceResourceWhitelist?.map(groupKind), "all")}${spec.namespaceResourceBlacklist?.length ? `; denied: ${listText(spec.namespaceResourceBlacklist.map(groupKind), "")}` : ""}`,
    ],
    ["Source namespaces", listText(spec.sourceNamespaces, "the controller namespace only")],
    [
      "Sync accounts",
      listText(
        spec.destinationServiceAccounts?.map(serviceAccount),
        "none (syncs use the install's default identity)",
      ),
    ],
    [
      "Signed commits",
      spec.signatureKeys?.length
        ? `required, by ${spec.signatureKeys.map(describeSignatureKey).join(", ")}`
        : "not required",
    ],
    ["Preview policies", listText(spec.policies?.map(policy), "none")],
    ["Used by", listText(users, "nothing")],
  ];
  const width = Math.max(...rows.map(([label]) => label.length)) + 2;
  return rows.map(([label, value]) => `${`${label}:`.padEnd(width)}${value}`.trimEnd()).join("\n");
}
