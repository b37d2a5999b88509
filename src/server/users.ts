// Local accounts: user names with a password, kept in one Secret in the controller namespace,
// `mooring-users`, one key per user holding JSON `{ passwordHash, groups, passwordChangedAt }`
// (passwordHash: the scrypt PHC string of ./passwords.ts). This is Argo CD's model (accounts in
// argocd-cm, their bcrypt hashes in argocd-secret), folded into one object: one Secret means one
// resourceVersion, so a password change is a compare-and-swap and two replicas cannot lose each
// other's writes.
//
// The `admin` account is the global administrator. `moor install` creates it when it does not
// exist, with a random password (generatePassword) that it also writes to the Secret
// `mooring-initial-admin` (key `password`), as Argo CD's argocd-initial-admin-secret: read it
// once, change the password with `moor account update-password`, then delete that Secret. An
// existing admin is never overwritten, so running `moor install` again changes nothing.
//
// A password change stamps passwordChangedAt; sessions issued before it are refused
// (./authenticate.ts), so changing a leaked password also ends the thief's session.
import type { KubeObject } from "../core/objects.ts";
import { KubeApiError, type KubeClient } from "../kube/client.ts";
import { generatePassword, hashPassword, verifyPassword } from "./passwords.ts";

export const USERS_SECRET = "mooring-users";
export const INITIAL_ADMIN_SECRET = "mooring-initial-admin";
export const ADMIN_USER = "admin";
/** A user name: lower-case letters, digits, `.`, `_`, `-` (it is a Secret data key). */
export const USER_NAME = /^[a-z0-9]([-._a-z0-9]{0,61}[a-z0-9])?$/;
export const MIN_PASSWORD_LENGTH = 12;

export interface UserRecord {
  name: string;
  passwordHash: string;
  groups: string[];
  /** ms since the epoch; sessions issued earlier are refused. */
  passwordChangedAt: number;
}

type SecretObject = KubeObject & { data?: Record<string, string> };

function decode(name: string, value: string | undefined): UserRecord | undefined {
  if (value === undefined) return undefined;
  try {
    const parsed = JSON.parse(Buffer.from(value, "base64").toString("utf8")) as Partial<UserRecord>;
    if (typeof parsed.passwordHash !== "string") return undefined;
    return {
      name,
      passwordHash: parsed.passwordHash,
      groups: Array.isArray(parsed.groups) ? parsed.groups.filter((g) => typeof g === "string") : [],
      passwordChangedAt: typeof parsed.passwordChangedAt === "number" ? parsed.passwordChangedAt : 0,
    };
  } catch {
    return undefined;
  }
}

function encode(record: UserRecord): string {
  const { passwordHash, groups, passwordChangedAt } = record;
  return Buffer.from(JSON.stringify({ passwordHash, groups, passwordChangedAt }), "utf8").toString("base64");
}

/** Problems with a new password; empty when acceptable. */
export function passwordProblems(password: string): string[] {
  const problems: string[] = [];
  if (password.length < MIN_PASSWORD_LENGTH) {
    problems.push(`the password is shorter than ${MIN_PASSWORD_LENGTH} characters: choose a longer one`);
  }
  if (password.length > 1024) problems.push("the password is longer than 1024 characters");
  return problems;
}

export class UserStore {
  readonly #kube: KubeClient;
  readonly #namespace: string;
  readonly #clock: () => number;
  readonly #cacheMs: number;
  #cached: { at: number; secret: SecretObject | null } | undefined;

  constructor(kube: KubeClient, namespace: string, clock: () => number, options: { cacheMs?: number } = {}) {
    this.#kube = kube;
    this.#namespace = namespace;
    this.#clock = clock;
    this.#cacheMs = options.cacheMs ?? 1000;
  }

