// `moor login` and `moor logout`: a session on a Mooring API server (`moor server`), kept per
// server in the CLI's login file (./api-client.ts, mode 0600).
//
//   moor login SERVER --username U                 asks for the password without echo
//   echo "$PW" | moor login SERVER --username U --password-stdin     for scripts
//   moor login SERVER --sso                         single sign-on in a browser: the CLI listens on
//                                                  127.0.0.1 for the server to hand it the session
//                                                  once the OpenID provider sent the user back
//   echo "$TOKEN" | moor login SERVER --token-stdin  an API token instead of a session, for CI
//   moor logout [--server SERVER]                   ends the session on the server, forgets it here
//
// Passwords are read from a terminal without echo or from stdin, never from a flag (flags show in
// `ps` and shell history).
import { randomBytes } from "node:crypto";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { createInterface } from "node:readline";
import type { Writable } from "node:stream";
import {
  ApiClientError,
  apiRequest,
  type Login,
  normalizeServer,
  removeLogin,
  requireLogin,
  saveLogin,
} from "./api-client.ts";
import { type Command, EXIT, stringValue } from "./command.ts";
import { UsageError } from "./output.ts";

/** Reads all of stdin; the first line is the answer (a trailing newline is not part of it). */
export async function readStdinLines(): Promise<string[]> {
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString("utf8").split(/\r?\n/);
}

/** Asks a question on the terminal; with `hidden`, what is typed is not echoed. */
export async function prompt(question: string, hidden = false): Promise<string> {
  if (!process.stdin.isTTY) {
    throw new UsageError(
      `stdin is not a terminal: give the ${hidden ? "password with --password-stdin" : "value as a flag"}`,
    );
  }
  let muted = false;
  const output: Writable = Object.assign(Object.create(process.stderr) as Writable, {
    write: (chunk: string | Uint8Array, ...rest: unknown[]) => {
      if (!muted) return (process.stderr.write as (...args: unknown[]) => boolean)(chunk, ...rest);
      return true;
    },
  });
  const rl = createInterface({ input: process.stdin, output, terminal: true });
  try {
    const answer = new Promise<string>((resolve) => rl.question(question, resolve));
    muted = hidden;
    const text = await answer;
    if (hidden) process.stderr.write("\n");
    return text;
  } finally {
    rl.close();
  }
}

interface LoginAnswer {
  username: string;
  token: string;
  globalAdmin: boolean;
  projects: { project: string; roles: string[] }[];
}

function describeLogin(
  server: string,
  answer: { username: string; globalAdmin: boolean; projects: { project: string; roles: string[] }[] },
): string {
  const roles = answer.globalAdmin
    ? "global admin"
    : answer.projects.length === 0
      ? "no roles yet"
      : answer.projects.map((p) => `${p.project}: ${p.roles.join(", ")}`).join("; ");
  return `logged in to ${server} as ${answer.username} (${roles})\n`;
}

/** Waits for the server to redirect the browser to the loopback listener with the session. */
async function ssoLogin(server: string, timeoutMs: number): Promise<{ token: string; username: string }> {
  const state = randomBytes(24).toString("base64url");
  let done: (value: { token: string; username: string }) => void = () => {};
  let fail: (error: Error) => void = () => {};
  const result = new Promise<{ token: string; username: string }>((resolve, reject) => {
    done = resolve;
    fail = reject;
  });
  const listener = createServer((req, res) => {
    const url = new URL(req.url ?? "/", "http://127.0.0.1");
    if (url.pathname !== "/callback" || url.searchParams.get("state") !== state) {
      res.writeHead(404).end("not a Mooring login callback");
      return;
    }
    const token = url.searchParams.get("token") ?? "";
    const username = url.searchParams.get("username") ?? "";
    res
      .writeHead(200, { "content-type": "text/plain; charset=utf-8" })
      .end(`Logged in to ${server} as ${username}. You can close this tab.\n`);
    done({ token, username });
  });
  await new Promise<void>((resolve) => listener.listen(0, "127.0.0.1", resolve));
  const port = (listener.address() as AddressInfo).port;
  const url = `${server}/api/v1/auth/oidc/login?cli_port=${port}&cli_state=${state}`;
  process.stderr.write(`Open this address in a browser to log in:\n\n  ${url}\n\n`);
  const timer = setTimeout(
    () => fail(new Error(`no login within ${timeoutMs / 1000}s: run moor login --sso again`)),
    timeoutMs,
  );
  try {
    return await result;
  } finally {
    clearTimeout(timer);
    listener.close();
  }
}

