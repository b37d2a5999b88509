// The web UI's entry point: applies the stored colour theme before the first paint, then mounts
// the shell into index.html's #app.
import { render } from "preact";
import { App } from "./app.tsx";
import { applyTheme, storedTheme } from "./theme-store.ts";

applyTheme(storedTheme());
const root = document.getElementById("app");
if (root !== null) render(<App />, root);
