// The web UI's build: `npm ci` runs it (the `prepare` script) so a fresh clone serves the UI after
// the README's two commands. `vite build ui` finds this file in ui/ and writes ui/dist/, which
// `moor server` serves at `/` (src/server/ui.ts). Hashed file names under assets/ let the server
// cache them for a year; index.html is never cached.
import preact from "@preact/preset-vite";
import { defineConfig } from "vite";

export default defineConfig({
  plugins: [preact()],
  build: {
    outDir: "dist",
    emptyOutDir: true,
    assetsDir: "assets",
    // No inline scripts or data: URLs: the server's Content-Security-Policy allows only 'self'.
    assetsInlineLimit: 0,
    modulePreload: { polyfill: false },
    reportCompressedSize: false,
  },
});
