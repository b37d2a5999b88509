// Placeholder until this page is built (issue 10).
import type { WhoAmI } from "../api.ts";

export function ApplicationPage(_props: {
  who: WhoAmI;
  query: URLSearchParams;
  namespace: string;
  name: string;
}) {
  return (
    <main class="page">
      <h1>Application</h1>
    </main>
  );
}
