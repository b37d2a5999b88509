// What a sandbox folder records about itself, and how its health is judged from that record.
// The record is written before the first process starts, so a creation that dies half-way still
// leaves enough behind to find and stop every process it started.
import { existsSync } from "node:fs";
import { readFile, rename, writeFile } from "node:fs/promises";
import type { Component, Layout, Ports } from "./layout.ts";
import { isRunning, type RunningProcess } from "./processes.ts";

export interface SandboxRecord {
  name: string;
  createdAt: string;
  kubernetesVersion: string;
  server: string;
  ports: Ports;
  processes: Partial<Record<Component, RunningProcess>>;
  /** creating → ready; failed when creation gave up (the error is kept). */
  phase: "creating" | "ready" | "failed";
  /** The `moor` process creating it, so a creation in progress is not mistaken for a broken one. */
  creatorPid: number;
  error?: string;
}

export const SANDBOX_STATUS = ["Running", "Creating", "Broken"] as const;
export type SandboxStatus = (typeof SANDBOX_STATUS)[number];

export interface SandboxHealth {
  status: SandboxStatus;
  /** Why a sandbox is Broken, in words a user can act on. */
  reason?: string;
}

export async function readRecord(layout: Layout): Promise<SandboxRecord | null> {
  if (!existsSync(layout.state)) return null;
  try {
    return JSON.parse(await readFile(layout.state, "utf8")) as SandboxRecord;
  } catch {
    return null;
  }
}

export async function writeRecord(layout: Layout, record: SandboxRecord): Promise<void> {
  const tmp = `${layout.state}.${process.pid}.tmp`;
  await writeFile(tmp, `${JSON.stringify(record, null, 2)}\n`);
  await rename(tmp, layout.state);
}

function pidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** Judges a sandbox from its record and the processes it names (no network). */
export function judgeHealth(record: SandboxRecord | null): SandboxHealth {
  if (!record) return { status: "Broken", reason: "its state file is missing or unreadable" };
  if (record.phase === "failed")
    return { status: "Broken", reason: `creation failed: ${record.error ?? "unknown"}` };
  if (record.phase === "creating") {
    if (record.creatorPid !== process.pid && pidAlive(record.creatorPid)) return { status: "Creating" };
    if (record.creatorPid !== process.pid) return { status: "Broken", reason: "creation was interrupted" };
  }
  const stopped = Object.entries(record.processes)
    .filter(([, proc]) => proc && !isRunning(proc))
    .map(([component]) => component);
  if (stopped.length > 0) return { status: "Broken", reason: `not running: ${stopped.join(", ")}` };
  return { status: record.phase === "ready" ? "Running" : "Creating" };
}
