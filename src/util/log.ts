// Structured logs: one JSON object per line by default (what log pipelines ingest), or plain
// text for people at a terminal. Levels filter at the source. Callers pass fields, never
// pre-formatted strings with secrets in them.
export const LOG_LEVELS = ["debug", "info", "warn", "error"] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];
export type LogFormat = "json" | "text";

export interface Logger {
  debug(msg: string, fields?: Record<string, unknown>): void;
  info(msg: string, fields?: Record<string, unknown>): void;
  warn(msg: string, fields?: Record<string, unknown>): void;
  error(msg: string, fields?: Record<string, unknown>): void;
  with(fields: Record<string, unknown>): Logger;
}

export function createLogger(
  options: {
    level?: LogLevel;
    format?: LogFormat;
    stream?: NodeJS.WritableStream;
    fields?: Record<string, unknown>;
  } = {},
): Logger {
  const min = LOG_LEVELS.indexOf(options.level ?? "info");
  const format = options.format ?? "json";
  const stream = options.stream ?? process.stderr;
  const base = options.fields ?? {};
  const write = (level: LogLevel, msg: string, fields: Record<string, unknown> = {}) => {
    if (LOG_LEVELS.indexOf(level) < min) return;
    const all = { ...base, ...fields };
    if (format === "json") {
      stream.write(`${JSON.stringify({ time: new Date().toISOString(), level, msg, ...all })}\n`);
    } else {
      const extra = Object.entries(all)
        .map(([k, v]) => `${k}=${typeof v === "string" ? v : JSON.stringify(v)}`)
        .join(" ");
      stream.write(
        `${new Date().toISOString()} ${level.toUpperCase().padEnd(5)} ${msg}${extra ? ` ${extra}` : ""}\n`,
      );
    }
  };
  return {
    debug: (m, f) => write("debug", m, f),
    info: (m, f) => write("info", m, f),
    warn: (m, f) => write("warn", m, f),
    error: (m, f) => write("error", m, f),
    with: (fields) => createLogger({ ...options, fields: { ...base, ...fields } }),
  };
}
