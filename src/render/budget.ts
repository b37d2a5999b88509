// What one render may cost: bytes of manifest text and objects. A commit is written by whoever
// may push to the repository, so it can hold a 50 MB manifest or render 100,000 objects; read
// and parsed whole, either would hold the controller's memory and its one thread (leader Lease
// renewal included) for a long time. So every size is checked before the text is read or
// parsed, the text is parsed a slice of documents at a time with a pause between slices for
// the rest of the controller, and the render stops as soon as a limit is passed.
import { setImmediate as yieldToEventLoop } from "node:timers/promises";
import { formatBytes, LIMIT_FLAGS, type Limits } from "../core/limits.ts";
import type { KubeObject } from "../core/objects.ts";
import { RenderError } from "./errors.ts";
import { parseYamlManifests, type YamlOrigin } from "./manifests.ts";

export type RenderLimits = Pick<Limits, "maxManifestFileBytes" | "maxRenderBytes" | "maxRenderObjects">;

/** Text parsed between two pauses: some 250 small documents, well under 100 ms of parsing. */
const SLICE_BYTES = 16 * 1024;

const ADVICE = "split the application into smaller ones, or raise the limit";

/** Counts bytes and objects of one render against its limits. */
export class RenderBudget {
  readonly limits: RenderLimits;
  #bytes = 0;
  #objects = 0;

  constructor(limits: RenderLimits) {
    this.limits = limits;
  }

  /** Checks one manifest file's size before it is read. */
  checkFile(origin: string, bytes: number): void {
    if (bytes > this.limits.maxManifestFileBytes) {
      throw new RenderError(
        "too-large",
        `${origin} is ${formatBytes(bytes)}, more than the limit of ${formatBytes(this.limits.maxManifestFileBytes)} per manifest file (${LIMIT_FLAGS.maxManifestFileBytes}): ${ADVICE}`,
      );
    }
    this.addBytes(origin, bytes);
  }

  /** Adds text read or produced; fails once the render as a whole is too large. */
  addBytes(origin: string, bytes: number): void {
    this.#bytes += bytes;
    if (this.#bytes > this.limits.maxRenderBytes) {
      throw new RenderError(
        "too-large",
        `the manifests reach ${formatBytes(this.#bytes)} at ${origin}, more than the limit of ${formatBytes(this.limits.maxRenderBytes)} per render (${LIMIT_FLAGS.maxRenderBytes}): ${ADVICE}`,
      );
    }
  }

  /** Adds objects; fails once the render holds too many. */
  addObjects(origin: string, count: number): void {
    this.#objects += count;
    if (this.#objects > this.limits.maxRenderObjects) {
      throw new RenderError(
        "too-large",
        `the render holds more than ${this.limits.maxRenderObjects} objects (${origin} passes the limit, ${LIMIT_FLAGS.maxRenderObjects}): ${ADVICE}`,
      );
    }
  }
}

/**
 * Parses multi-document YAML as parseYamlManifests does, a slice of whole documents at a time,
 * pausing between slices and counting objects against the budget as it goes.
 */
export async function parseYamlWithin(
  text: string,
  where: YamlOrigin,
  budget: RenderBudget,
): Promise<KubeObject[]> {
  const objects: KubeObject[] = [];
  let document = 0;
  let line = 0;
  for (const slice of documentSlices(text)) {
    // A slice starting at a `---` line begins a document of its own; the first may not.
    const parsed = parseYamlManifests(slice.text, { ...where, firstDocument: document, firstLine: line });
    budget.addObjects(where.origin, parsed.length);
    objects.push(...parsed);
    document += slice.documents;
    line += slice.lines;
    if (slice.text.length >= SLICE_BYTES / 2) await yieldToEventLoop();
  }
  return objects;
}

interface Slice {
  text: string;
  /** Documents the slice holds, as counted by their `---` lines. */
  documents: number;
  lines: number;
}

/**
 * Cuts the text at document-start lines (`---` at the start of a line, which ends any scalar
 * above it) into slices of about SLICE_BYTES. Text without such lines stays one slice.
 */
export function documentSlices(text: string): Slice[] {
  if (text.length <= SLICE_BYTES) return [{ text, documents: countDocuments(text), lines: countLines(text) }];
  const slices: Slice[] = [];
  let start = 0;
  while (start < text.length) {
    let cut = text.length;
    if (text.length - start > SLICE_BYTES) {
      const marker = /^---(?=[ \t\r\n]|$)/gm;
      marker.lastIndex = start + SLICE_BYTES;
      const found = marker.exec(text);
      if (found) cut = found.index;
    }
    const piece = text.slice(start, cut);
    slices.push({ text: piece, documents: countDocuments(piece), lines: countLines(piece) });
    start = cut;
  }
  return slices;
}

function countDocuments(text: string): number {
  const markers = text.match(/^---(?=[ \t\r\n]|$)/gm)?.length ?? 0;
  // Text before the first marker is a document of its own.
  return text.startsWith("---") ? markers : markers + 1;
}

function countLines(text: string): number {
  let lines = 0;
  for (let i = text.indexOf("\n"); i >= 0; i = text.indexOf("\n", i + 1)) lines++;
  return lines;
}
