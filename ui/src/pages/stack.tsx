// Placeholder until this page is built (issue 10).
import type { WhoAmI } from "../api.ts";

export function StackPage(_props: { who: WhoAmI; query: URLSearchParams; namespace: string; name: string }) {
  return (
    <main class="page">
      <h1>Stack</h1>
    </main>
  );
}
