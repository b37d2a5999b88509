// Opening a plan file `tofu plan -out` wrote. It is a zip archive (tfplan, tfstate,
// tfstate-prev, tfconfig/..., the lock file); the `tfplan` entry is what
// src/core/stack/plan-file.ts decodes. Only what reading one entry needs of the zip format is
// here: the end-of-central-directory record, the central directory, one local header, and
// stored or deflated data.
import { readFile } from "node:fs/promises";
import { inflateRawSync } from "node:zlib";
import { type DecodedPlan, decodePlan, PlanFileError } from "../core/stack/plan-file.ts";

const END_OF_CENTRAL_DIRECTORY = 0x06054b50;
const CENTRAL_DIRECTORY_ENTRY = 0x02014b50;
const LOCAL_HEADER = 0x04034b50;
const STORED = 0;
const DEFLATED = 8;

/** Reads and decodes the plan file at `path`. */
export async function readSavedPlan(path: string): Promise<DecodedPlan> {
  const zip = await readFile(path);
  const tfplan = zipEntry(zip, "tfplan");
  if (!tfplan) throw new PlanFileError(`${path} is not a tofu plan file: it has no tfplan entry`);
  return decodePlan(tfplan);
}

/** The uncompressed bytes of entry `name`, or undefined when the archive has none. */
export function zipEntry(zip: Buffer, name: string): Uint8Array | undefined {
  const end = findEndOfCentralDirectory(zip);
  const count = zip.readUInt16LE(end + 10);
  let at = zip.readUInt32LE(end + 16);
  for (let i = 0; i < count; i++) {
    if (zip.readUInt32LE(at) !== CENTRAL_DIRECTORY_ENTRY) throw new PlanFileError("corrupt zip directory");
    const method = zip.readUInt16LE(at + 10);
    const compressedSize = zip.readUInt32LE(at + 20);
    const nameLength = zip.readUInt16LE(at + 28);
    const extraLength = zip.readUInt16LE(at + 30);
    const commentLength = zip.readUInt16LE(at + 32);
    const localHeader = zip.readUInt32LE(at + 42);
    const entryName = zip.toString("utf8", at + 46, at + 46 + nameLength);
    at += 46 + nameLength + extraLength + commentLength;
    if (entryName !== name) continue;
    if (zip.readUInt32LE(localHeader) !== LOCAL_HEADER) throw new PlanFileError("corrupt zip entry");
    const dataStart =
      localHeader + 30 + zip.readUInt16LE(localHeader + 26) + zip.readUInt16LE(localHeader + 28);
    const data = zip.subarray(dataStart, dataStart + compressedSize);
    if (method === STORED) return data;
    if (method === DEFLATED) return inflateRawSync(data);
    throw new PlanFileError(`zip entry ${name} uses compression method ${method}, which is not supported`);
  }
  return undefined;
}

function findEndOfCentralDirectory(zip: Buffer): number {
  // The record is 22 bytes plus a comment of at most 65535 bytes, at the very end.
  const lowest = Math.max(0, zip.length - 22 - 0xffff);
  for (let i = zip.length - 22; i >= lowest; i--) {
    if (zip.readUInt32LE(i) === END_OF_CENTRAL_DIRECTORY) return i;
  }
  throw new PlanFileError("not a zip archive");
}
