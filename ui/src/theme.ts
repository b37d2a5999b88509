// The colour theme: by default the UI follows the system's light or dark preference
// (prefers-color-scheme); a user may pin light or dark in the header, and the choice is kept in
// this browser's localStorage. style.css reads <html data-theme>: absent means "follow the system".

export const THEMES = ["system", "light", "dark"] as const;
export type Theme = (typeof THEMES)[number];

export const STORAGE_KEY = "mooring.theme";

/** A stored value as a theme; anything unknown (or nothing) is "system". */
export function parseTheme(stored: string | null | undefined): Theme {
  return (THEMES as readonly string[]).includes(stored ?? "") ? (stored as Theme) : "system";
}
