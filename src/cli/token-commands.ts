// `moor token create|list|revoke`: API tokens for automation, on the server you are logged in to.
// A token belongs to one project and one role, always expires, and is shown once: `create`
// prints the token alone on stdout (so `TOKEN=$(moor token create ...)` works) and what it is on
// stderr. Only a user with manage-tokens in the project (its admin role) may manage its tokens.
import { apiRequest, requireLogin } from "./api-client.ts";
import { type Command, EXIT, outputOption, stringValue } from "./command.ts";
import { parseOutputFormat, renderStructured, renderTable, UsageError } from "./output.ts";

interface TokenRecord {
  id: string;
  project: string;
  role: string;
  createdBy: string;
  description?: string;
  createdAt: string;
  expiresAt: string;
  revokedAt?: string;
  lastUsedAt?: string;
  state: "active" | "expired" | "revoked";
}

export function renderTokens(items: readonly TokenRecord[]): string {
  if (items.length === 0) return "No API tokens.\n";
  const day = (iso: string | undefined) => (iso === undefined ? "-" : iso.slice(0, 16).replace("T", " "));
  return `${renderTable(items, [
    { header: "ID", value: (t) => t.id },
    { header: "PROJECT", value: (t) => t.project },
    { header: "ROLE", value: (t) => t.role },
    { header: "STATE", value: (t) => t.state },
    { header: "EXPIRES", value: (t) => day(t.expiresAt) },
    { header: "LAST USED", value: (t) => day(t.lastUsedAt) },
    { header: "CREATED BY", value: (t) => t.createdBy },
    { header: "DESCRIPTION", value: (t) => t.description ?? "" },
  ])}\n`;
}

const serverOption = { server: { type: "string" as const } };

const createCommand: Command = {
  path: ["token", "create"],
  usage:
    "moor token create --project P --role R [--expires 30d] [--description TEXT] [--server SERVER] [-o json|yaml]",
  summary: "create an API token for one project and role; the token is printed once",
  options: {
    ...serverOption,
    project: { type: "string" },
    role: { type: "string" },
    expires: { type: "string" },
    description: { type: "string" },
    ...outputOption,
  },
  run: async (values, args) => {
    if (args.length > 0) throw new UsageError(`unexpected argument "${args[0]}"`);
    const format = parseOutputFormat(stringValue(values, "output"));
    const project = stringValue(values, "project");
    const role = stringValue(values, "role");
    if (project === undefined || role === undefined) throw new UsageError("give --project and --role");
    const description = stringValue(values, "description");
    const expires = stringValue(values, "expires");
    const login = requireLogin(stringValue(values, "server"));
    const created = await apiRequest<{ token: string; record: TokenRecord }>(login, "post", "/tokens", {
      project,
      role,
      ...(expires === undefined ? {} : { expiresIn: expires }),
      ...(description === undefined ? {} : { description }),
    });
    if (format === "json" || format === "yaml") {
      process.stdout.write(`${renderStructured(created, format)}\n`);
      return EXIT.ok;
    }
    process.stderr.write(
      `API token ${created.record.id} for role ${role} in project ${project}, expires ${created.record.expiresAt}. It is shown only now: store it as a secret.\n`,
    );
    process.stdout.write(`${created.token}\n`);
    return EXIT.ok;
  },
};

const listCommand: Command = {
  path: ["token", "list"],
  usage: "moor token list [--project P] [--server SERVER] [-o json|yaml]",
  summary: "list API tokens of the projects whose tokens you manage (never their secrets)",
  options: { ...serverOption, project: { type: "string" }, ...outputOption },
  run: async (values, args) => {
    if (args.length > 0) throw new UsageError(`unexpected argument "${args[0]}"`);
    const format = parseOutputFormat(stringValue(values, "output"));
    const login = requireLogin(stringValue(values, "server"));
    const project = stringValue(values, "project");
    const { items } = await apiRequest<{ items: TokenRecord[] }>(
      login,
      "get",
      project === undefined ? "/tokens" : `/tokens?project=${encodeURIComponent(project)}`,
    );
    process.stdout.write(
      format === "json" || format === "yaml" ? `${renderStructured(items, format)}\n` : renderTokens(items),
    );
    return EXIT.ok;
  },
};

const revokeCommand: Command = {
  path: ["token", "revoke"],
  usage: "moor token revoke ID [--server SERVER]",
  summary: "revoke an API token: it is refused from the next request on",
  options: { ...serverOption },
  run: async (values, args) => {
    if (args.length !== 1) throw new UsageError("give the token id (moor token list shows it)");
    const login = requireLogin(stringValue(values, "server"));
    const id = args[0] ?? "";
    const { record } = await apiRequest<{ record: TokenRecord }>(
      login,
      "delete",
      `/tokens/${encodeURIComponent(id)}`,
    );
    process.stdout.write(`API token ${record.id} (${record.project}/${record.role}) revoked\n`);
    return EXIT.ok;
  },
};

export const tokenCommands: Command[] = [createCommand, listCommand, revokeCommand];
