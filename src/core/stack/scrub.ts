// Scrubbing secrets out of tofu's output. tofu prints values: a plan shows every attribute that
// is not marked sensitive, a failed precondition quotes the variables it read, a provider's
// error may echo a credential. Whatever the Stack's secrets are — environment values, values
// of variables read from Secrets — each occurrence is replaced by `***` before any text leaves
// the runner: returned, logged, streamed or put in an error.
//
// A value can show up in other spellings than its own: quoted with JSON/HCL escapes (`\"`,
// `\n`), with HCL's template escapes (`$${`), or, for a multi-line value such as a PEM key,
// one line at a time. Each spelling is scrubbed. Values shorter than MIN_SECRET_LENGTH are
// left alone: masking every "1" or "on" would wreck the log without protecting anything.

export const SCRUB_MASK = "***";
export const MIN_SECRET_LENGTH = 3;

export interface Scrubber {
  /** The text with every secret replaced by `***`. */
  text(text: string): string;
  /**
   * A writer for output arriving in chunks: it holds back the last, unfinished line (a secret
   * may be split across chunks) and passes scrubbed whole lines to `emit`; `end` flushes.
   */
  stream(emit: (text: string) => void): { write(chunk: string): void; end(): void };
}

/** The spellings of each secret to look for, longest first so a longer match wins. */
export function secretSpellings(values: readonly string[]): string[] {
  const spellings = new Set<string>();
  const add = (text: string) => {
    if (text.length >= MIN_SECRET_LENGTH) spellings.add(text);
  };
  for (const value of values) {
    add(value);
    const escaped = JSON.stringify(value).slice(1, -1);
    add(escaped);
    add(escaped.replaceAll("${", () => "$${").replaceAll("%{", () => "%%{"));
    if (value.includes("\n")) {
      for (const line of value.split(/\r?\n/)) {
        add(line);
        add(line.trim());
      }
    }
  }
  return [...spellings].sort((a, b) => b.length - a.length || (a < b ? -1 : 1));
}

export function createScrubber(values: readonly string[]): Scrubber {
  const spellings = secretSpellings(values);
  const text = (input: string): string => {
    let out = input;
    for (const spelling of spellings) if (out.includes(spelling)) out = out.split(spelling).join(SCRUB_MASK);
    return out;
  };
  return {
    text,
    stream(emit) {
      let pending = "";
      return {
        write(chunk) {
          pending += chunk;
          const cut = pending.lastIndexOf("\n");
          if (cut < 0) return;
          emit(text(pending.slice(0, cut + 1)));
          pending = pending.slice(cut + 1);
        },
        end() {
          if (pending) emit(text(pending));
          pending = "";
        },
      };
    },
  };
}
