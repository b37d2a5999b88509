// `moor appset create|list|get|preview|delete`: ApplicationSets (src/core/appset), one template
// stamped into many Applications by the controller. `preview` runs the same generation the
// controller runs, with the same facts (the registered clusters' Secrets, read with the caller's
// credentials, and the Git generators' repositories through the local git adapter), and prints
// the Applications the set would generate without creating any.
import { readFileSync } from "node:fs";
import { SourceResolver } from "../controller/app-source.ts";
import { fetchFacts, listClusterFacts } from "../controller/appset-facts.ts";
import { type Application, CONTROLLER_NAMESPACE } from "../core/application.ts";
import { factsNeeded, generateApplications } from "../core/appset/generate.ts";
import { stepProgress } from "../core/appset/rollout.ts";
import {
  APPLICATIONSET_API_VERSION,
  APPLICATIONSET_KIND,
  type ApplicationSet,
  type RollingSyncStep,
} from "../core/appset/types.ts";
import { findCondition } from "../core/conditions.ts";
import { GitSource } from "../git/source.ts";
import type { KubeClient } from "../kube/client.ts";
import { type Command, EXIT, outputOption, stringValue, type Values } from "./command.ts";
import { CLUSTER_FLAGS, forPrinting, oneName, print } from "./command-kit.ts";
import { clientFromFlags, clusterOptions } from "./controller-commands.ts";
import { nameAndNamespace, parseManifestDocument } from "./manifest-input.ts";
import { parseOutputFormat, renderStructured, renderTable, UsageError } from "./output.ts";
import { type NamespacedObject, ResourceApi } from "./resource-client.ts";

/** A command failed for a reason the user can act on; exit code 1. */
export class AppSetError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "AppSetError";
  }
}

type StoredSet = ApplicationSet & NamespacedObject;

function setApi(client: KubeClient, namespace: string): ResourceApi<StoredSet> {
  return new ResourceApi<StoredSet>(client, namespace, {
    apiVersion: APPLICATIONSET_API_VERSION,
    kind: APPLICATIONSET_KIND,
    noun: "applicationset",
    command: "appset",
    installHint: " (it installs the ApplicationSet CRD)",
    error: AppSetError,
  });
}

async function withSets<T>(
  values: Values,
  work: (api: ResourceApi<StoredSet>, client: KubeClient) => Promise<T>,
) {
  const { client, namespace } = clientFromFlags(values);
  try {
    return await work(setApi(client, namespace), client);
  } finally {
    client.close();
  }
}

/** The set a manifest file (or stdin, `-`) holds, with its name and namespace settled. */
export function setFromManifest(
  text: string,
  source: string,
  name: string | undefined,
  values: Values,
): StoredSet {
  const doc = parseManifestDocument(text, source, "an ApplicationSet");
  if (doc.kind !== APPLICATIONSET_KIND)
    throw new UsageError(`${source} holds kind ${String(doc.kind)}, not ApplicationSet`);
  const apiVersion = String(doc.apiVersion ?? "");
  if (apiVersion !== APPLICATIONSET_API_VERSION) {
    const hint = apiVersion.startsWith("argoproj.io/") ? `; change it to ${APPLICATIONSET_API_VERSION}` : "";
    throw new UsageError(
      `${source}: apiVersion must be ${APPLICATIONSET_API_VERSION}, got "${apiVersion}"${hint}`,
    );
  }
  const metadata = (doc.metadata ?? {}) as { name?: string; namespace?: string };
  const placed = nameAndNamespace(
    { ...(name ? { name } : {}), values, manifest: { source } },
    metadata,
    "name the ApplicationSet: moor appset create NAME -f set.yaml, or metadata.name in the file",
  );
  return { ...(doc as unknown as StoredSet), metadata: { ...metadata, ...placed } };
}

function readManifest(file: string): { text: string; source: string } {
  try {
    return file === "-"
      ? { text: readFileSync(0, "utf8"), source: "stdin" }
      : { text: readFileSync(file, "utf8"), source: file };
  } catch (err) {
    throw new UsageError(`cannot read ${file}: ${(err as Error).message}`);
  }
}

function readySummary(set: ApplicationSet): string {
  const ready = findCondition(set.status?.conditions ?? [], "Ready");
  return ready ? `${ready.status === "True" ? "Ready" : ready.reason}` : "Unknown";
}

