// The `moor` command line: a table of commands, each with its own options. Exit codes scripts can
// rely on: 0 success, 1 the command failed, 2 it was called wrongly (unknown command or option).
import { parseArgs } from "node:util";
import { accountCommands } from "./account-commands.ts";
import { appCommands } from "./app-commands.ts";
import { appsetCommands } from "./appset-commands.ts";
import { auditCommands } from "./audit-commands.ts";
import { clusterCommands } from "./cluster-commands.ts";
import { type Command, EXIT } from "./command.ts";
import { controllerCommands } from "./controller-commands.ts";
import { installCommands } from "./install-commands.ts";
import { loginCommands } from "./login-commands.ts";
import { UsageError } from "./output.ts";
import { previewCommands } from "./preview-commands.ts";
import { projectCommands } from "./project-commands.ts";
import { sandboxCommands } from "./sandbox-commands.ts";
import { serverCommands } from "./server-commands.ts";
import { stackCommands } from "./stack-commands.ts";
import { tokenCommands } from "./token-commands.ts";
import { toolchainCommands } from "./toolchain-commands.ts";
import { upCommands } from "./up-commands.ts";

const VERSION = "0.1.0";

const commands: Command[] = [
  ...toolchainCommands,
  ...sandboxCommands,
  ...installCommands,
  ...clusterCommands,
  ...controllerCommands,
  ...serverCommands,
  ...upCommands,
  ...appCommands,
  ...appsetCommands,
  ...stackCommands,
  ...previewCommands,
  ...projectCommands,
  ...auditCommands,
  ...loginCommands,
  ...accountCommands,
  ...tokenCommands,
  {
    path: ["version"],
    usage: "moor version",
    summary: "print the version of moor",
    options: {},
    run: async () => {
      process.stdout.write(`moor ${VERSION}\n`);
      return EXIT.ok;
    },
  },
];

function help(): string {
  const width = Math.max(...commands.map((c) => c.usage.length));
  const lines = commands.map((c) => `  ${c.usage.padEnd(width)}   ${c.summary}`);
  return `moor — GitOps for Kubernetes applications and the infrastructure under them\n\nUsage:\n${lines.join("\n")}\n`;
}

export async function main(argv: string[]): Promise<number> {
  if (argv.length === 0 || argv[0] === "help" || argv[0] === "--help" || argv[0] === "-h") {
    process.stdout.write(help());
    return EXIT.ok;
  }
  const command = commands
    .filter((c) => c.path.every((word, i) => argv[i] === word))
    .sort((a, b) => b.path.length - a.path.length)[0];
  if (!command) {
    process.stderr.write(`moor: unknown command "${argv.slice(0, 2).join(" ")}"\n\n${help()}`);
    return EXIT.usage;
  }
  const rest = argv.slice(command.path.length);
  if (rest.includes("--help") || rest.includes("-h")) {
    process.stdout.write(`Usage: ${command.usage}\n\n${command.summary}\n`);
    return EXIT.ok;
  }
  try {
    const { values, positionals } = parseArgs({
      args: rest,
      options: command.options,
      allowPositionals: true,
      strict: true,
    });
    return await command.run(values, positionals);
  } catch (err) {
    const message = err instanceof Error ? err.message : String(err);
    if (err instanceof UsageError || (err as { code?: string }).code?.startsWith("ERR_PARSE_ARGS")) {
      process.stderr.write(`moor ${command.path.join(" ")}: ${message}\nUsage: ${command.usage}\n`);
      return EXIT.usage;
    }
    process.stderr.write(`moor ${command.path.join(" ")}: ${message}\n`);
    return EXIT.failed;
  }
}
