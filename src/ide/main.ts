/**
 * The GraphiQL IDE served at GET /graphql, bundled by scripts/build-ide.ts
 * (esbuild) from npm packages: monaco's workers are our own files under
 * /graphql/ide/, fonts are inlined in the CSS, nothing comes from a CDN.
 * No JSX, so the project's TypeScript settings need no change.
 */
import { createGraphiQLFetcher } from "@graphiql/toolkit";
import { GraphiQL } from "graphiql";
import { createElement } from "react";
import { createRoot } from "react-dom/client";
import "graphiql/style.css";
import { EXAMPLES } from "./examples.ts";

const base = new URL("/graphql/ide/", window.location.href);

(globalThis as { MonacoEnvironment?: unknown }).MonacoEnvironment = {
  getWorker(_id: string, label: string): Worker {
    const name = label === "json" ? "json" : label === "graphql" ? "graphql" : "editor";
    return new Worker(new URL(`${name}.worker.js`, base));
  },
};

const http = new URL("/graphql", window.location.href);
const ws = new URL(http);
ws.protocol = http.protocol === "https:" ? "wss:" : "ws:";

const fetcher = createGraphiQLFetcher({ url: http.toString(), subscriptionUrl: ws.toString() });

const root = document.getElementById("graphiql");
if (!root) throw new Error("no #graphiql element");
createRoot(root).render(
  createElement(GraphiQL, {
    fetcher,
    defaultTabs: EXAMPLES.map((e) => ({
      query: `# ${e.title}\n${e.query}\n`,
      variables: e.variables ? JSON.stringify(e.variables, null, 2) : null,
    })),
    defaultEditorToolsVisibility: true,
  }),
);