const loginCommand: Command = {
  path: ["login"],
  usage: "moor login SERVER [--username U] [--password-stdin] [--sso] [--token-stdin]",
  summary: "log in to a Mooring API server (moor server) and keep the session for later commands",
  options: {
    username: { type: "string", short: "u" },
    "password-stdin": { type: "boolean" },
    sso: { type: "boolean" },
    "token-stdin": { type: "boolean" },
  },
  run: async (values, args) => {
    if (args.length !== 1) throw new UsageError("give the server: moor login https://mooring.example.com");
    const server = normalizeServer(args[0] ?? "");
    if (values["token-stdin"] === true) {
      if (values.sso === true || values.username !== undefined || values["password-stdin"] === true) {
        throw new UsageError("--token-stdin takes no --sso, --username or --password-stdin");
      }
      const token = ((await readStdinLines())[0] ?? "").trim();
      if (!token.startsWith("moor_"))
        throw new UsageError("stdin holds no API token (moor_...): copy it whole");
      const me = await apiRequest<LoginAnswer>({ server, token, username: "" }, "get", "/session");
      saveLogin({ server, token, username: me.username });
      process.stdout.write(describeLogin(server, me));
      return EXIT.ok;
    }
    if (values.sso === true) {
      if (values.username !== undefined || values["password-stdin"] === true) {
        throw new UsageError("--sso takes no --username or password: the identity provider asks for them");
      }
      const { token, username } = await ssoLogin(server, 5 * 60_000);
      const login: Login = { server, token, username };
      const me = await apiRequest<LoginAnswer>(login, "get", "/session");
      saveLogin({ server, token, username: me.username });
      process.stdout.write(describeLogin(server, me));
      return EXIT.ok;
    }
    const username = stringValue(values, "username") ?? (await prompt("Username: "));
    const password =
      values["password-stdin"] === true
        ? ((await readStdinLines())[0] ?? "")
        : await prompt("Password: ", true);
    if (username === "" || password === "") throw new UsageError("user name and password must not be empty");
    const anonymous: Login = { server, token: "", username };
    const answer = await apiRequest<LoginAnswer>(anonymous, "post", "/session", {
      username,
      password,
      session: "token",
    });
    saveLogin({ server, token: answer.token, username: answer.username });
    process.stdout.write(describeLogin(server, answer));
    return EXIT.ok;
  },
};

const logoutCommand: Command = {
  path: ["logout"],
  usage: "moor logout [--server SERVER]",
  summary: "end the session on the server and forget it here",
  options: { server: { type: "string" } },
  run: async (values) => {
    const login = requireLogin(stringValue(values, "server"));
    try {
      await apiRequest(login, "delete", "/session");
    } catch (err) {
      // A session that already ended (or a server that is gone) is still forgotten here.
      if (
        !(err instanceof ApiClientError) ||
        !["unauthenticated", "unreachable", "bad-request"].includes(err.code)
      ) {
        throw err;
      }
      process.stderr.write(`moor logout: ${err.message}\n`);
    }
    removeLogin(login.server);
    process.stdout.write(`logged out of ${login.server}\n`);
    return EXIT.ok;
  },
};

export const loginCommands: Command[] = [loginCommand, logoutCommand];
