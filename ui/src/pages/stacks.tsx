// Placeholder until this page is built (issue 10).
import type { WhoAmI } from "../api.ts";

export function StacksPage(_props: { who: WhoAmI; query: URLSearchParams }) {
  return (
    <main class="page">
      <h1>Stacks</h1>
    </main>
  );
}
