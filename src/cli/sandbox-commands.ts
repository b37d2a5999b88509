// `moor sandbox create|delete|list|kubeconfig`: local throwaway clusters (see src/sandbox/).

import { createNamedGitea, deleteNamedGitea, GiteaError } from "../sandbox/gitea.ts";
import {
  createSandbox,
  deleteSandbox,
  getSandbox,
  listSandboxes,
  SandboxError,
  type SandboxInfo,
} from "../sandbox/sandbox.ts";
import { type Command, EXIT, outputOption, stringValue } from "./command.ts";
import { age, parseOutputFormat, renderStructured, renderTable, UsageError } from "./output.ts";
import { createProgress } from "./progress.ts";
import { progressReporter } from "./toolchain-commands.ts";

function oneName(args: string[], usage: string): string {
  if (args.length !== 1 || !args[0]) throw new UsageError(`expected exactly one sandbox name (${usage})`);
  return args[0];
}

function positiveInt(value: string | undefined, flag: string): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (!Number.isInteger(n) || n <= 0 || n > 65535)
    throw new UsageError(`${flag} takes a whole number, got "${value}"`);
  return n;
}

/** Accepts 90, 90s, 2m. */
function durationMs(value: string | undefined, flag: string): number | undefined {
  if (value === undefined) return undefined;
  const match = /^(\d+)(s|m)?$/.exec(value);
  if (!match) throw new UsageError(`${flag} takes a duration such as 90s or 2m, got "${value}"`);
  return Number(match[1]) * (match[2] === "m" ? 60_000 : 1000);
}

function printSandboxes(sandboxes: SandboxInfo[], format: string | undefined): void {
  const output = parseOutputFormat(format);
  if (output === "json" || output === "yaml") {
    process.stdout.write(`${renderStructured(sandboxes, output)}\n`);
  } else if (output === "name") {
    for (const s of sandboxes) process.stdout.write(`${s.name}\n`);
  } else {
    process.stdout.write(
      `${renderTable(sandboxes, [
        { header: "NAME", value: (s) => s.name },
        { header: "STATUS", value: (s) => s.status },
        { header: "VERSION", value: (s) => s.kubernetesVersion },
        { header: "SERVER", value: (s) => s.server },
        { header: "AGE", value: (s) => (s.createdAt ? age(s.createdAt) : "") },
        { header: "REASON", value: (s) => s.reason ?? "" },
      ])}\n`,
    );
  }
}

