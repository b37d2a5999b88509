// The bar on every page once logged in: where you are, who you are, and log out.
import type { WhoAmI } from "../api.ts";

export function Header({ who, onLogout }: { who: WhoAmI; onLogout: () => void }) {
  return (
    <header class="topbar">
      <a class="brand" href="/applications">
        Mooring
      </a>
      <nav aria-label="main">
        <a href="/applications" aria-current="page">
          Applications
        </a>
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
