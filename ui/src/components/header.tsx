// The bar on every page once logged in: where you are, who you are, and log out.
import type { WhoAmI } from "../api.ts";
import { useLocation } from "../router.ts";

const SECTIONS = [
  ["/applications", "Applications"],
  ["/stacks", "Stacks"],
  ["/projects", "Projects"],
  ["/clusters", "Clusters"],
  ["/audit", "Audit"],
] as const;

export function Header({ who, onLogout }: { who: WhoAmI; onLogout: () => void }) {
  const { path } = useLocation();
  return (
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
      <span class="who" data-testid="who">
        {who.username}
        {who.globalAdmin ? " (admin)" : ""}
      </span>
      <button type="button" class="secondary" onClick={onLogout}>
        Log out
      </button>
    </header>
  );
}
