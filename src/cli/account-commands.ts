// `moor account`: who am I on the server I am logged in to, and my roles per project;
// `moor account update-password`: change my local password (every earlier session ends, so the
// CLI logs in again with the new password and keeps that session).
import { apiRequest, requireLogin, saveLogin } from "./api-client.ts";
import { type Command, EXIT, outputOption, stringValue } from "./command.ts";
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
  usage: "moor account update-password [--server SERVER] [--password-stdin]",
  summary: "change your local password (stdin: current password, then the new one, one per line)",
  options: { server: { type: "string" }, "password-stdin": { type: "boolean" } },
  run: async (values, args) => {
    if (args.length > 0) throw new UsageError(`unexpected argument "${args[0]}"`);
    const login = requireLogin(stringValue(values, "server"));
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

export const accountCommands: Command[] = [accountCommand, updatePasswordCommand];
