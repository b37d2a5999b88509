// `moor install`: puts Mooring's CRDs, namespace, ServiceAccount and RBAC into a cluster (see
// src/install/). Running it again changes nothing and says so.
import { CONTROLLER_NAMESPACE } from "../core/application.ts";
import { type InstallAction, type InstalledObject, type InstallResult, install } from "../install/install.ts";
import { KubeClient } from "../kube/client.ts";
import { loadConfig } from "../kube/kubeconfig.ts";
import { INITIAL_ADMIN_SECRET, UserStore } from "../server/users.ts";
import { type Command, EXIT, outputOption, stringValue } from "./command.ts";
import { type Column, parseOutputFormat, renderStructured, renderTable, UsageError } from "./output.ts";

/** Accepts 90, 90s, 2m. */
export function durationMs(value: string | undefined, flag: string): number | undefined {
  if (value === undefined) return undefined;
  const match = /^(\d+)(s|m)?$/.exec(value);
  if (!match) throw new UsageError(`${flag} takes a duration such as 90s or 2m, got "${value}"`);
  return Number(match[1]) * (match[2] === "m" ? 60_000 : 1000);
}

/** "3 created, 5 unchanged", in the order of the actions. */
export function summarize(result: InstallResult): string {
  const counts = new Map<InstallAction, number>();
  for (const o of result.objects) counts.set(o.action, (counts.get(o.action) ?? 0) + 1);
  return [...counts.entries()].map(([action, n]) => `${n} ${action}`).join(", ");
}

function printResult(result: InstallResult, format: string | undefined): void {
  const output = parseOutputFormat(format);
  if (output === "json" || output === "yaml") {
    process.stdout.write(`${renderStructured(result, output)}\n`);
    return;
  }
  if (output === "name") {
    for (const o of result.objects) process.stdout.write(`${o.object}\n`);
    return;
  }
  const columns: Column<InstalledObject>[] = [
    { header: "OBJECT", value: (o) => o.object },
    { header: "ACTION", value: (o) => o.action },
  ];
  if (result.objects.some((o) => o.reason)) columns.push({ header: "REASON", value: (o) => o.reason ?? "" });
  process.stdout.write(`${renderTable(result.objects, columns)}\n`);
  process.stdout.write(
    result.changed
      ? `mooring installed (${summarize(result)})\n`
      : `mooring is already installed: nothing changed (${summarize(result)})\n`,
  );
}

export const installCommands: Command[] = [
  {
    path: ["install"],
    usage:
      "moor install [--kubeconfig FILE] [--context NAME] [--multi-tenant] [--timeout 60s] [-o table|json|yaml]",
    summary: "install Mooring's CRDs, namespace, service account and RBAC into a cluster (idempotent)",
    options: {
      kubeconfig: { type: "string" },
      context: { type: "string" },
      timeout: { type: "string" },
      // For clusters shared by several teams: no mooring-manager role, a default Project that
      // allows nothing; run the controller with --multi-tenant too.
      "multi-tenant": { type: "boolean" },
      ...outputOption,
    },
    run: async (values, args) => {
      if (args.length > 0) throw new UsageError(`unexpected argument "${args[0]}"`);
      const format = stringValue(values, "output");
      parseOutputFormat(format);
      const crdTimeoutMs = durationMs(stringValue(values, "timeout"), "--timeout");
      const config = loadConfig({
        kubeconfig: stringValue(values, "kubeconfig"),
        context: stringValue(values, "context"),
      });
      const client = new KubeClient(config.credentials);
      try {
        const result = await install(client, {
          ...(crdTimeoutMs === undefined ? {} : { crdTimeoutMs }),
          multiTenant: values["multi-tenant"] === true,
        });
        printResult(result, format);
        // The admin account, made once with a random password (never overwritten): see src/server/users.ts.
        const admin = await new UserStore(client, CONTROLLER_NAMESPACE, Date.now).bootstrapAdmin();
        if (admin.created) {
          process.stderr.write(
            `moor install: created the admin account; its password is in Secret ${CONTROLLER_NAMESPACE}/${INITIAL_ADMIN_SECRET} (moor up prints it); change it with moor account update-password\n`,
          );
        }
        return EXIT.ok;
      } finally {
        client.close();
      }
    },
  },
];