  async #secret(fresh = false): Promise<SecretObject | null> {
    const now = this.#clock();
    if (!fresh && this.#cached !== undefined && now - this.#cached.at < this.#cacheMs)
      return this.#cached.secret;
    const secret = (await this.#kube.get(
      "v1",
      "Secret",
      this.#namespace,
      USERS_SECRET,
    )) as SecretObject | null;
    this.#cached = { at: now, secret };
    return secret;
  }

  /** The account, read through a cache at most `cacheMs` old. */
  async get(name: string): Promise<UserRecord | undefined> {
    if (!USER_NAME.test(name)) return undefined;
    return decode(name, (await this.#secret())?.data?.[name]);
  }

  /** The account when the password is right; always spends one hash, so unknown names take as long. */
  async verify(name: string, password: string): Promise<UserRecord | undefined> {
    const record = await this.get(name);
    const ok = await verifyPassword(password, record?.passwordHash);
    return ok ? record : undefined;
  }

  /** Every account, by name, without hashes. */
  async list(): Promise<{ name: string; groups: string[]; passwordChangedAt: number }[]> {
    const data = (await this.#secret(true))?.data ?? {};
    return Object.keys(data)
      .sort()
      .map((name) => decode(name, data[name]))
      .filter((r): r is UserRecord => r !== undefined)
      .map(({ name, groups, passwordChangedAt }) => ({ name, groups, passwordChangedAt }));
  }

  /** Creates an account; false when the name is taken. */
  async create(name: string, password: string, groups: readonly string[]): Promise<boolean> {
    const passwordHash = await hashPassword(password);
    return this.#update((data) => {
      if (data[name] !== undefined) return false;
      data[name] = encode({ name, passwordHash, groups: [...groups], passwordChangedAt: this.#clock() });
      return true;
    });
  }

  /** Deletes an account (its sessions end at their next request); false when there was none. */
  async delete(name: string): Promise<boolean> {
    return this.#update((data) => {
      if (data[name] === undefined) return false;
      delete data[name];
      return true;
    });
  }

  /** Writes one account (compare-and-swap on the Secret, retried on a conflicting write). */
  async put(record: UserRecord): Promise<void> {
    await this.#update((data) => {
      data[record.name] = encode(record);
      return true;
    });
  }

  /** Sets a password, stamping passwordChangedAt (earlier sessions end). */
  async setPassword(name: string, password: string): Promise<void> {
    const existing = await this.get(name);
    if (existing === undefined) throw new Error(`no local account ${name}`);
    await this.put({
      ...existing,
      passwordHash: await hashPassword(password),
      passwordChangedAt: this.#clock(),
    });
  }

  /**
   * Applies `change` to the Secret's data and writes it; `change` answers false to write nothing.
   * Returns whether it wrote.
   */
  async #update(change: (data: Record<string, string>) => boolean): Promise<boolean> {
    for (let attempt = 0; ; attempt++) {
      const secret = await this.#secret(true);
      const data = { ...(secret?.data ?? {}) };
      if (!change(data)) return false;
      try {
        if (secret === null) {
          await this.#kube.create({
            apiVersion: "v1",
            kind: "Secret",
            metadata: {
              name: USERS_SECRET,
              namespace: this.#namespace,
              labels: { "app.kubernetes.io/part-of": "mooring", "mooring.dev/secret-type": "users" },
            },
            type: "Opaque",
            data,
          } as KubeObject);
        } else {
          await this.#kube.replace({ ...secret, data } as KubeObject);
        }
        this.#cached = undefined;
        return true;
      } catch (err) {
        const conflict =
          err instanceof KubeApiError && (err.status === 409 || err.reason === "AlreadyExists");
        if (!conflict || attempt >= 5) throw err;
      }
    }
  }

  /**
   * Creates the admin account with a random password when none exists, and writes the password to
   * the Secret mooring-initial-admin. Never overwrites an existing admin.
   */
  async bootstrapAdmin(): Promise<{ created: boolean }> {
    const password = generatePassword();
    const passwordHash = await hashPassword(password);
    const created = await this.#update((data) => {
      if (decode(ADMIN_USER, data[ADMIN_USER]) !== undefined) return false;
      data[ADMIN_USER] = encode({
        name: ADMIN_USER,
        passwordHash,
        groups: [],
        passwordChangedAt: this.#clock(),
      });
      return true;
    });
    if (!created) return { created: false };
    const initial: SecretObject = {
      apiVersion: "v1",
      kind: "Secret",
      metadata: {
        name: INITIAL_ADMIN_SECRET,
        namespace: this.#namespace,
        labels: { "app.kubernetes.io/part-of": "mooring", "mooring.dev/secret-type": "initial-admin" },
      },
      type: "Opaque",
      data: { password: Buffer.from(password, "utf8").toString("base64") },
    } as SecretObject;
    await this.#kube.apply(initial, { fieldManager: "mooring-install" });
    return { created: true };
  }
}

/** The bootstrapped admin password, while the Secret mooring-initial-admin still exists. */
export async function initialAdminPassword(kube: KubeClient, namespace: string): Promise<string | undefined> {
  const secret = (await kube.get("v1", "Secret", namespace, INITIAL_ADMIN_SECRET)) as SecretObject | null;
  const value = secret?.data?.password;
  return value === undefined ? undefined : Buffer.from(value, "base64").toString("utf8");
}
