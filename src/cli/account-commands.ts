// `moor account`: who am I on the server I am logged in to, and my roles per project;
// `moor account update-password`: change my local password (every earlier session ends, so the
// CLI logs in again with the new password and keeps that session); with --account NAME a global
// admin sets another account's password, as `argocd account update-password --account` does.
// `moor account create|list|delete`: local accounts, for the global admin.
import { apiRequest, requireLogin, saveLogin } from "./api-client.ts";
import { type Command, EXIT, outputOption, stringValue, stringValues } from "./command.ts";
import { prompt, readStdinLines } from "./login-commands.ts";
import { parseOutputFormat, renderStructured, renderTable, UsageError } from "./output.ts";

interface WhoAmI {
  username: string;
  kind: "user" | "sso" | "token";
  groups: string[];
  globalAdmin: boolean;
  projects: { project: string; roles: string[]; verbs: string[] }[];
}

const KIND_TEXT: Record<WhoAmI["kind"], string> = {
  user: "local account",
  sso: "single sign-on",
  token: "API token",
};

export function renderWhoAmI(server: string, me: WhoAmI): string {
  const lines = [
    `Server:   ${server}`,
    `User:     ${me.username} (${KIND_TEXT[me.kind]}${me.globalAdmin ? ", global admin" : ""})`,
    `Groups:   ${me.groups.length === 0 ? "-" : me.groups.join(", ")}`,
    "",
  ];
  if (me.projects.length === 0) lines.push("No roles in any project.");
  else
    lines.push(
      renderTable(me.projects, [
        { header: "PROJECT", value: (p) => p.project },
        { header: "ROLES", value: (p) => p.roles.join(",") },
        { header: "VERBS", value: (p) => p.verbs.join(",") },
      ]),
    );
  return `${lines.join("\n")}\n`;
}

const accountCommand: Command = {
  path: ["account"],
  usage: "moor account [--server SERVER] [-o json|yaml]",
  summary: "show who you are logged in as, and your roles in each project",
  options: { server: { type: "string" }, ...outputOption },
  run: async (values, args) => {
    if (args.length > 0) throw new UsageError(`unexpected argument "${args[0]}"`);
    const format = parseOutputFormat(stringValue(values, "output"));
    const login = requireLogin(stringValue(values, "server"));
    const me = await apiRequest<WhoAmI>(login, "get", "/account");
    process.stdout.write(
      format === "json" || format === "yaml"
        ? `${renderStructured(me, format)}\n`
        : renderWhoAmI(login.server, me),
    );
    return EXIT.ok;
  },
};

const updatePasswordCommand: Command = {
  path: ["account", "update-password"],
  usage: "moor account update-password [--account NAME] [--server SERVER] [--password-stdin]",
  summary:
    "change your local password (stdin: current password, then the new one, one per line); --account: a global admin sets another's",
  options: { server: { type: "string" }, "password-stdin": { type: "boolean" }, account: { type: "string" } },
  run: async (values, args) => {
    if (args.length > 0) throw new UsageError(`unexpected argument "${args[0]}"`);
    const login = requireLogin(stringValue(values, "server"));
    const account = stringValue(values, "account");
    if (account !== undefined && account !== login.username) {
      const next =
        values["password-stdin"] === true
          ? ((await readStdinLines())[0] ?? "")
          : await prompt(`New password for ${account}: `, true);
      if (next === "") throw new UsageError("the new password must not be empty");
      await apiRequest(login, "put", `/accounts/${encodeURIComponent(account)}/password`, {
        newPassword: next,
      });
      process.stdout.write(`password of ${account} set on ${login.server}; its sessions ended\n`);
      return EXIT.ok;
    }
    let current: string;
    let next: string;
    if (values["password-stdin"] === true) {
      const lines = await readStdinLines();
      current = lines[0] ?? "";
      next = lines[1] ?? "";
      if (current === "" || next === "") {
        throw new UsageError("--password-stdin reads two lines: the current password, then the new one");
      }
    } else {
      current = await prompt("Current password: ", true);
      next = await prompt("New password: ", true);
      if ((await prompt("New password again: ", true)) !== next)
        throw new UsageError("the new passwords differ");
    }
    await apiRequest(login, "put", "/account/password", { currentPassword: current, newPassword: next });
    // Every session opened before the change ended, this one too: log in again with the new password.
    const answer = await apiRequest<{ token: string; username: string }>(
      { ...login, token: "" },
      "post",
      "/session",
      { username: login.username, password: next, session: "token" },
    );
    saveLogin({ server: login.server, token: answer.token, username: answer.username });
    process.stdout.write(`password of ${login.username} changed on ${login.server}; other sessions ended\n`);
    return EXIT.ok;
  },
};

