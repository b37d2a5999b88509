// The environment a git command runs in. It starts from this process's environment minus every
// GIT_* variable that could redirect git (GIT_DIR, GIT_SSH_COMMAND, GIT_CONFIG_PARAMETERS, ...),
// pins English messages (errors are classified from them), and forbids every way git has of
// asking a human: no terminal prompt, no askpass program, no credential helper, ssh in batch
// mode. A wrong password then fails at once instead of waiting for input that never comes.
// For a remote it adds the credentials (see credentials.ts); an ssh key lives in a private
// temporary directory that is removed when the command is done.
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { join } from "node:path";
import {
  authorizationHeader,
  configEnv,
  type GitCredentials,
  secretValues,
  sshCommand,
} from "./credentials.ts";
import type { RepoAddress } from "./url.ts";

/** GIT_* variables that only tune TLS, proxies and the user agent are kept. */
const KEPT_GIT_VARIABLES = /^GIT_(SSL_|PROXY_|HTTP_USER_AGENT$|HTTP_PROXY_AUTHMETHOD$)/;
/** ssh's own way of asking a human for a passphrase. */
const DROPPED_VARIABLES = new Set(["SSH_ASKPASS", "SSH_ASKPASS_REQUIRE"]);

export interface AccessOptions {
  /** The environment to start from. */
  env: NodeJS.ProcessEnv;
  /** Limit of one git command, also used to abort stalled transfers. */
  timeoutMs: number;
  /** A private directory for temporary key files. */
  tmpDir: string;
  /** Whether git may read file:// URLs and local paths (--allow-local-repos); default false. */
  allowLocalRepos?: boolean;
}

export interface RemoteAccess {
  env: NodeJS.ProcessEnv;
  /** Secret values to scrub from anything git prints. */
  secrets: readonly string[];
}

/** The environment for git commands that touch no remote (read-tree, rev-parse, show). */
export function localGitEnv(
  options: Pick<AccessOptions, "env" | "timeoutMs" | "allowLocalRepos">,
): NodeJS.ProcessEnv {
  return composeEnv(options, []);
}

/** Runs `work` with an environment giving git access to the repository; temporary files are removed after. */
export async function withRemoteAccess<T>(
  address: RepoAddress,
  credentials: GitCredentials,
  options: AccessOptions,
  work: (access: RemoteAccess) => Promise<T>,
): Promise<T> {
  const secrets = secretValues(credentials);
  if (address.transport === "http") {
    const header = authorizationHeader(credentials);
    // An empty value first drops any extra headers inherited from the user's git config.
    const entries: [string, string][] = header
      ? [
          ["http.extraHeader", ""],
          ["http.extraHeader", `Authorization: ${header}`],
        ]
      : [];
    return work({ env: composeEnv(options, entries), secrets });
  }
  if (address.transport !== "ssh") return work({ env: composeEnv(options, []), secrets });
  const dir = await mkdtemp(join(options.tmpDir, "ssh-"));
  try {
    const command = await prepareSsh(dir, credentials, options.timeoutMs);
    return await work({ env: composeEnv(options, [["core.sshCommand", command]]), secrets });
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

async function prepareSsh(dir: string, credentials: GitCredentials, timeoutMs: number): Promise<string> {
  let keyFile: string | undefined;
  let knownHostsFile: string | undefined;
  if (credentials.sshPrivateKey) {
    keyFile = join(dir, "key");
    // OpenSSH refuses a key without its final newline, and one readable by others.
    const key = credentials.sshPrivateKey.endsWith("\n")
      ? credentials.sshPrivateKey
      : `${credentials.sshPrivateKey}\n`;
    await writeFile(keyFile, key, { mode: 0o600, flag: "wx" });
  }
  const insecure = credentials.insecureIgnoreHostKey === true;
  if (credentials.sshKnownHosts || insecure) {
    knownHostsFile = join(dir, "known_hosts");
    await writeFile(knownHostsFile, insecure ? "" : `${credentials.sshKnownHosts}\n`, {
      mode: 0o600,
      flag: "wx",
    });
  }
  return sshCommand({
    ...(keyFile === undefined ? {} : { keyFile }),
    ...(knownHostsFile === undefined ? {} : { knownHostsFile }),
    acceptNewHostKey: insecure,
    connectTimeoutSeconds: timeoutMs / 1000,
  });
}

function composeEnv(
  options: Pick<AccessOptions, "env" | "timeoutMs" | "allowLocalRepos">,
  extra: readonly (readonly [string, string])[],
): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [name, value] of Object.entries(options.env)) {
    if (name.startsWith("GIT_") && !KEPT_GIT_VARIABLES.test(name)) continue;
    if (DROPPED_VARIABLES.has(name)) continue;
    env[name] = value;
  }
  const config: (readonly [string, string])[] = [
    // An empty helper list: no helper may hand out, or store, a password.
    ["credential.helper", ""],
    // Only the transports Mooring knows: ext:: would run arbitrary commands, and the controller's
    // own disk (file://, plain paths) is read only with --allow-local-repos. Hooks configured by
    // the user have no business here.
    ["protocol.allow", "never"],
    ...["http", "https", "ssh", "git"].map((name) => [`protocol.${name}.allow`, "always"] as const),
    ["protocol.file.allow", options.allowLocalRepos === true ? "always" : "never"],
    ["protocol.ext.allow", "never"],
    ["core.hooksPath", "/dev/null"],
    // A stalled transfer gives up in time even when the git process itself is killed.
    ["http.lowSpeedLimit", "1"],
    ["http.lowSpeedTime", String(Math.max(1, Math.ceil(options.timeoutMs / 1000)))],
    ...extra,
  ];
  return {
    ...env,
    ...configEnv(config),
    GIT_TERMINAL_PROMPT: "0",
    GIT_ASKPASS: "",
    LC_ALL: "C",
  };
}
