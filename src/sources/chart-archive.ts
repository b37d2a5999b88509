// Unpacking a packaged chart (.tgz) pulled from a chart repository. The archive comes from a
// registry the tenant names, so it is read as hostile: only regular files and folders are
// written, every path must stay under the chart's own top folder (no absolute path, no `..`, no
// link to follow later), and the unpacked size and file count are capped before anything is
// written, so a small archive that inflates to gigabytes stops at the budget. The tar format is
// read here (ustar headers, with the pax and GNU long-name records Go's archive/tar and GNU tar
// write) rather than by a tar binary, whose handling of such paths varies by version.
import { mkdir, writeFile } from "node:fs/promises";
import { dirname, join } from "node:path";
import { gunzipSync } from "node:zlib";

export interface ArchiveBudget {
  /** Most bytes the archive may inflate to; default 64 MiB. */
  maxBytes: number;
  /** Most files and folders; default 10,000. */
  maxEntries: number;
}

export const DEFAULT_ARCHIVE_BUDGET: ArchiveBudget = { maxBytes: 64 * 1024 * 1024, maxEntries: 10_000 };

export class ChartArchiveError extends Error {
  readonly code = "chart-archive-invalid";
}

interface Entry {
  path: string;
  type: "file" | "dir";
  data: Buffer;
}

function text(block: Buffer, start: number, length: number): string {
  const raw = block.subarray(start, start + length);
  const end = raw.indexOf(0);
  return raw.subarray(0, end === -1 ? raw.length : end).toString("utf8");
}

function octal(block: Buffer, start: number, length: number): number {
  const value = text(block, start, length).trim();
  if (!/^[0-7]*$/.test(value)) throw new ChartArchiveError("a tar header has a size that is not a number");
  return value === "" ? 0 : Number.parseInt(value, 8);
}

/** `path=` from a pax extended header, if any. */
function paxPath(data: Buffer): string | undefined {
  let rest = data.toString("utf8");
  while (rest.length > 0) {
    const m = /^(\d+) /.exec(rest);
    if (!m) break;
    const record = rest.slice(0, Number(m[1]));
    const kv = record.slice(m[0].length).replace(/\n$/, "");
    if (kv.startsWith("path=")) return kv.slice("path=".length);
    rest = rest.slice(Number(m[1]));
  }
  return undefined;
}

/** The entries of a tar stream: regular files and folders; links and devices are left out. */
function readTar(tar: Buffer, budget: ArchiveBudget): Entry[] {
  const entries: Entry[] = [];
  let offset = 0;
  let longName: string | undefined;
  while (offset + 512 <= tar.length) {
    const header = tar.subarray(offset, offset + 512);
    if (header.every((b) => b === 0)) break;
    const size = octal(header, 124, 12);
    const type = String.fromCharCode(header[156] ?? 0);
    const dataStart = offset + 512;
    if (dataStart + size > tar.length) throw new ChartArchiveError("the archive ends inside a file");
    const data = tar.subarray(dataStart, dataStart + size);
    offset = dataStart + Math.ceil(size / 512) * 512;
    if (type === "x") {
      longName = paxPath(data) ?? longName;
      continue;
    }
    if (type === "L") {
      longName = text(data, 0, data.length);
      continue;
    }
    if (type === "g") continue;
    const prefix = text(header, 345, 155);
    const name = longName ?? (prefix ? `${prefix}/${text(header, 0, 100)}` : text(header, 0, 100));
    longName = undefined;
    if (type === "0" || type === "\0" || type === "7") entries.push({ path: name, type: "file", data });
    else if (type === "5") entries.push({ path: name, type: "dir", data: Buffer.alloc(0) });
    if (entries.length > budget.maxEntries)
      throw new ChartArchiveError(`the chart holds more than ${budget.maxEntries} files`);
  }
  return entries;
}

/** The path under the chart's folder, or an error: it must start with `<chart>/` and stay there. */
function safePath(path: string, chart: string): string {
  const segments = path.split("/").filter((s) => s !== "" && s !== ".");
  if (path.startsWith("/") || segments.includes("..") || path.includes("\\") || path.includes("\0"))
    throw new ChartArchiveError(`the chart's archive holds ${JSON.stringify(path)}, outside the chart`);
  if (segments[0] !== chart)
    throw new ChartArchiveError(
      `the chart's archive holds ${JSON.stringify(path)}, outside the folder ${chart}/`,
    );
  return segments.join("/");
}

/**
 * Unpacks a chart .tgz into `dest` (which must exist and be empty); the chart ends up in
 * dest/<chart>. Throws ChartArchiveError for an archive that is not a chart of that name, escapes
 * its folder or exceeds the budget.
 */
export async function unpackChart(
  tgz: Buffer,
  chart: string,
  dest: string,
  budget: ArchiveBudget = DEFAULT_ARCHIVE_BUDGET,
): Promise<void> {
  let tar: Buffer;
  try {
    tar = gunzipSync(tgz, { maxOutputLength: budget.maxBytes });
  } catch (err) {
    const tooLarge = (err as { code?: string }).code === "ERR_BUFFER_TOO_LARGE" || err instanceof RangeError;
    throw new ChartArchiveError(
      tooLarge
        ? `the chart unpacks to more than ${budget.maxBytes} bytes`
        : `the chart is not a gzip archive: ${(err as Error).message}`,
    );
  }
  const entries = readTar(tar, budget).map((e) => ({ ...e, path: safePath(e.path, chart) }));
  if (!entries.some((e) => e.type === "file" && e.path === `${chart}/Chart.yaml`))
    throw new ChartArchiveError(`the archive holds no ${chart}/Chart.yaml: it is not the chart ${chart}`);
  for (const entry of entries) {
    const target = join(dest, entry.path);
    if (entry.type === "dir") {
      await mkdir(target, { recursive: true });
      continue;
    }
    await mkdir(dirname(target), { recursive: true });
    // flag "wx": a file listed twice is refused rather than overwritten.
    await writeFile(target, entry.data, { flag: "wx", mode: 0o644 }).catch((err: NodeJS.ErrnoException) => {
      if (err.code === "EEXIST" || err.code === "EISDIR")
        throw new ChartArchiveError(`the chart's archive holds ${entry.path} twice`);
      throw err;
    });
  }
}
