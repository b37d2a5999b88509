// A line diff for multi-line field values. ConfigMaps carry whole files (nginx.conf, a
// Prometheus rule file, a Helm-rendered application.yaml); printed as one JSON string a
// one-line edit would show as two unreadable lines with `\n` inside. So a changed multi-line
// string is shown as its lines, the unchanged ones as context around the changed ones, the
// way `git diff` shows a file.
//
// The diff is the longest common subsequence of lines, which is quadratic; past a size where
// that would be slow, it gives up and shows every old line removed and every new one added
// (still correct, only less precise).

export type LineMark = " " | "-" | "+";

export interface DiffLine {
  mark: LineMark;
  text: string;
}

/** Above this many old × new lines the diff falls back to all removed, all added. */
export const LCS_CELL_LIMIT = 4_000_000;

/** The lines of `before` and `after` marked kept, removed or added, in order. */
export function diffLines(before: readonly string[], after: readonly string[]): DiffLine[] {
  // Common head and tail cost nothing and make most edits small.
  let start = 0;
  while (start < before.length && start < after.length && before[start] === after[start]) start++;
  let endBefore = before.length;
  let endAfter = after.length;
  while (endBefore > start && endAfter > start && before[endBefore - 1] === after[endAfter - 1]) {
    endBefore--;
    endAfter--;
  }
  const head = before.slice(0, start).map((text): DiffLine => ({ mark: " ", text }));
  const tail = before.slice(endBefore).map((text): DiffLine => ({ mark: " ", text }));
  const a = before.slice(start, endBefore);
  const b = after.slice(start, endAfter);
  return [...head, ...middle(a, b), ...tail];
}

function middle(a: readonly string[], b: readonly string[]): DiffLine[] {
  if ((a.length + 1) * (b.length + 1) > LCS_CELL_LIMIT) {
    return [
      ...a.map((text): DiffLine => ({ mark: "-", text })),
      ...b.map((text): DiffLine => ({ mark: "+", text })),
    ];
  }
  // lengths[i][j]: the longest common subsequence of a[i..] and b[j..].
  const width = b.length + 1;
  const lengths = new Uint32Array((a.length + 1) * width);
  for (let i = a.length - 1; i >= 0; i--) {
    for (let j = b.length - 1; j >= 0; j--) {
      lengths[i * width + j] =
        a[i] === b[j]
          ? (lengths[(i + 1) * width + j + 1] ?? 0) + 1
          : Math.max(lengths[(i + 1) * width + j] ?? 0, lengths[i * width + j + 1] ?? 0);
    }
  }
  const out: DiffLine[] = [];
  let i = 0;
  let j = 0;
  while (i < a.length && j < b.length) {
    if (a[i] === b[j]) {
      out.push({ mark: " ", text: a[i] as string });
      i++;
      j++;
    } else if ((lengths[(i + 1) * width + j] ?? 0) >= (lengths[i * width + j + 1] ?? 0)) {
      out.push({ mark: "-", text: a[i++] as string });
    } else {
      out.push({ mark: "+", text: b[j++] as string });
    }
  }
  while (i < a.length) out.push({ mark: "-", text: a[i++] as string });
  while (j < b.length) out.push({ mark: "+", text: b[j++] as string });
  return out;
}

/**
 * The diff with unchanged runs longer than twice `context` folded to one line saying how many
 * lines were skipped, keeping `context` lines next to each change (default 3, as git does).
 */
export function foldContext(lines: readonly DiffLine[], context = 3): (DiffLine | { skipped: number })[] {
  const near = new Array<boolean>(lines.length).fill(false);
  lines.forEach((line, index) => {
    if (line.mark === " ") return;
    for (let k = Math.max(0, index - context); k <= Math.min(lines.length - 1, index + context); k++)
      near[k] = true;
  });
  const out: (DiffLine | { skipped: number })[] = [];
  let skipped = 0;
  lines.forEach((line, index) => {
    if (near[index]) {
      if (skipped > 0) out.push({ skipped });
      skipped = 0;
      out.push(line);
    } else skipped++;
  });
  if (skipped > 0) out.push({ skipped });
  return out;
}

/** Lines of a multi-line string; a final newline ends the last line rather than starting another. */
export function splitLines(text: string): string[] {
  const lines = text.split(/\r?\n/);
  if (lines.length > 1 && lines.at(-1) === "") lines.pop();
  return lines;
}

/** Whether a value is best shown as lines: a string with a newline inside. */
export function isMultiline(value: unknown): value is string {
  return typeof value === "string" && /\n./.test(value);
}
