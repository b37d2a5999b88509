// The app.ini of a private Gitea: a forge for tests and local trials, one process on a loopback
// port, everything (SQLite database, repositories, logs) inside one folder. Pure: text out.
//
// What each setting is for, since Gitea's defaults suit a public server and not this:
// - INSTALL_LOCK skips the web installer; registration and e-mail are off (the admin user is made
//   with Gitea's CLI).
// - Gitea refuses to run as root unless told I_AM_BEING_UNSAFE_RUNNING_AS_ROOT; with INSTALL_LOCK,
//   RUN_USER must name the user actually running it.
// - [security] ALLOWED_HOST_LIST = loopback: by default ("external") Gitea silently refuses to
//   deliver webhooks to 127.0.0.1, which is where the receiver under test listens. (1.27 still
//   reads [webhook] ALLOWED_HOST_LIST but calls it deprecated in favour of [security].)
// - [queue] TYPE = channel: an in-memory queue delivers a webhook ~0.2 s after the push, where the
//   default on-disk queue takes 1–4 s, enough to blur "the webhook, not polling, did it".
// - STATIC_ROOT_PATH: the binary is built without bindata, so templates, locales and images are read
//   from the toolchain's share/gitea folder.
// - SQLite in WAL mode, so the delivery history can be read while Gitea writes (gitea.ts).

export interface GiteaIniInput {
  /** The instance folder (WORK_PATH); the database, repositories and logs go under it. */
  dir: string;
  port: number;
  /** Folder holding templates/, options/ and public/. */
  staticRoot: string;
  /** The user Gitea runs as (RUN_USER must match it). */
  runUser: string;
}

export const GITEA_APP_NAME = "mooring-sandbox-forge";

/** The paths inside an instance folder, as the ini names them. */
export function giteaPaths(dir: string) {
  return {
    ini: `${dir}/custom/conf/app.ini`,
    data: `${dir}/data`,
    database: `${dir}/data/gitea.db`,
    repos: `${dir}/repos`,
    logs: `${dir}/log`,
    log: `${dir}/gitea.log`,
  } as const;
}

export function renderGiteaIni(input: GiteaIniInput): string {
  const paths = giteaPaths(input.dir);
  const root = input.runUser === "root";
  const sections: [string, Record<string, string | number | boolean>][] = [
    [
      "",
      {
        APP_NAME: GITEA_APP_NAME,
        RUN_MODE: "prod",
        RUN_USER: input.runUser,
        WORK_PATH: input.dir,
        ...(root ? { I_AM_BEING_UNSAFE_RUNNING_AS_ROOT: true } : {}),
      },
    ],
    [
      "server",
      {
        PROTOCOL: "http",
        HTTP_ADDR: "127.0.0.1",
        HTTP_PORT: input.port,
        ROOT_URL: `http://127.0.0.1:${input.port}/`,
        DISABLE_SSH: true,
        START_SSH_SERVER: false,
        OFFLINE_MODE: true,
        LFS_START_SERVER: false,
        STATIC_ROOT_PATH: input.staticRoot,
        APP_DATA_PATH: paths.data,
      },
    ],
    ["database", { DB_TYPE: "sqlite3", PATH: paths.database, SQLITE_JOURNAL_MODE: "WAL" }],
    ["repository", { ROOT: paths.repos, DEFAULT_BRANCH: "main" }],
    ["security", { INSTALL_LOCK: true, ALLOWED_HOST_LIST: "loopback" }],
    ["service", { DISABLE_REGISTRATION: true, REQUIRE_SIGNIN_VIEW: false }],
    ["mailer", { ENABLED: false }],
    ["session", { PROVIDER: "memory" }],
    ["cache", { ADAPTER: "memory" }],
    ["queue", { TYPE: "channel" }],
    ["actions", { ENABLED: false }],
    ["packages", { ENABLED: false }],
    ["cron.update_checker", { ENABLED: false }],
    ["log", { MODE: "console", LEVEL: "Warn", ROOT_PATH: paths.logs }],
  ];
  const lines: string[] = [];
  for (const [name, values] of sections) {
    if (name) lines.push("", `[${name}]`);
    for (const [key, value] of Object.entries(values)) lines.push(`${key} = ${iniValue(key, value)}`);
  }
  return `${lines.join("\n").trimStart()}\n`;
}

/** Values come from our own code, but a newline would start a new key: refuse it. */
function iniValue(key: string, value: string | number | boolean): string {
  const text = String(value);
  if (/[\r\n]/.test(text)) throw new Error(`app.ini value of ${key} cannot contain a line break`);
  return text;
}
