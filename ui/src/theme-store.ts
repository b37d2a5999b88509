// Reading, showing and remembering the colour theme in the browser (see theme.ts for the rule).
import { parseTheme, STORAGE_KEY, type Theme } from "./theme.ts";

export function storedTheme(): Theme {
  try {
    return parseTheme(window.localStorage.getItem(STORAGE_KEY));
  } catch {
    return "system"; // Storage refused (private mode, policy): follow the system.
  }
}

/** Shows `theme` now and remembers it for the next visit. */
export function setTheme(theme: Theme): void {
  applyTheme(theme);
  try {
    if (theme === "system") window.localStorage.removeItem(STORAGE_KEY);
    else window.localStorage.setItem(STORAGE_KEY, theme);
  } catch {
    // Not remembered; the page still shows the choice.
  }
}

export function applyTheme(theme: Theme): void {
  if (theme === "system") delete document.documentElement.dataset.theme;
  else document.documentElement.dataset.theme = theme;
}
