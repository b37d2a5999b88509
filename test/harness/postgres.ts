// A private PostgreSQL 15 for tests, from Debian's packages (never the system service): initdb and
// pg_ctl in a temporary folder, listening on a free loopback port, its socket in that folder.
// PostgreSQL refuses to run as root, so as root it runs as `nobody` through setpriv, with a
// data folder nobody owns (docs/research/issue9-exploration.md measured: initdb 0.85 s, start
// 0.12 s). Durability is off (fsync, synchronous_commit): a test database dies with the test.
// `stop()` shuts it down and removes the folder; if the test process exits without calling it,
// an exit hook stops the server (immediate shutdown) so no postgres outlives the run.
import { chownSync, readFileSync, rmSync } from "node:fs";
import { mkdtemp } from "node:fs/promises";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import pg from "pg";
import { runChecked } from "../../src/util/exec.ts";

export const POSTGRES_BIN = "/usr/lib/postgresql/15/bin";
const NOBODY = 65534;
const NOGROUP = 65534;

export interface RunningPostgres {
  port: number;
  /** `postgres://postgres@127.0.0.1:<port>/<database>`. */
  url(database?: string): string;
  /** Creates an empty database and returns its URL. */
  createDatabase(name: string): Promise<string>;
  stop(): Promise<void>;
}

/** Runs a PostgreSQL program, as nobody when this process is root. */
function asOwner(dir: string, program: string, args: string[]): [string, string[]] {
  const env = ["env", "-i", "PATH=/usr/bin:/bin", `HOME=${dir}`, "LC_ALL=C.UTF-8"];
  if (process.getuid?.() !== 0)
    return [env[0] as string, [...env.slice(1), join(POSTGRES_BIN, program), ...args]];
  return [
    "setpriv",
    [
      `--reuid=${NOBODY}`,
      `--regid=${NOGROUP}`,
      "--clear-groups",
      ...env,
      join(POSTGRES_BIN, program),
      ...args,
    ],
  ];
}

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const address = server.address();
  await new Promise<void>((resolve) => server.close(() => resolve()));
  if (typeof address !== "object" || !address) throw new Error("no free port");
  return address.port;
}

export async function startPostgres(): Promise<RunningPostgres> {
  const dir = await mkdtemp(join(tmpdir(), "mooring-pg-"));
  if (process.getuid?.() === 0) chownSync(dir, NOBODY, NOGROUP);
  const data = join(dir, "data");
  const run = (program: string, args: string[]) => {
    const [file, argv] = asOwner(dir, program, args);
    return runChecked(file, argv, { timeoutMs: 60_000 });
  };
  await run("initdb", [
    "-D",
    data,
    "-U",
    "postgres",
    "--auth=trust",
    "-E",
    "UTF8",
    "--locale=C.UTF-8",
    "--no-sync",
  ]);
  let port = 0;
  for (let attempt = 1; ; attempt++) {
    port = await freePort();
    const options = [
      "-c listen_addresses=127.0.0.1",
      `-p ${port}`,
      `-c unix_socket_directories=${dir}`,
      "-c fsync=off",
      "-c synchronous_commit=off",
      "-c full_page_writes=off",
      "-c max_connections=50",
    ].join(" ");
    try {
      await run("pg_ctl", [
        "-D",
        data,
        "-l",
        join(dir, "server.log"),
        "-w",
        "-t",
        "30",
        "-o",
        options,
        "start",
      ]);
      break;
    } catch (error) {
      // Another process may have taken the port between freePort and the start.
      if (attempt >= 3) {
        const log = (() => {
          try {
            return readFileSync(join(dir, "server.log"), "utf8");
          } catch {
            return "";
          }
        })();
        rmSync(dir, { recursive: true, force: true });
        throw new Error(`postgres did not start: ${(error as Error).message}\n${log}`);
      }
    }
  }

  /** Last resort when the process exits without stop(): immediate shutdown, then the folder. */
  const onExit = () => {
    try {
      const pid = Number(readFileSync(join(data, "postmaster.pid"), "utf8").split("\n")[0]);
      if (pid > 0) process.kill(pid, "SIGQUIT");
    } catch {
      // Already stopped.
    }
    rmSync(dir, { recursive: true, force: true });
  };
  process.once("exit", onExit);

  const url = (database = "postgres") => `postgres://postgres@127.0.0.1:${port}/${database}`;
  let stopped = false;
  return {
    port,
    url,
    async createDatabase(name: string): Promise<string> {
      if (!/^[a-z][a-z0-9_]{0,62}$/.test(name))
        throw new Error(`database name ${name} is not a plain identifier`);
      const client = new pg.Client({ connectionString: url() });
      await client.connect();
      try {
        await client.query(`CREATE DATABASE ${name}`);
      } finally {
        await client.end();
      }
      return url(name);
    },
    async stop(): Promise<void> {
      if (stopped) return;
      stopped = true;
      process.off("exit", onExit);
      await run("pg_ctl", ["-D", data, "-m", "fast", "-w", "-t", "30", "stop"]).catch(() => {});
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
