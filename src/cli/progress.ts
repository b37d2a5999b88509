// Progress display for long work. On a terminal one status line is redrawn in place with a
// spinner and the elapsed time; anywhere else (CI logs, pipes) each step is one plain line, so
// logs stay readable and greppable.
import type { WriteStream } from "node:tty";

export interface Progress {
  /** Begins (or moves to) a step; the label says what is happening now. */
  step(label: string): void;
  /** Ends the current step as done, with an optional detail such as a version or a duration. */
  done(label: string): void;
  /** Ends the current step as failed. */
  fail(label: string): void;
  /** A line of its own, outside any step. */
  info(line: string): void;
}

const FRAMES = ["⠋", "⠙", "⠹", "⠸", "⠼", "⠴", "⠦", "⠧", "⠇", "⠏"];

export function createProgress(stream: NodeJS.WriteStream = process.stderr): Progress {
  return stream.isTTY ? new TerminalProgress(stream as WriteStream) : new PlainProgress(stream);
}

class PlainProgress implements Progress {
  private readonly stream: NodeJS.WritableStream;
  /** When the current run of steps began; null between runs. */
  private started: number | null = null;
  constructor(stream: NodeJS.WritableStream) {
    this.stream = stream;
  }
  step(label: string): void {
    this.started ??= Date.now();
    this.stream.write(`... ${label}\n`);
  }
  done(label: string): void {
    this.stream.write(`ok  ${label} (${seconds(this.started ?? Date.now())})\n`);
    this.started = null;
  }
  fail(label: string): void {
    this.stream.write(`ERR ${label} (${seconds(this.started ?? Date.now())})\n`);
    this.started = null;
  }
  info(line: string): void {
    this.stream.write(`${line}\n`);
  }
}

class TerminalProgress implements Progress {
  private readonly stream: WriteStream;
  private label = "";
  private frame = 0;
  private started = Date.now();
  private timer: NodeJS.Timeout | undefined;
  constructor(stream: WriteStream) {
    this.stream = stream;
  }
  step(label: string): void {
    if (!this.timer) {
      this.started = Date.now();
      this.timer = setInterval(() => this.draw(), 100);
      this.timer.unref();
    }
    this.label = label;
    this.draw();
  }
  done(label: string): void {
    this.finish(`\x1b[32m✓\x1b[0m ${label} (${seconds(this.started)})`);
  }
  fail(label: string): void {
    this.finish(`\x1b[31m✗\x1b[0m ${label} (${seconds(this.started)})`);
  }
  info(line: string): void {
    this.clear();
    this.stream.write(`${line}\n`);
    if (this.timer) this.draw();
  }
  private finish(line: string): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    this.clear();
    this.stream.write(`${line}\n`);
  }
  private draw(): void {
    this.frame = (this.frame + 1) % FRAMES.length;
    const width = (this.stream.columns || 80) - 1;
    const text = `${FRAMES[this.frame]} ${this.label} (${seconds(this.started)})`;
    this.stream.write(`\r\x1b[K${text.slice(0, width)}`);
  }
  private clear(): void {
    this.stream.write("\r\x1b[K");
  }
}

function seconds(since: number): string {
  return `${((Date.now() - since) / 1000).toFixed(1)}s`;
}