const createCommand: Command = {
  path: ["account", "create"],
  usage: "moor account create NAME [--group G]... [--password-stdin] [--server SERVER]",
  summary:
    "create a local account (global admin); without --password-stdin a password is generated and printed once",
  options: {
    server: { type: "string" },
    group: { type: "string", multiple: true },
    "password-stdin": { type: "boolean" },
  },
  run: async (values, args) => {
    if (args.length !== 1) throw new UsageError("give the account name: moor account create alice");
    const login = requireLogin(stringValue(values, "server"));
    const password = values["password-stdin"] === true ? ((await readStdinLines())[0] ?? "") : undefined;
    if (password === "") throw new UsageError("--password-stdin read an empty password");
    const created = await apiRequest<{ name: string; groups: string[]; password?: string }>(
      login,
      "post",
      "/accounts",
      {
        name: args[0],
        groups: stringValues(values, "group") ?? [],
        ...(password === undefined ? {} : { password }),
      },
    );
    process.stdout.write(
      `account ${created.name} created${created.groups.length ? ` (groups ${created.groups.join(", ")})` : ""}\n`,
    );
    if (created.password !== undefined) {
      process.stdout.write(
        `password: ${created.password}   (shown once; moor account update-password changes it)\n`,
      );
    }
    return EXIT.ok;
  },
};

const listCommand: Command = {
  path: ["account", "list"],
  usage: "moor account list [--server SERVER] [-o json|yaml]",
  summary: "list local accounts and their groups (global admin)",
  options: { server: { type: "string" }, ...outputOption },
  run: async (values, args) => {
    if (args.length > 0) throw new UsageError(`unexpected argument "${args[0]}"`);
    const format = parseOutputFormat(stringValue(values, "output"));
    const login = requireLogin(stringValue(values, "server"));
    const { items } = await apiRequest<{
      items: { name: string; groups: string[]; passwordChangedAt: string }[];
    }>(login, "get", "/accounts");
    process.stdout.write(
      format === "json" || format === "yaml"
        ? `${renderStructured(items, format)}\n`
        : `${renderTable(items, [
            { header: "NAME", value: (u) => u.name },
            { header: "GROUPS", value: (u) => u.groups.join(",") },
            { header: "PASSWORD CHANGED", value: (u) => u.passwordChangedAt.slice(0, 16).replace("T", " ") },
          ])}\n`,
    );
    return EXIT.ok;
  },
};

const deleteCommand: Command = {
  path: ["account", "delete"],
  usage: "moor account delete NAME [--server SERVER]",
  summary: "delete a local account (global admin); its sessions end",
  options: { server: { type: "string" } },
  run: async (values, args) => {
    if (args.length !== 1) throw new UsageError("give the account name");
    const login = requireLogin(stringValue(values, "server"));
    await apiRequest(login, "delete", `/accounts/${encodeURIComponent(args[0] ?? "")}`);
    process.stdout.write(`account ${args[0]} deleted\n`);
    return EXIT.ok;
  },
};

export const accountCommands: Command[] = [
  accountCommand,
  updatePasswordCommand,
  createCommand,
  listCommand,
  deleteCommand,
];