export const sandboxCommands: Command[] = [
  {
    path: ["sandbox", "create"],
    usage: "moor sandbox create NAME [--api-port N] [--nodes N] [--recreate] [--timeout 120s] [-o json|yaml]",
    summary: "start a local throwaway cluster (etcd, apiserver, controller-manager, scheduler, kwok nodes)",
    options: {
      "api-port": { type: "string" },
      nodes: { type: "string" },
      recreate: { type: "boolean" },
      timeout: { type: "string" },
      ...outputOption,
    },
    run: async (values, args) => {
      const name = oneName(args, "moor sandbox create NAME");
      const output = parseOutputFormat(stringValue(values, "output"));
      const apiPort = positiveInt(stringValue(values, "api-port"), "--api-port");
      const nodes = positiveInt(stringValue(values, "nodes"), "--nodes");
      const readyTimeoutMs = durationMs(stringValue(values, "timeout"), "--timeout");
      const progress = createProgress();
      let current = "";
      try {
        const info = await createSandbox(name, {
          ...(apiPort !== undefined ? { apiPort } : {}),
          ...(nodes !== undefined ? { nodes } : {}),
          ...(readyTimeoutMs !== undefined ? { readyTimeoutMs } : {}),
          recreate: values.recreate === true,
          installReporter: progressReporter(progress),
          onStep: (step) => {
            current = step;
            progress.step(`sandbox ${name}: ${step}`);
          },
        });
        progress.done(`sandbox ${name} is ready`);
        if (output === "json" || output === "yaml") {
          process.stdout.write(`${renderStructured(info, output)}\n`);
        } else {
          process.stdout.write(
            `sandbox ${name} is running Kubernetes ${info.kubernetesVersion} at ${info.server}\n` +
              `  export KUBECONFIG=${info.kubeconfig}\n`,
          );
        }
        return EXIT.ok;
      } catch (err) {
        progress.fail(`sandbox ${name}: ${current || "create"}`);
        throw err;
      }
    },
  },
  {
    path: ["sandbox", "delete"],
    usage: "moor sandbox delete NAME... [--ignore-not-found]",
    summary: "stop every process of the sandboxes and remove their data",
    options: { "ignore-not-found": { type: "boolean" } },
    run: async (values, args) => {
      if (args.length === 0) throw new UsageError("expected at least one sandbox name");
      let failed = false;
      for (const name of args) {
        try {
          await deleteSandbox(name);
          process.stdout.write(`sandbox ${name} deleted\n`);
        } catch (err) {
          if (err instanceof SandboxError && err.code === "not-found" && values["ignore-not-found"] === true)
            continue;
          process.stderr.write(`moor sandbox delete: ${err instanceof Error ? err.message : String(err)}\n`);
          failed = true;
        }
      }
      return failed ? EXIT.failed : EXIT.ok;
    },
  },
  {
    path: ["sandbox", "list"],
    usage: "moor sandbox list [-o table|json|yaml|name]",
    summary: "list the sandboxes on this machine and whether each is Running, Creating or Broken",
    options: { ...outputOption },
    run: async (values) => {
      printSandboxes(await listSandboxes(), stringValue(values, "output"));
      return EXIT.ok;
    },
  },
  {
    path: ["sandbox", "gitea", "create"],
    usage: "moor sandbox gitea create NAME [--port N] [--timeout 60s] [-o json|yaml]",
    summary:
      "start a local Gitea (the toolchain's) on a loopback port; prints its URL and admin credentials once",
    options: { port: { type: "string" }, timeout: { type: "string" }, ...outputOption },
    run: async (values, args) => {
      const name = oneName(args, "moor sandbox gitea create NAME");
      const output = parseOutputFormat(stringValue(values, "output"));
      const port = positiveInt(stringValue(values, "port"), "--port");
      const readyTimeoutMs = durationMs(stringValue(values, "timeout"), "--timeout");
      const progress = createProgress();
      progress.step(`forge ${name}: starting Gitea`);
      try {
        const gitea = await createNamedGitea(name, {
          ...(port !== undefined ? { port } : {}),
          ...(readyTimeoutMs !== undefined ? { readyTimeoutMs } : {}),
        });
        progress.done(`forge ${name} is ready`);
        const shown = {
          name,
          url: gitea.url,
          adminUser: gitea.adminUser,
          adminPassword: gitea.adminPassword,
          adminToken: gitea.adminToken,
        };
        if (output === "json" || output === "yaml") {
          process.stdout.write(`${renderStructured(shown, output)}\n`);
        } else {
          process.stdout.write(
            `forge ${name} is running Gitea at ${gitea.url}\n` +
              `  admin user:     ${gitea.adminUser}\n` +
              `  admin password: ${gitea.adminPassword}\n` +
              `  admin token:    ${gitea.adminToken}\n` +
              "  (shown only now; delete it with: moor sandbox gitea delete " +
              `${name})\n`,
          );
        }
        return EXIT.ok;
      } catch (err) {
        progress.fail(`forge ${name}: start`);
        throw err;
      }
    },
  },
  {
    path: ["sandbox", "gitea", "delete"],
    usage: "moor sandbox gitea delete NAME... [--ignore-not-found]",
    summary: "stop local Gitea forges and remove their data",
    options: { "ignore-not-found": { type: "boolean" } },
    run: async (values, args) => {
      if (args.length === 0) throw new UsageError("expected at least one forge name");
      let failed = false;
      for (const name of args) {
        try {
          await deleteNamedGitea(name);
          process.stdout.write(`forge ${name} deleted\n`);
        } catch (err) {
          if (err instanceof GiteaError && err.code === "not-found" && values["ignore-not-found"] === true)
            continue;
          process.stderr.write(
            `moor sandbox gitea delete: ${err instanceof Error ? err.message : String(err)}\n`,
          );
          failed = true;
        }
      }
      return failed ? EXIT.failed : EXIT.ok;
    },
  },
  {
    path: ["sandbox", "kubeconfig"],
    usage: "moor sandbox kubeconfig NAME",
    summary: "print the path of the sandbox's admin kubeconfig",
    options: {},
    run: async (_values, args) => {
      const info = await getSandbox(oneName(args, "moor sandbox kubeconfig NAME"));
      process.stdout.write(`${info.kubeconfig}\n`);
      return EXIT.ok;
    },
  },
];
