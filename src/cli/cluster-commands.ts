// `moor cluster add|list|remove`: the destination clusters Applications may deploy to, kept as
// Secrets in the namespace Mooring runs in (see src/controller/destinations.ts).
//
// Two clusters are involved in `cluster add`: the one to register (named, as with Argo CD's
// `argocd cluster add`, by --kubeconfig and --context) and the one Mooring runs in (by
// --mooring-kubeconfig and --mooring-context; default $KUBECONFIG or ~/.kube/config). `list` and
// `remove` talk only to the cluster Mooring runs in, named by --kubeconfig and --context.

import { type DestinationInfo, Destinations } from "../controller/destinations.ts";
import { CONTROLLER_NAMESPACE } from "../core/application.ts";
import { KubeClient } from "../kube/client.ts";
import { loadConfig } from "../kube/kubeconfig.ts";
import { type Command, EXIT, outputOption, stringValue, type Values } from "./command.ts";
import { age, parseOutputFormat, renderStructured, renderTable, UsageError } from "./output.ts";

const namespaceOption = { namespace: { type: "string", short: "n" } } as const;

function oneName(args: string[], usage: string): string {
  if (args.length !== 1 || !args[0]) throw new UsageError(`expected exactly one cluster name (${usage})`);
  return args[0];
}

/** The registry on the cluster Mooring runs in; closes its clients when `work` is done. */
async function withDestinations<T>(
  kubeconfig: string | undefined,
  context: string | undefined,
  values: Values,
  work: (destinations: Destinations) => Promise<T>,
): Promise<T> {
  const config = loadConfig({ kubeconfig, context });
  const client = new KubeClient(config.credentials);
  const destinations = new Destinations(client, stringValue(values, "namespace") ?? CONTROLLER_NAMESPACE);
  try {
    return await work(destinations);
  } finally {
    destinations.close();
    client.close();
  }
}

/** "ns1,ns2" → ["ns1", "ns2"], refusing names that are not namespaces. */
export function parseNamespaceScope(value: string | undefined): string[] | undefined {
  if (value === undefined) return undefined;
  const names = value
    .split(",")
    .map((n) => n.trim())
    .filter((n) => n !== "");
  if (names.length === 0)
    throw new UsageError("--namespace-scope takes a comma-separated list of namespaces");
  for (const n of names) {
    if (!/^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/.test(n)) {
      throw new UsageError(`--namespace-scope: "${n}" is not a valid namespace name`);
    }
  }
  return [...new Set(names)];
}

function printClusters(infos: DestinationInfo[], format: string | undefined): void {
  const output = parseOutputFormat(format);
  if (output === "json" || output === "yaml") {
    process.stdout.write(`${renderStructured(infos, output)}\n`);
    return;
  }
  if (output === "name") {
    for (const info of infos) process.stdout.write(`${info.name}\n`);
    return;
  }
  process.stdout.write(
    `${renderTable(infos, [
      { header: "NAME", value: (c) => c.name },
      { header: "SERVER", value: (c) => c.server },
      { header: "VERSION", value: (c) => c.version ?? c.error ?? "" },
      { header: "AGE", value: (c) => (c.createdAt ? age(c.createdAt) : "") },
    ])}\n`,
  );
}

export const clusterCommands: Command[] = [
  {
    path: ["cluster", "add"],
    usage:
      "moor cluster add NAME --kubeconfig FILE [--context NAME] [--namespace-scope NS1,NS2] [--upsert] [--mooring-kubeconfig FILE] [--mooring-context NAME] [-n NAMESPACE] [-o json|yaml]",
    summary: "register a destination cluster for Applications after checking that it answers",
    options: {
      kubeconfig: { type: "string" },
      context: { type: "string" },
      "namespace-scope": { type: "string" },
      upsert: { type: "boolean" },
      "mooring-kubeconfig": { type: "string" },
      "mooring-context": { type: "string" },
      ...namespaceOption,
      ...outputOption,
    },
    run: async (values, args) => {
      const name = oneName(args, "moor cluster add NAME --kubeconfig FILE");
      const format = parseOutputFormat(stringValue(values, "output"));
      const kubeconfig = stringValue(values, "kubeconfig");
      const context = stringValue(values, "context");
      if (kubeconfig === undefined && context === undefined) {
        throw new UsageError("say which cluster to register with --kubeconfig FILE and/or --context NAME");
      }
      const namespaces = parseNamespaceScope(stringValue(values, "namespace-scope"));
      const target = loadConfig({ kubeconfig, context });
      const result = await withDestinations(
        stringValue(values, "mooring-kubeconfig"),
        stringValue(values, "mooring-context"),
        values,
        (destinations) =>
          destinations.add({
            name,
            credentials: target.credentials,
            upsert: values.upsert === true,
            ...(namespaces ? { namespaces } : {}),
          }),
      );
      if (format === "json" || format === "yaml") {
        process.stdout.write(`${renderStructured(result, format)}\n`);
      } else {
        const verb = result.action === "unchanged" ? "is already registered" : `${result.action}`;
        process.stdout.write(
          `cluster ${name} ${verb} (Secret ${result.secretName}): ${result.server} runs Kubernetes ${result.version}\n`,
        );
      }
      return EXIT.ok;
    },
  },
  {
    path: ["cluster", "list"],
    usage: "moor cluster list [--kubeconfig FILE] [--context NAME] [-n NAMESPACE] [-o table|json|yaml|name]",
    summary: "list the destination clusters, in-cluster first, with each one's live version",
    options: {
      kubeconfig: { type: "string" },
      context: { type: "string" },
      ...namespaceOption,
      ...outputOption,
    },
    run: async (values, args) => {
      if (args.length > 0) throw new UsageError(`unexpected argument "${args[0]}"`);
      const format = stringValue(values, "output");
      parseOutputFormat(format);
      const infos = await withDestinations(
        stringValue(values, "kubeconfig"),
        stringValue(values, "context"),
        values,
        (destinations) => destinations.list({ probe: true }),
      );
      printClusters(infos, format);
      return EXIT.ok;
    },
  },
  {
    path: ["cluster", "remove"],
    usage: "moor cluster remove NAME [--kubeconfig FILE] [--context NAME] [-n NAMESPACE]",
    summary: "unregister a destination cluster (what was deployed there stays)",
    options: { kubeconfig: { type: "string" }, context: { type: "string" }, ...namespaceOption },
    run: async (values, args) => {
      const name = oneName(args, "moor cluster remove NAME");
      const secretName = await withDestinations(
        stringValue(values, "kubeconfig"),
        stringValue(values, "context"),
        values,
        (destinations) => destinations.remove(name),
      );
      process.stdout.write(`cluster ${name} removed (Secret ${secretName} deleted)\n`);
      return EXIT.ok;
    },
  },
];
