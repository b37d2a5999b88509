// The web UI's entry point: mounts the shell into index.html's #app.
import { render } from "preact";
import { App } from "./app.tsx";

const root = document.getElementById("app");
if (root !== null) render(<App />, root);
