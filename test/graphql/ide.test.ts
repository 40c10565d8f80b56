/**
 * The GraphiQL IDE at GET /graphql: it loads in headless Chromium
 * (test/helpers/browser.ts) with no request leaving loopback, and runs a query; and every
 * example operation it offers runs against the seed traces.
 */
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { parse, type OperationDefinitionNode } from "graphql";
import type { Browser } from "playwright-core";
import { EXAMPLES } from "../../src/ide/examples.ts";
import { DEFAULT_IDE_DIR } from "../../src/server.ts";
import { launchChromium } from "../helpers/browser.ts";
import { CANONICAL, collect, seedTrace, startRig, type Rig } from "./helpers.ts";


let rig: Rig;
beforeAll(async () => {
  rig = await startRig();
  for (const name of CANONICAL) await seedTrace(rig.db.store, name);
});
afterAll(async () => {
  await rig?.close();
});

test("the IDE bundle is built (npm run build)", () => {
  for (const f of ["index.html", "main.js", "main.css", "editor.worker.js", "json.worker.js", "graphql.worker.js"]) {
    expect(existsSync(`${DEFAULT_IDE_DIR}/${f}`)).toBe(true);
  }
});

test("GET /graphql in a browser serves the IDE; GET with a query still runs it", async () => {
  const page = await fetch(`${rig.url}/graphql`, { headers: { accept: "text/html,application/xhtml+xml" } });
  expect(page.status).toBe(200);
  expect(page.headers.get("content-type")).toMatch(/text\/html/);
  expect(await page.text()).toMatch(/<div id="graphiql">/);
  const url = `${rig.url}/graphql?query=${encodeURIComponent("{ traces { totalCount } }")}`;
  // A GET query needs a header a cross-site form cannot send (Apollo's CSRF prevention).
  const blocked = await fetch(url, { headers: { accept: "application/json" } });
  expect(((await blocked.json()) as any).errors[0].extensions.code).toBe("BAD_REQUEST");
  const get = await fetch(url, { headers: { accept: "application/json", "apollo-require-preflight": "1" } });
  expect(await get.json()).toEqual({ data: { traces: { totalCount: 4 } } });
});

test("the static folder hook serves the web page at / (with client-side routes), nothing outside it", async () => {
  const parent = mkdtempSync(path.join(os.tmpdir(), "racelab-static-"));
  const dir = path.join(parent, "www");
  mkdirSync(dir);
  writeFileSync(path.join(parent, "secret.json"), '{"secret":1}');
  writeFileSync(path.join(dir, "index.html"), "<!doctype html><title>racelab page</title>");
  writeFileSync(path.join(dir, "app.js"), "console.log(1)");
  const web = await startRig({ staticDir: dir }, rig.db);
  try {
    const index = await fetch(`${web.url}/`);
    expect(index.headers.get("content-type")).toMatch(/text\/html/);
    expect(await index.text()).toMatch(/racelab page/);
    expect((await fetch(`${web.url}/app.js`)).headers.get("content-type")).toMatch(/javascript/);
    expect(await (await fetch(`${web.url}/traces/some-trace`)).text()).toMatch(/racelab page/);
    expect((await fetch(`${web.url}/missing.js`)).status).toBe(404);
    expect((await fetch(`${web.url}/%2e%2e/secret.json`)).status).toBe(404);
    expect((await fetch(`${web.url}/..%2fsecret.json`)).status).toBe(404);
    // A malformed %-escape is no file (and no crash): the page's fallback answers.
    expect(await (await fetch(`${web.url}/%E0%A4%A`)).text()).toMatch(/racelab page/);
    expect((await fetch(`${web.url}/%E0%A4%A.js`)).status).toBe(404);
    expect(await (await fetch(`${web.url}/healthz`)).json()).toEqual({ ok: true });
    // Without a static folder, / is not found.
    expect((await fetch(`${rig.url}/`)).status).toBe(404);
  } finally {
    await web.close();
    rmSync(parent, { recursive: true, force: true });
  }
});

describe("in headless Chromium", () => {
  let browser: Browser;
  beforeAll(async () => {
    browser = await launchChromium();
  });
  afterAll(async () => {
    await browser?.close();
  });

  test("loads with no outside request and runs the first example", async () => {
    const context = await browser.newContext();
    const requests: string[] = [];
    context.on("request", (r) => requests.push(r.url()));
    const errors: string[] = [];
    const page = await context.newPage();
    page.on("pageerror", (e) => errors.push(String(e)));
    page.on("worker", (w) => w.on("console", () => {}));
    // Monaco starts its GraphQL worker when it gets round to it (later on a busy machine): wait for it.
    const graphqlWorker = context.waitForEvent("request", { predicate: (r) => r.url().endsWith("/graphql/ide/graphql.worker.js"), timeout: 300_000 });
    graphqlWorker.catch(() => {}); // awaited below; a test failing earlier must not leave it unhandled
    // "load", not "networkidle": on a busy machine the 5 MB bundle and its workers keep the network busy for long.
    await page.goto(`${rig.url}/graphql`, { waitUntil: "load", timeout: 120_000 });
    await page.locator(".graphiql-container").waitFor({ timeout: 60_000 });
    await page.locator(".graphiql-query-editor .monaco-editor").first().waitFor({ timeout: 60_000 });
    // The first tab is the "Traces" example; run it.
    await page.locator(".graphiql-execute-button").click();
    await page.locator(".graphiql-response").getByText("totalCount").first().waitFor({ timeout: 60_000 });
    const response = await page.locator(".graphiql-response").innerText();
    expect(response).toMatch(/balance-vs-unused-bg-deletion/);
    await graphqlWorker;
    await page.waitForLoadState("networkidle", { timeout: 120_000 });
    await context.close();

    expect(errors).toEqual([]);
    expect(requests.length).toBeGreaterThan(3);
    const outside = requests.filter((u) => {
      if (u.startsWith("data:") || u.startsWith("blob:")) return false;
      const host = new URL(u).hostname;
      return host !== "127.0.0.1" && host !== "localhost";
    });
    expect(outside).toEqual([]);
    // Monaco's GraphQL worker came from us.
    expect(requests.filter((u) => u.endsWith("/graphql/ide/graphql.worker.js")).length).toBeGreaterThan(0);
  }, 400_000);
});

describe("example operations", () => {
  const operations = EXAMPLES.flatMap((example) =>
    parse(example.query)
      .definitions.filter((d): d is OperationDefinitionNode => d.kind === "OperationDefinition")
      .map((op) => ({ example, op })),
  );

  test.each(operations.map(({ example, op }) => [`${example.title}: ${op.name?.value ?? op.operation}`, example, op] as const))(
    "%s runs without errors",
    async (_title, example, op) => {
      const variables = Object.fromEntries(
        (op.variableDefinitions ?? []).map((v) => [v.variable.name.value, example.variables?.[v.variable.name.value] ?? null]),
      );
      if (op.operation === "subscription") {
        const r = await collect(rig.ws(), example.query, variables);
        expect(r.error).toBeNull();
        expect(r.next.length).toBeGreaterThan(0);
        expect(r.next.every((m) => m.errors === undefined)).toBe(true);
        return;
      }
      const res = await fetch(`${rig.url}/graphql`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ query: example.query, variables, operationName: op.name?.value }),
      });
      const body = (await res.json()) as { data?: unknown; errors?: unknown };
      expect(body.errors).toBeUndefined();
      expect(body.data).toBeTruthy();
    },
  );
});
