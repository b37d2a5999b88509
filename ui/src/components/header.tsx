// The bar on every page once logged in: a "skip to content" link for keyboard users, the
// sections, the colour theme (system, light or dark), who you are, and log out.
import { useState } from "preact/hooks";
import type { WhoAmI } from "../api.ts";
import { useLocation } from "../router.ts";
import { THEMES, type Theme } from "../theme.ts";
import { setTheme, storedTheme } from "../theme-store.ts";

const SECTIONS = [
  ["/applications", "Applications"],
  ["/stacks", "Stacks"],
  ["/projects", "Projects"],
  ["/clusters", "Clusters"],
  ["/audit", "Audit"],
] as const;

const THEME_LABELS: Record<Theme, string> = { system: "System", light: "Light", dark: "Dark" };

/** The id of the element that holds the page (app.tsx), where "skip to content" lands. */
export const CONTENT_ID = "content";

export function Header({ who, onLogout }: { who: WhoAmI; onLogout: () => void }) {
  const { path } = useLocation();
  const [theme, choose] = useState<Theme>(storedTheme);
  return (
    <>
      <a
        class="skip-link"
        href={`#${CONTENT_ID}`}
        onClick={(e) => {
          // The router takes same-page links; move the focus to the page ourselves.
          e.preventDefault();
          document.getElementById(CONTENT_ID)?.focus();
        }}
      >
        Skip to content
      </a>
      <header class="topbar">
        <a class="brand" href="/applications">
          Mooring
        </a>
        <nav aria-label="main">
          {SECTIONS.map(([href, label]) => (
            <a
              key={href}
              href={href}
              aria-current={path === href || path.startsWith(`${href}/`) ? "page" : undefined}
            >
              {label}
            </a>
          ))}
        </nav>
        <label class="theme inline">
          Theme
          <select
            name="theme"
            value={theme}
            onChange={(e) => {
              const next = e.currentTarget.value as Theme;
              choose(next);
              setTheme(next);
            }}
          >
            {THEMES.map((t) => (
              <option key={t} value={t}>
                {THEME_LABELS[t]}
              </option>
            ))}
          </select>
        </label>
        <span class="who" data-testid="who">
          {who.username}
          {who.globalAdmin ? " (admin)" : ""}
        </span>
        <button type="button" class="secondary" onClick={onLogout}>
          Log out
        </button>
      </header>
    </>
  );
}
