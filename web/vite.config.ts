// Vite config of the classroom page (issue 8). Built by `npm run build:web`
// into web/dist, which `racelab serve` serves at `/`. React's JSX is
// compiled by Vite's own transformer (automatic runtime): no plugin needed.
// Everything is bundled; the page loads nothing from another host.
import { fileURLToPath } from "node:url";
import { defineConfig } from "vite";

const root = fileURLToPath(new URL(".", import.meta.url));

export default defineConfig({
  root,
  base: "./",
  publicDir: false,
  logLevel: "warn",
  build: {
    outDir: fileURLToPath(new URL("./dist", import.meta.url)),
    emptyOutDir: true,
    target: "es2022",
    sourcemap: false,
    // The page is small; one chunk keeps the served folder simple.
    assetsInlineLimit: 8192,
  },
  server: {
    // `npx vite web` while `npx tsx test/web/rig.ts 4555` runs: the API on the rig.
    proxy: { "/graphql": "http://127.0.0.1:4555", "/upload": "http://127.0.0.1:4555" },
  },
});