/** A rolling sync's progress, one line per step: how many of its Applications stand where. */
function rolloutLines(set: ApplicationSet): string[] {
  const steps = set.spec.strategy?.type === "RollingSync" ? (set.spec.strategy.rollingSync?.steps ?? []) : [];
  if (steps.length === 0) return [];
  const lines = [`Rollout (${steps.length} steps):`];
  for (const p of stepProgress(steps.length, set.status?.applicationStatus ?? [])) {
    const others = (["Progressing", "Pending", "Waiting"] as const)
      .filter((status) => p.byStatus[status] > 0)
      .map((status) => `, ${p.byStatus[status]} ${status}`)
      .join("");
    const what = p.step === 0 ? "no step" : `step ${p.step}`;
    const selects = p.step === 0 ? "" : `  (${selectorText(steps[p.step - 1])})`;
    lines.push(
      `  ${what}: ${p.byStatus.Healthy}/${p.applications} Healthy${others}${p.current ? "  <- current" : ""}${selects}`,
    );
  }
  return lines;
}

function selectorText(step: RollingSyncStep | undefined): string {
  const clauses = (step?.matchExpressions ?? []).map(
    (e) => `${e.key} ${e.operator} (${e.values.join(", ")})`,
  );
  const max = step?.maxUpdate === undefined ? "" : `, maxUpdate ${step.maxUpdate}`;
  return `${clauses.join(", ") || "every Application"}${max}`;
}

const createCommand: Command = {
  path: ["appset", "create"],
  usage: `moor appset create [NAME] -f set.yaml [--upsert] ${CLUSTER_FLAGS} [-o json|yaml]`,
  summary:
    "create an ApplicationSet from a manifest (server-side apply as moor-cli); an existing one is replaced only with --upsert",
  options: {
    ...clusterOptions,
    ...outputOption,
    upsert: { type: "boolean" },
    file: { type: "string", short: "f" },
  },
  run: async (values, args) => {
    if (args.length > 1) throw new UsageError(`expected at most one applicationset name, got ${args.length}`);
    const output = parseOutputFormat(stringValue(values, "output"));
    const file = stringValue(values, "file");
    if (!file) throw new UsageError("moor appset create needs -f set.yaml (or -f - for stdin)");
    const { text, source } = readManifest(file);
    const desired = setFromManifest(text, source, args[0], values);
    const { name, namespace } = desired.metadata;
    return withSets({ ...values, namespace }, async (api) => {
      const existing = await api.find(name);
      if (existing && values.upsert !== true) {
        throw new AppSetError(
          `applicationset ${name} already exists in namespace ${namespace}; pass --upsert to replace it`,
        );
      }
      const applied = await api.apply(desired, values.upsert === true);
      if (output === "json" || output === "yaml") print(renderStructured(forPrinting(applied), output));
      else print(`applicationset ${name} ${existing ? "replaced" : "created"} in namespace ${namespace}`);
      return EXIT.ok;
    });
  },
};

const listCommand: Command = {
  path: ["appset", "list"],
  usage: `moor appset list ${CLUSTER_FLAGS} [-o table|json|yaml|name]`,
  summary: "list ApplicationSets: how many Applications each owns and whether it is Ready",
  options: { ...clusterOptions, ...outputOption },
  run: async (values, args) => {
    if (args.length > 0) throw new UsageError(`unexpected argument "${args[0]}"`);
    const output = parseOutputFormat(stringValue(values, "output"));
    return withSets(values, async (api) => {
      const sets = await api.list();
      if (output === "json" || output === "yaml") print(renderStructured(sets.map(forPrinting), output));
      else if (output === "name") for (const s of sets) print(s.metadata.name);
      else if (sets.length === 0) process.stderr.write(`no applicationsets in namespace ${api.namespace}\n`);
      else
        print(
          renderTable(sets, [
            { header: "NAME", value: (s) => s.metadata.name },
            { header: "APPS", value: (s) => String(s.status?.resources?.length ?? 0) },
            { header: "READY", value: readySummary },
            { header: "POLICY", value: (s) => s.spec.syncPolicy?.applicationsSync ?? "sync" },
          ]),
        );
      return EXIT.ok;
    });
  },
};

