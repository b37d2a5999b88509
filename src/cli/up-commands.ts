// `moor up`: the one command that shows Mooring working (see src/up/up.ts).
import { up } from "../up/up.ts";
import { createLogger } from "../util/log.ts";
import { type Command, EXIT, stringValue } from "./command.ts";
import { UsageError } from "./output.ts";
import { createProgress } from "./progress.ts";
import { progressReporter } from "./toolchain-commands.ts";

function port(value: string | undefined, flag: string): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0 || n > 65535)
    throw new UsageError(`${flag} takes a port number, got "${value}"`);
  return n;
}

export const upCommands: Command[] = [
  {
    path: ["up"],
    usage:
      "moor up [--sandbox mooring] [--git-port 8090] [--metrics-port 8082] [--server-port 8080] [--log-format text|json]",
    summary:
      "start a local cluster with Mooring, a demo Git repo and a demo app, and run the controller until Ctrl-C",
    options: {
      sandbox: { type: "string" },
      "git-port": { type: "string" },
      "metrics-port": { type: "string" },
      "server-port": { type: "string" },
      "log-format": { type: "string" },
    },
    run: async (values) => {
      const format = stringValue(values, "log-format") ?? "text";
      if (format !== "text" && format !== "json") throw new UsageError("--log-format must be text or json");
      const progress = createProgress();
      const gitPort = port(stringValue(values, "git-port"), "--git-port");
      const metricsPort = port(stringValue(values, "metrics-port"), "--metrics-port");
      const serverPort = port(stringValue(values, "server-port"), "--server-port");
      const sandbox = stringValue(values, "sandbox");
      const log = createLogger({ format, fields: { component: "controller" } });
      const running = await up({
        ...(sandbox ? { sandbox } : {}),
        ...(gitPort !== undefined ? { gitPort } : {}),
        ...(metricsPort !== undefined ? { metricsPort } : {}),
        ...(serverPort !== undefined ? { serverPort } : {}),
        step: (label) => progress.step(label),
        done: (label) => progress.done(label),
        installReporter: progressReporter(progress),
        log,
      });
      const k = running.sandbox.kubeconfig;
      process.stdout.write(
        [
          "",
          "Mooring is running.",
          "",
          `  Cluster:     export KUBECONFIG=${k}`,
          `  Demo repo:   ${running.repo.url}  (working copy: ${running.repo.workdir})`,
          `  Metrics:     ${running.controller.address}/metrics`,
          `  Web UI:      ${running.server.url}/`,
          `  API:         ${running.server.url}/api/v1`,
          running.adminPassword === undefined
            ? "  Login:       admin (password in Secret mooring/mooring-initial-admin, printed by the first moor up)"
            : `  Login:       admin / ${running.adminPassword}   (shown once; change it: moor account update-password)`,
          `    npx moor login ${running.server.url} --username admin`,
          "",
          "  Change the demo and watch it sync:",
          `    cd ${running.repo.workdir}`,
          "    sed -i 's/replicas: 2/replicas: 3/' apps/web/deployment.yaml",
          '    git commit -qam "three web replicas" && git push -q',
          `    npx moor app get demo --kubeconfig ${k}`,
          `    kubectl --kubeconfig ${k} get deploy web -n demo`,
          "",
          "  Ctrl-C stops the controller; the cluster keeps running (`moor sandbox delete mooring` removes it).",
          "",
          "",
        ].join("\n"),
      );
      await new Promise<void>((resolve) => {
        const stop = (signal: string) => {
          log.info("shutting down", { signal });
          void running.stop().then(resolve);
        };
        process.once("SIGINT", () => stop("SIGINT"));
        process.once("SIGTERM", () => stop("SIGTERM"));
      });
      return EXIT.ok;
    },
  },
];
