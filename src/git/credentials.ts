// Repository credentials and how they reach git without leaving a trace. A command line is
// world-readable (ps, /proc/<pid>/cmdline) and a URL stored in a repository's config stays on
// disk, so neither ever holds a secret. Instead git receives configuration through its
// environment (GIT_CONFIG_COUNT, GIT_CONFIG_KEY_<n>, GIT_CONFIG_VALUE_<n>; readable only by the
// same user): an `http.extraHeader` with the Authorization header for https, and for ssh a
// `core.sshCommand` naming a private key file that exists only while the command runs.
// Every secret value is also scrubbed from anything git prints before it becomes an error.
import type { RepoAddress } from "./url.ts";

export interface GitCredentials {
  /** User name for https basic authentication, with `password` or with `token`. */
  username?: string;
  /** Password for https basic authentication. */
  password?: string;
  /** Access token for https: sent as a Bearer token, or as the basic password when `username` is set. */
  token?: string;
  /** OpenSSH private key (a deploy key) for ssh:// and git@host:path repositories. */
  sshPrivateKey?: string;
  /** known_hosts lines that the ssh server's host key must match. */
  sshKnownHosts?: string;
  /** Accept any ssh host key; for tests and first contact only, as it allows a man in the middle. */
  insecureIgnoreHostKey?: boolean;
}

/** Credentials given explicitly win; userinfo of an http(s) URL fills what they leave out. */
export function effectiveCredentials(address: RepoAddress, given: GitCredentials = {}): GitCredentials {
  const merged: GitCredentials = { ...given };
  if (merged.username === undefined && address.username !== undefined) merged.username = address.username;
  if (merged.password === undefined && merged.token === undefined && address.password !== undefined) {
    merged.password = address.password;
  }
  return merged;
}

/** The Authorization header value for https, or undefined when there is nothing to send. */
export function authorizationHeader(credentials: GitCredentials): string | undefined {
  const { username, password, token } = credentials;
  if (password !== undefined && password !== "") return `Basic ${basic(username ?? "", password)}`;
  if (token !== undefined && token !== "") {
    // Hosts that take tokens over basic authentication want a user name with them
    // (GitHub: x-access-token, GitLab: oauth2); a lone token is a Bearer token.
    return username ? `Basic ${basic(username, token)}` : `Bearer ${token}`;
  }
  return undefined;
}

function basic(username: string, secret: string): string {
  return Buffer.from(`${username}:${secret}`, "utf8").toString("base64");
}

/** Every form in which a secret of these credentials could show up in text. */
export function secretValues(credentials: GitCredentials): string[] {
  const raw = [credentials.password, credentials.token, credentials.sshPrivateKey].filter(
    (value): value is string => value !== undefined && value !== "",
  );
  const header = authorizationHeader(credentials);
  const encoded = header === undefined ? [] : [header, header.slice(header.indexOf(" ") + 1)];
  const forms = [...raw, ...raw.map((value) => encodeURIComponent(value)), ...encoded];
  // Longest first, so that a secret containing another is replaced whole.
  return [...new Set(forms)].sort((a, b) => b.length - a.length);
}

/** Replaces every occurrence of every secret with "***". */
export function scrubSecrets(text: string, secrets: readonly string[]): string {
  let scrubbed = text;
  for (const secret of secrets) {
    if (secret !== "") scrubbed = scrubbed.split(secret).join("***");
  }
  return scrubbed;
}

/** git configuration passed through the environment, in order (a later entry of a key adds or resets). */
export function configEnv(
  entries: readonly (readonly [key: string, value: string])[],
): Record<string, string> {
  const env: Record<string, string> = { GIT_CONFIG_COUNT: String(entries.length) };
  entries.forEach(([key, value], index) => {
    env[`GIT_CONFIG_KEY_${index}`] = key;
    env[`GIT_CONFIG_VALUE_${index}`] = value;
  });
  return env;
}

export interface SshCommandOptions {
  /** Private key file written by us; default: ssh's own identities. */
  keyFile?: string;
  /** known_hosts file written by us; default: the user's known_hosts files. */
  knownHostsFile?: string;
  /** Accept a host key not yet known (the known_hosts file should then be a throwaway one). */
  acceptNewHostKey: boolean;
  connectTimeoutSeconds: number;
}

/**
 * The `core.sshCommand` value. git runs it through the shell, so every path is quoted; the paths
 * are ours (temporary files), never user input. BatchMode makes ssh fail instead of prompting.
 */
export function sshCommand(options: SshCommandOptions): string {
  const parts = [
    "ssh",
    "-o BatchMode=yes",
    `-o ConnectTimeout=${Math.max(1, Math.ceil(options.connectTimeoutSeconds))}`,
    "-o ServerAliveInterval=15",
    "-o ServerAliveCountMax=3",
    "-o LogLevel=ERROR",
  ];
  if (options.keyFile !== undefined) {
    parts.push(`-i ${shellQuote(options.keyFile)}`, "-o IdentitiesOnly=yes");
  }
  if (options.knownHostsFile !== undefined) {
    // ssh splits this option's value on blanks; double quotes keep a path with spaces whole.
    parts.push(`-o ${shellQuote(`UserKnownHostsFile="${options.knownHostsFile}"`)}`);
  }
  parts.push(`-o StrictHostKeyChecking=${options.acceptNewHostKey ? "accept-new" : "yes"}`);
  return parts.join(" ");
}

/** Quotes a word for a POSIX shell. */
export function shellQuote(word: string): string {
  return `'${word.replaceAll("'", `'\\''`)}'`;
}