const getCommand: Command = {
  path: ["appset", "get"],
  usage: `moor appset get NAME ${CLUSTER_FLAGS} [-o table|json|yaml]`,
  summary: "show an ApplicationSet: its conditions and the Applications it owns",
  options: { ...clusterOptions, ...outputOption },
  run: async (values, args) => {
    const name = oneName(args, "applicationset", "moor appset get NAME");
    const output = parseOutputFormat(stringValue(values, "output"));
    return withSets(values, async (api) => {
      const set = await api.get(name);
      if (output === "json" || output === "yaml") print(renderStructured(forPrinting(set), output));
      else if (output === "name") print(set.metadata.name);
      else {
        const lines = [
          `Name:      ${set.metadata.namespace}/${set.metadata.name}`,
          `Policy:    ${set.spec.syncPolicy?.applicationsSync ?? "sync"}`,
        ];
        for (const c of set.status?.conditions ?? [])
          lines.push(`${c.type}: ${c.status} (${c.reason}) ${c.message}`);
        lines.push(...rolloutLines(set));
        const resources = set.status?.resources ?? [];
        lines.push(`Applications (${resources.length}):`);
        for (const r of resources) lines.push(`  ${r.name}  ${r.sync ?? "-"}  ${r.health ?? "-"}`);
        print(lines.join("\n"));
      }
      return EXIT.ok;
    });
  },
};

/** The Applications a set would generate now, fetching facts as the controller does. */
export async function previewSet(
  client: KubeClient,
  set: ApplicationSet,
  clusterNamespace: string,
): Promise<Application[]> {
  const git = new GitSource({ allowLocalRepos: true });
  const facts = await fetchFacts(factsNeeded(set), {
    clusters: () => listClusterFacts(client, clusterNamespace),
    git: new SourceResolver(git, { pollIntervalMs: 0 }),
  });
  const generated = generateApplications(set, facts);
  if (!generated.ok) {
    throw new AppSetError(
      `applicationset ${set.metadata.name} generates nothing: ${generated.problems.map((p) => `${p.field}: ${p.message}`).join("; ")}`,
    );
  }
  return generated.applications;
}

const previewCommand: Command = {
  path: ["appset", "preview"],
  usage: `moor appset preview [NAME | -f set.yaml] ${CLUSTER_FLAGS} [-o table|json|yaml|name]`,
  summary:
    "print the Applications an ApplicationSet (a file, or one in the cluster) would generate, creating none",
  options: { ...clusterOptions, ...outputOption, file: { type: "string", short: "f" } },
  run: async (values, args) => {
    const output = parseOutputFormat(stringValue(values, "output"));
    const file = stringValue(values, "file");
    if (file && args.length > 0) throw new UsageError("give either NAME or -f set.yaml, not both");
    const fromFile = file ? readManifest(file) : undefined;
    const name = fromFile
      ? undefined
      : oneName(args, "applicationset", "moor appset preview NAME | -f set.yaml");
    return withSets(values, async (api, client) => {
      const set = fromFile
        ? setFromManifest(fromFile.text, fromFile.source, undefined, values)
        : await api.get(name as string);
      // Registered clusters live in the controller namespace, wherever the set lives.
      const apps = await previewSet(client, set, CONTROLLER_NAMESPACE);
      if (output === "json" || output === "yaml") print(renderStructured(apps, output));
      else if (output === "name") for (const a of apps) print(a.metadata.name ?? "");
      else if (apps.length === 0)
        process.stderr.write(`applicationset ${set.metadata.name} generates no Applications\n`);
      else
        print(
          renderTable(apps, [
            { header: "NAME", value: (a) => a.metadata.name ?? "" },
            { header: "PROJECT", value: (a) => a.spec.project ?? "default" },
            { header: "REPO", value: (a) => a.spec.source?.repoURL ?? "" },
            { header: "PATH", value: (a) => a.spec.source?.path ?? "" },
            {
              header: "CLUSTER",
              value: (a) => a.spec.destination?.cluster ?? "in-cluster",
            },
            { header: "NAMESPACE", value: (a) => a.spec.destination?.namespace ?? "" },
          ]),
        );
      return EXIT.ok;
    });
  },
};

const deleteCommand: Command = {
  path: ["appset", "delete"],
  usage: `moor appset delete NAME ${CLUSTER_FLAGS}`,
  summary: "delete an ApplicationSet; the Applications it owns go with it (Kubernetes' garbage collection)",
  options: { ...clusterOptions },
  run: async (values, args) => {
    const name = oneName(args, "applicationset", "moor appset delete NAME");
    return withSets(values, async (api) => {
      await api.get(name);
      await api.delete(name);
      print(`applicationset ${name} deleted from namespace ${api.namespace}`);
      return EXIT.ok;
    });
  },
};

export const appsetCommands: Command[] = [
  createCommand,
  listCommand,
  getCommand,
  previewCommand,
  deleteCommand,
];
