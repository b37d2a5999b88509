// A logger for the previews' unit tests that keeps every line it writes, to check what a person
// reading the controller's log would see (and that no token is in it).
import { Writable } from "node:stream";
import { createLogger, type Logger } from "../util/log.ts";

export function capturedLog(level: "info" | "error" = "info"): { log: Logger; lines: string[] } {
  const lines: string[] = [];
  const stream = new Writable({
    write(chunk, _encoding, done) {
      lines.push(String(chunk));
      done();
    },
  });
  return { lines, log: createLogger({ level, format: "json", stream }) };
}
