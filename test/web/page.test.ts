/**
 * End to end: the classroom page (web/dist, built by `npm run build`) in
 * headless Chromium (test/helpers/browser.ts: from an npm package, driven by playwright-core)
 * against the real server over a real database with the seed races stored.
 *
 *   - a seed race: cursor to the bad step by keyboard, state and diff at the
 *     cursor, rules switched to patched: the verdict changes, the timeline reorders;
 *   - importing logs (a classroom server: instructors only — a student is refused):
 *     a race log by drag and drop, a real 7 MB log with upload progress;
 *   - exercises: a student solves *be the scheduler* by dragging and with the
 *     keyboard, with feedback and a hint; the instructor sees it in the gradebook;
 *   - a real log and a generated one of 200k events (issue 14): search finds a
 *     known address, each filter narrows to the expected rows, go to lands the
 *     cursor in view, zoom changes the visible time span, each event shows its
 *     source line; the diff panel fits 1366×800;
 *   - the same views at a phone's size, without sideways scrolling of the page;
 *   - every request the browser made went to the test server on 127.0.0.1.
 *
 * Screenshots of the main views, at 1280×800, 1366×800 and 390×844, are
 * written to test/web/screenshots/ (gitignored). They never pass without a browser.
 * Expected rows of the logs come from their text (a regular expression of the
 * mapped tracepoint lines), never from the importer.
 */
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { jest } from "@jest/globals";
import type { Browser, BrowserContext, Page } from "playwright-core";
import { launchChromium } from "../helpers/browser.ts";
import { SHARED_TRACES } from "../ftrace/helpers.ts";
import { addClassroom, ROOT, startWebRig, type WebRig } from "./rig.ts";
import { importFile } from "../../src/ftrace/import.ts";
import { tracepointLog, writeLog } from "../helpers/logs.ts";

const SHOTS = path.join(ROOT, "test/web/screenshots");
const RACE_LOG = path.join(ROOT, "test/ftrace/fixtures/races/trim-vs-bg-removal.trace");
const REAL_LOG = path.join(SHARED_TRACES, "balance-events.trace");
const DESKTOP = { width: 1280, height: 800 };
const LAPTOP = { width: 1366, height: 800 };
/** Lines of a 6.1 `nop` log that make one event each under the default mapping table (DOMAIN §6.2). */
const MAPPED = /: (btrfs_reserve_extent|btrfs_transaction_commit|btrfs_skip_unused_block_group|btrfs_chunk_alloc|btrfs_chunk_free|btrfs_remove_block_group): |: btrfs_add_block_group: .*create=1/;
/** The mapped lines of a log: seq (1-based, in file order) → line number and text. */
function mappedLines(text: string): { seq: number; line: number; text: string }[] {
  return text
    .split("\n")
    .map((t, i) => ({ line: i + 1, text: t }))
    .filter((l) => MAPPED.test(l.text))
    .map((l, i) => ({ seq: i + 1, ...l }));
}
const PHONE = { width: 390, height: 844 };

jest.setTimeout(240_000);

let rig: WebRig;
let browser: Browser;
let tokens: { instructor: string; student: string; studentName: string };
/** Every URL any page asked for, and everything the pages reported as broken. */
const requested: string[] = [];
const pageErrors: string[] = [];

beforeAll(async () => {
  mkdirSync(SHOTS, { recursive: true });
  rig = await startWebRig();
  tokens = await addClassroom(rig);
  browser = await launchChromium();
}, 300_000);

afterAll(async () => {
  await browser?.close();
  await rig?.close();
});

async function newContext(viewport: { width: number; height: number }): Promise<BrowserContext> {
  const phone = viewport.width < 600;
  const context = await browser.newContext({ viewport, isMobile: phone, hasTouch: phone, deviceScaleFactor: 1 });
  context.on("request", (r) => requested.push(r.url()));
  context.on("page", (p) => watch(p));
  return context;
}

function watch(page: Page): void {
  page.on("pageerror", (e) => pageErrors.push(`pageerror: ${e.message}`));
  page.on("console", (m) => {
    if (m.type() === "error") pageErrors.push(`console: ${m.text()}`);
  });
  page.on("websocket", (ws) => requested.push(ws.url()));
}

async function shot(page: Page, name: string): Promise<void> {
  const v = page.viewportSize()!;
  await page.screenshot({ path: path.join(SHOTS, `${name}.${v.width}x${v.height}.png`), fullPage: false });
}

async function text(page: Page, selector: string): Promise<string> {
  return (await page.locator(selector).first().innerText()).replace(/\s+/g, " ").trim();
}

async function waitText(page: Page, selector: string, pattern: RegExp): Promise<string> {
  await page.waitForFunction(
    ([sel, src, flags]) => new RegExp(src!, flags).test(((document.querySelector(sel!) as HTMLElement | null)?.innerText ?? "").replace(/\s+/g, " ")),
    [selector, pattern.source, pattern.flags] as const,
  );
  return text(page, selector);
}

/** Seqs of the timeline's rows as they stand in the page, top to bottom. */
async function rowOrder(page: Page): Promise<number[]> {
  return page.$$eval("[data-testid=timeline] [role=option][data-seq]", (rows) =>
    rows.map((r) => ({ seq: Number(r.getAttribute("data-seq")), top: parseFloat((r as HTMLElement).style.top) })).sort((a, b) => a.top - b.top).map((r) => r.seq),
  );
}

async function gql<T>(query: string, variables: Record<string, unknown> = {}, token?: string): Promise<T> {
  const res = await fetch(`${rig.url}/graphql`, {
    method: "POST",
    headers: { "content-type": "application/json", ...(token ? { authorization: `Bearer ${token}` } : {}) },
    body: JSON.stringify({ query, variables }),
  });
  const body = (await res.json()) as { data: T; errors?: { message: string }[] };
  if (body.errors) throw new Error(body.errors.map((e) => e.message).join("; "));
  return body.data;
}

/** True when the row is inside the timeline's box (under its lane header) and on the screen. */
async function rowInView(page: Page, seq: number): Promise<boolean> {
  return page.evaluate((s) => {
    const row = document.querySelector(`[data-testid=timeline] [role=option][data-seq='${s}']`);
    const box = document.querySelector("[data-testid=step-scroller]");
    const head = document.querySelector(".tl-lanes");
    if (!row || !box || !head) return false;
    const r = row.getBoundingClientRect();
    const b = box.getBoundingClientRect();
    const h = head.getBoundingClientRect();
    return r.top >= h.bottom - 1 && r.bottom <= b.bottom + 1 && r.top >= 0 && r.bottom <= window.innerHeight;
  }, seq);
}

/** The width of the time axis' span, in seconds, as the page says it. */
async function spanSeconds(page: Page): Promise<number> {
  const t = await text(page, "[data-testid=time-span]");
  const m = /\(([0-9.]+) (ns|µs|ms|s)\)/.exec(t);
  if (!m) throw new Error(`no span in ${JSON.stringify(t)}`);
  return Number(m[1]) * { ns: 1e-9, µs: 1e-6, ms: 1e-3, s: 1 }[m[2] as "ns" | "µs" | "ms" | "s"];
}

async function signIn(page: Page, token: string, who: RegExp): Promise<void> {
  await page.fill("#token-input", token);
  await page.click("form.signin button[type=submit]");
  await waitText(page, "[data-testid=signed-in]", who);
}

test("a seed race: the cursor on the bad step, state and diff at the cursor, rules switched to patched change the verdict", async () => {
  const context = await newContext(DESKTOP);
  const page = await context.newPage();
  await page.goto(`${rig.url}/`);

  // The trace picker lists the seed races; pick one, then the balance race.
  await page.waitForSelector("#trace-picker option", { state: "attached" });
  const options = await page.$$eval("#trace-picker option", (os) => os.map((o) => o.textContent));
  for (const name of rig.seeded) expect(options.some((o) => o?.startsWith(`${name} · `))).toBe(true);
  await page.selectOption("#trace-picker", { label: "trim-vs-bg-removal · 12 events" });
  await waitText(page, "#trace-title", /^trim-vs-bg-removal$/);
  await waitText(page, "[data-testid=verdict]", /Bug: discard_overwrites_metadata at step #11/);
  await page.selectOption("#trace-picker", { label: "balance-vs-unused-bg-deletion · 8 events" });
  await waitText(page, "#trace-title", /^balance-vs-unused-bg-deletion$/);

  // Unpatched: a bug at step 8, in words and with an icon.
  const verdict = await waitText(page, "[data-testid=verdict]", /Bug: assertion_failure at step #8/);
  expect(verdict).toContain("✖");
  expect(verdict).toContain("no extent map for chunk 0xa69c00000");
  expect(await page.getAttribute("[data-testid=verdict]", "data-verdict")).toBe("BUG");
  expect(await page.$$eval("[data-testid=timeline] .tl-head, .tl-lanes .tl-head", (h) => h.map((x) => x.textContent))).toEqual(
    expect.arrayContaining(["A · btrfs [17451]balance · CPU 0 · 4 events", "B · btrfs-cleaner [887]cleaner · CPU 1 · 4 events"]),
  );
  expect(await rowOrder(page)).toEqual([1, 2, 3, 4, 5, 6, 7, 8]);

  // Keyboard only: Tab reaches the timeline, the arrow keys move the cursor to the bad step.
  let reached = false;
  for (let i = 0; i < 60 && !reached; i++) {
    await page.keyboard.press("Tab");
    reached = await page.evaluate(() => document.activeElement?.getAttribute("role") === "listbox");
  }
  expect(reached).toBe(true);
  for (let i = 0; i < 8; i++) await page.keyboard.press("ArrowDown");
  await waitText(page, "[data-testid=cursor-status]", /after step #8 of 8/);
  expect(await page.getAttribute("[role=option][data-seq='8']", "aria-selected")).toBe("true");
  expect(await page.getAttribute("[data-testid=timeline]", "aria-activedescendant")).toBe("tl-row-8");
  expect(await page.getAttribute("[role=option][data-seq='8']", "aria-label")).toMatch(/^Step 8: A · btrfs \[17451\], remove_chunk bytenr=X; finding: bug, assertion_failure$/);
  await waitText(page, "#state-title", /State after step #8/);
  const bg = await waitText(page, "[data-testid=block-groups] li", /X \(0xa69c00000\)/);
  expect(bg).toMatch(/✖ removed/);
  expect(bg).toMatch(/in cache tree ○ no/);
  expect(await text(page, "[data-testid=extent-maps]")).toMatch(/X \(0xa69c00000\).*○ no/);
  expect(await text(page, "[data-testid=state-panel]")).toMatch(/Bug at #8 \(assertion_failure\)/);
  expect(await text(page, "[data-testid=cursor-detail]")).toMatch(/Bug \(assertion_failure\): btrfs_remove_chunk: no extent map/);
  await page.locator("[role=option][data-seq='8']").scrollIntoViewIfNeeded();
  await shot(page, "timeline-unpatched-bad-step");

  // A click puts the cursor on step 3; mark it, go to the end (End key): the diff between the two.
  await page.click("[role=option][data-seq='3']");
  await waitText(page, "[data-testid=cursor-status]", /after step #3 of 8/);
  await page.click("text=Mark for diff");
  await waitText(page, "[data-testid=cursor-status]", /diff mark at #3/);
  await page.focus("[data-testid=timeline]");
  await page.keyboard.press("End");
  await waitText(page, "#diff-title", /Diff #3 → #8/);
  // One field per entry, before → after (issue 14).
  const diff = await waitText(page, "[data-testid=diff-table]", /blockGroups\[X \(0xa69c00000\)\]\.status active → removed/);
  expect(diff).toContain("extentMaps[X (0xa69c00000)].inTree yes → no");
  expect(diff).toContain("blockGroups[X (0xa69c00000)].ro 0 → 1");
  await page.locator("[data-testid=diff-panel]").scrollIntoViewIfNeeded();
  await shot(page, "timeline-diff");

  // Patched: clean; the verdict says what it was; the cleaner's steps wait and move after step 8.
  await page.click("input[name=rules][value=patched]");
  const clean = await waitText(page, "[data-testid=verdict]", /Clean: no finding under patched/);
  expect(clean).toContain("✔");
  expect(await page.getAttribute("[data-testid=verdict]", "data-verdict")).toBe("CLEAN");
  expect(await waitText(page, "[data-testid=verdict-change]", /Changed:/)).toBe(
    "Changed: under unpatched (2015 kernel) it was ✖ Bug: assertion_failure at step #8.",
  );
  expect(clean).toContain("4 events waited under these rules: delete_unused_bgs_mutex held by pid 17451");
  await page.waitForFunction(() => document.querySelectorAll("[data-testid=timeline] .tl-cell.blocked").length > 0);
  expect(await rowOrder(page)).toEqual([1, 2, 4, 8, 3, 5, 6, 7]);
  expect(await text(page, "[data-testid=timeline] .tl-cell.blocked")).toBe("‖ waiting: delete_unused_bgs_mutex held by pid 17451");
  expect(await text(page, "[role=option][data-seq='8']")).toContain("↳ releases #3, #5, #6, #7");
  expect(await text(page, "[role=option][data-seq='3']")).toContain("‖ moved: after #8");
  // What the rules changed, on the cards (as racelab demo prints it; asked after the verdict): the check skips, the rest is not applied.
  await waitText(page, "[role=option][data-seq='3']", /↷ skipped/);
  for (const seq of ["5", "6", "7"]) expect(await text(page, `[role=option][data-seq='${seq}']`)).toContain("⤫ not applied");
  expect(await page.getAttribute("[role=option][data-seq='6']", "aria-label")).toBe(
    "Step 6: B · btrfs-cleaner [887], remove_chunk bytenr=X; waited (delete_unused_bgs_mutex held by pid 17451), released after step 8; not applied",
  );
  const here = await waitText(page, "[data-testid=state-rule-changes]", /not applied/);
  expect(here).toContain("#3 skipped: btrfs_delete_unused_bgs: block group 0xa69c00000 no longer in the cache tree when the check runs: skipped");
  expect(here).toContain("#5 not applied: the rest of its chain is not applied");
  expect(here).toContain("#5 waited: delete_unused_bgs_mutex held by pid 17451; released at step #8, then not applied: the rest of its chain was skipped");
  // The rows released by step 8 are under the cursor with it.
  for (const seq of ["8", "3", "5", "6", "7"]) expect(await page.getAttribute(`[role=option][data-seq='${seq}']`, "aria-selected")).toBe("true");

  // Back to step 4 with the arrow keys: balance holds the mutex, the cleaner waits for it.
  await page.focus("[data-testid=timeline]");
  await page.keyboard.press("ArrowUp");
  await waitText(page, "[data-testid=cursor-status]", /after step #4 of 8 · rules patched/);
  const mutexes = await waitText(page, "[data-testid=mutexes]", /held by/);
  expect(mutexes).toBe("delete_unused_bgs_mutex: held by A (btrfs [17451]) · waiting: B (btrfs-cleaner [887])");
  expect(await text(page, "[data-testid=actors]")).toContain("B (btrfs-cleaner [887]): ‖ blocked on delete_unused_bgs_mutex held by pid 17451");
  await shot(page, "timeline-patched");

  // In recorded order the waiting steps stay in place, marked.
  await page.click("text=as recorded");
  await page.waitForFunction(() => document.querySelector("[role=option][data-seq='3']")?.textContent?.includes("waits until #8"));
  expect(await rowOrder(page)).toEqual([1, 2, 3, 4, 5, 6, 7, 8]);

  // One fix alone: only the one for this race cures it.
  await page.click("input[name=rules][value=pin-chunks-during-trim]");
  await waitText(page, "[data-testid=verdict]", /Bug: assertion_failure at step #8 under only fix pin-chunks-during-trim/);
  expect(await waitText(page, "[data-testid=verdict-change]", /under patched/)).toBe("Changed: under patched (all four fixes) it was ✔ Clean: no finding.");
  await page.click("input[name=rules][value=delete-unused-bgs-mutex]");
  await waitText(page, "[data-testid=verdict]", /Clean: no finding under only fix delete-unused-bgs-mutex/);
  expect(page.url()).toContain("rules=delete-unused-bgs-mutex");
  await context.close();
});

test("import: refused to a student, a race log dropped on the page by the instructor, a real 7 MB log with upload progress", async () => {
  expect(existsSync(REAL_LOG)).toBe(true); // shared/traces beside the repository
  const context = await newContext(DESKTOP);
  const page = await context.newPage();
  await page.goto(`${rig.url}/#/import`);
  await page.waitForSelector("[data-testid=drop-zone]");
  await shot(page, "import");

  // Drag and drop: a DataTransfer holding the log as a File, dropped on the zone.
  await page.fill("#import-name", "dropped-trim-race");
  const log = readFileSync(RACE_LOG, "utf8");
  const transfer = await page.evaluateHandle((content) => {
    const dt = new DataTransfer();
    dt.items.add(new File([content], "trim-vs-bg-removal.trace", { type: "text/plain" }));
    return dt;
  }, log);
  await page.dispatchEvent("[data-testid=drop-zone]", "dragenter", { dataTransfer: transfer });
  await page.dispatchEvent("[data-testid=drop-zone]", "dragover", { dataTransfer: transfer });
  expect(await text(page, "[data-testid=drop-zone]")).toContain("Drop the log to import it");
  // This server has a classroom: a student may not add traces, and the page says why.
  await signIn(page, tokens.student, /Ada Student/);
  await page.dispatchEvent("[data-testid=drop-zone]", "drop", { dataTransfer: transfer });
  await waitText(page, "[data-testid=import-status] [role=alert]", /Import of trim-vs-bg-removal\.trace failed: upload: on a server with users, only instructors write traces$/);
  expect(await gql<{ trace: unknown }>(`{ trace(id: "dropped-trim-race") { id } }`)).toEqual({ trace: null });
  await page.click("[data-testid=signed-in] button");
  await signIn(page, tokens.instructor, /Prof Liskov/);
  await page.dispatchEvent("[data-testid=drop-zone]", "drop", { dataTransfer: transfer });
  const done = await waitText(page, "[data-testid=import-done]", /Imported dropped-trim-race/);
  const stored = await gql<{ trace: { version: number; format: string; sourceHash: string } | null }>(`query($t: ID!) { trace(id: $t) { version format sourceHash } }`, { t: "dropped-trim-race" });
  expect(stored.trace).not.toBeNull();
  const logLines = log.split("\n").filter((l, i, a) => i < a.length - 1 || l !== "").length;
  expect(done).toMatch(new RegExp(`^✔ Imported dropped-trim-race from trim-vs-bg-removal\\.trace: ${stored.trace!.version} events from ${logLines} lines\\. Lines: .* Open its timeline →$`));
  // Each line counted once: the lines that made its events, the rest context or noise.
  const [made, contextLines, noise] = (/^Lines: (\d+) made events, (\d+) context, (\d+) noise$/.exec(await text(page, "[data-testid=line-buckets] summary")) ?? []).slice(1).map(Number);
  expect(made).toBe(stored.trace!.version);
  expect(made! + contextLines! + noise!).toBe(logLines);
  expect(stored.trace!.format).toMatch(/^ftrace-/);
  await shot(page, "import-done");
  await page.click("text=Open its timeline");
  await waitText(page, "#trace-title", /^dropped-trim-race$/);
  await waitText(page, "[data-testid=verdict]", /Bug: discard_overwrites_metadata at step #\d+ under unpatched/);
  await page.click("input[name=rules][value=pin-chunks-during-trim]");
  await waitText(page, "[data-testid=verdict]", /Clean: no finding under only fix pin-chunks-during-trim/);

  // A real log, chosen with the file picker, sent at 4 MiB/s: the progress shows.
  await page.goto(`${rig.url}/#/import`);
  await page.waitForSelector("[data-testid=drop-zone]");
  const cdp = await context.newCDPSession(page);
  await cdp.send("Network.enable");
  await cdp.send("Network.emulateNetworkConditions", { offline: false, latency: 0, downloadThroughput: -1, uploadThroughput: 4 * 1024 * 1024 });
  await page.evaluate(() => {
    const seen: string[] = [];
    (window as unknown as { statuses: string[] }).statuses = seen;
    new MutationObserver(() => {
      const t = document.querySelector("[data-testid=import-status]")?.textContent ?? "";
      if (t && seen[seen.length - 1] !== t) seen.push(t);
    }).observe(document.body, { subtree: true, childList: true, characterData: true, attributes: true });
  });
  await page.setInputFiles("#import-file", REAL_LOG);
  // For the picture: the bar part-way (or, should the upload have been quicker than the poll, the result).
  await page.waitForFunction(
    () => ((document.querySelector("[data-testid=upload-progress]") as HTMLProgressElement | null)?.value ?? 0) > 0 || document.querySelector("[data-testid=import-done]") !== null,
  );
  await shot(page, "import-progress");
  const real = await waitText(page, "[data-testid=import-done]", /balance-events\.trace: \d+ events from \d+ lines/);
  const statuses = await page.evaluate(() => (window as unknown as { statuses: string[] }).statuses);
  const percents = statuses.flatMap((s) => /^Uploading balance-events\.trace: .* \((\d+)%\)/.exec(s)?.[1] ?? []).map(Number);
  expect(percents.some((p) => p > 0 && p < 100)).toBe(true);
  expect(percents).toEqual([...percents].sort((a, b) => a - b));
  expect(statuses.some((s) => /Uploaded balance-events\.trace \(7\.4 MiB\); importing…/.test(s))).toBe(true);
  const realTrace = await gql<{ trace: { version: number } }>(`{ trace(id: "balance-events.trace") { version } }`);
  expect(real).toContain(`${realTrace.trace.version} events from ${readFileSync(REAL_LOG, "utf8").trimEnd().split("\n").length} lines`);
  // Why it comes back clean: what its lines were (balance-events.trace: 53,894 lines, 53,264 of them space-reservation noise).
  expect(await text(page, "[data-testid=line-buckets] summary")).toBe("Lines: 349 made events, 1 context, 53544 noise");
  await page.click("[data-testid=line-buckets] summary");
  expect(await text(page, "[data-testid=line-buckets] li:first-child")).toBe("btrfs_space_reservation: 53264 noise");
  await cdp.send("Network.emulateNetworkConditions", { offline: false, latency: 0, downloadThroughput: -1, uploadThroughput: -1 });

  // Its timeline: hundreds of events, many tasks: one lane per CPU, only the rows in view drawn.
  await page.click("text=Open its timeline");
  await waitText(page, "#trace-title", /^balance-events\.trace$/);
  await waitText(page, "[data-testid=verdict]", /under unpatched/);
  await page.waitForSelector("[data-testid=timeline] [role=option][data-seq='1']");
  const lanes = await page.$$eval(".tl-lanes .tl-head .lane-label", (l) => l.map((x) => x.textContent));
  expect(lanes.every((l) => /^CPU /.test(l ?? ""))).toBe(true);
  const drawn = await page.$$eval("[data-testid=timeline] [role=option]", (r) => r.length);
  expect(drawn).toBeGreaterThan(5);
  expect(drawn).toBeLessThan(realTrace.trace.version);
  expect(await page.getAttribute("[data-testid=timeline]", "aria-label")).toContain(`${realTrace.trace.version} events`);
  await page.focus("[data-testid=timeline]");
  await page.keyboard.press("End");
  await waitText(page, "[data-testid=cursor-status]", new RegExp(`after step #${realTrace.trace.version} of ${realTrace.trace.version}`));
  await page.waitForSelector(`[role=option][data-seq='${realTrace.trace.version}'][aria-selected=true]`);
  await waitText(page, "#state-title", new RegExp(`State after step #${realTrace.trace.version}`));
  await shot(page, "timeline-real-log");
  await context.close();
});

test("a real log: search finds a known address, each filter narrows to the expected rows, go to lands the cursor in view, each event shows its source line", async () => {
  const mapped = mappedLines(readFileSync(REAL_LOG, "utf8"));
  await importFile(rig.db.store, REAL_LOG, { name: "real-balance" });
  const context = await newContext(LAPTOP);
  const page = await context.newPage();
  await page.goto(`${rig.url}/#/timeline/real-balance`);
  await page.waitForSelector("[data-testid=timeline] [role=option][data-seq='1']");
  expect(await page.getAttribute("[data-testid=timeline]", "aria-label")).toContain(`${mapped.length} events`);

  // Search: a block group address in hex finds the events about it.
  const about = mapped.filter((m) => /(bytenr|offset|block_group)=13631488\b/.test(m.text));
  expect(about.length).toBe(3);
  await page.getByRole("searchbox", { name: "Search events" }).fill("0xd00000");
  await page.keyboard.press("Enter");
  await waitText(page, "[data-testid=match-count]", new RegExp(`^${about.length} matches$`));
  await page.getByRole("button", { name: "Next match" }).click();
  await waitText(page, "[data-testid=cursor-status]", new RegExp(`after step #${about[0]!.seq} of ${mapped.length}`));
  await page.waitForSelector(`[role=option][data-seq='${about[0]!.seq}'].match-row`);
  expect(await rowInView(page, about[0]!.seq)).toBe(true);
  // The event's source line, as the log printed it.
  await waitText(page, "[data-testid=cursor-detail]", new RegExp(`#${about[0]!.seq} `));
  expect(await text(page, "[data-testid=source-line]")).toBe(`Line ${about[0]!.line}: ${about[0]!.text.trim().replace(/\s+/g, " ")}`);
  // n: the next match, from the keyboard.
  await page.focus("[data-testid=timeline]");
  await page.keyboard.press("n");
  await waitText(page, "[data-testid=cursor-status]", new RegExp(`after step #${about[1]!.seq} of`));
  expect(await rowInView(page, about[1]!.seq)).toBe(true);
  await shot(page, "real-log-search");

  // Each filter narrows the rows to those it names (the rows drawn are a run of them, in order).
  const filters: [string, string, (m: { text: string }) => boolean][] = [
    ["Filter by CPU", "0", (m) => m.text.includes(" [000] ")],
    ["Filter by task", "206", (m) => /-206\s+\[/.test(m.text)],
    ["Filter by event type", "remove_block_group", (m) => m.text.includes(": btrfs_remove_block_group: ")],
    ["Filter by block group", "13631488", (m) => /(bytenr|offset|block_group)=13631488\b/.test(m.text)],
  ];
  for (const [label, value, keep] of filters) {
    const want = mapped.filter(keep).map((m) => m.seq);
    await page.getByRole("combobox", { name: label }).selectOption(value);
    await waitText(page, "[data-testid=kept-count]", new RegExp(`^${want.length} of ${mapped.length} events`));
    await page.waitForFunction((n) => document.querySelectorAll("[data-testid=timeline] [role=option][data-seq]").length >= n, Math.min(want.length, 5));
    const rows = await rowOrder(page);
    const at = want.indexOf(rows[0]!);
    expect(at).toBeGreaterThanOrEqual(0);
    expect(rows).toEqual(want.slice(at, at + rows.length));
    if (want.length <= 20) expect(rows).toEqual(want);
    if (label === "Filter by CPU") await shot(page, "real-log-filter-cpu");
    await page.getByRole("combobox", { name: label }).selectOption("");
    await waitText(page, "[data-testid=cursor-status]", /^(?!.*events shown)/);
  }

  // Go to a sequence number, then to a timestamp: the cursor lands there, in view.
  const goTo = page.getByRole("textbox", { name: "Go to sequence or time" });
  await goTo.fill("300");
  await goTo.press("Enter");
  await waitText(page, "[data-testid=cursor-status]", new RegExp(`after step #300 of ${mapped.length}`));
  await page.waitForFunction(() => document.querySelector("[role=option][data-seq='300'][aria-selected=true]") !== null);
  expect(await rowInView(page, 300)).toBe(true);
  await page.click("text=Mark for diff");
  const at1279 = mapped.find((m) => m.line === 1279)!;
  await goTo.fill("15.216579");
  await goTo.press("Enter");
  await waitText(page, "[data-testid=cursor-status]", new RegExp(`after step #${at1279.seq} of .*\\(15\\.216579 s\\)`));
  expect(await rowInView(page, at1279.seq)).toBe(true);
  // The time between the two markers (◆ at #300, ▶ here), as the log's timestamps give it.
  const secondsOf = (t: string) => Number(/\s(\d+\.\d{6}): /.exec(t)![1]);
  const want = secondsOf(at1279.text) - secondsOf(mapped[299]!.text);
  const shownDelta = await waitText(page, "[data-testid=cursor-status]", /Δt/);
  const d = /Δt (−?)([0-9.]+) (ns|µs|ms|s)\)/.exec(shownDelta)!;
  expect((d[1] ? -1 : 1) * Number(d[2]) * { ns: 1e-9, µs: 1e-6, ms: 1e-3, s: 1 }[d[3] as "s"]).toBeCloseTo(want, 6);
  await shot(page, "real-log-go-to");

  // The time axis: zoom in and out by button, key and wheel; drag pans.
  await page.getByRole("radio", { name: "time axis" }).check();
  await page.waitForSelector("[data-testid=time-span]");
  const whole = await spanSeconds(page);
  const first = Number(/^\s*\S+\s+\[\d+\] \S+\s+(\d+\.\d+):/.exec(mapped[0]!.text)![1]);
  const last = Number(/^\s*\S+\s+\[\d+\] \S+\s+(\d+\.\d+):/.exec(mapped[mapped.length - 1]!.text)![1]);
  expect(Math.abs(whole - (last - first))).toBeLessThan(2e-6);
  await page.getByRole("button", { name: "Zoom in" }).click();
  await page.waitForFunction((w) => document.querySelector("[data-testid=time-span]")?.textContent?.includes("Showing") && !document.querySelector("[data-testid=time-span]")!.textContent!.includes(String(w)), whole);
  const zoomed = await spanSeconds(page);
  expect(zoomed / whole).toBeCloseTo(0.5, 2);
  const axis = page.getByRole("region", { name: "Time axis" });
  await axis.focus();
  await page.keyboard.press("-");
  await page.waitForFunction((z) => !document.querySelector("[data-testid=time-span]")!.textContent!.includes(`(${z}`), String(zoomed));
  expect((await spanSeconds(page)) / whole).toBeCloseTo(1, 2);
  const box = (await axis.boundingBox())!;
  await page.mouse.move(box.x + box.width * 0.6, box.y + 60);
  await page.mouse.wheel(0, -300);
  await page.waitForFunction(() => /Showing/.test(document.querySelector("[data-testid=time-span]")!.textContent!));
  await page.waitForTimeout(300);
  const wheeled = await spanSeconds(page);
  expect(wheeled).toBeLessThan(whole * 0.9);
  const before = await text(page, "[data-testid=time-span]");
  await page.mouse.move(box.x + box.width * 0.6, box.y + 60);
  await page.mouse.down();
  await page.mouse.move(box.x + box.width * 0.4, box.y + 60, { steps: 5 });
  await page.mouse.up();
  await page.waitForFunction((b) => document.querySelector("[data-testid=time-span]")!.textContent !== b, before);
  expect(await spanSeconds(page)).toBeCloseTo(wheeled, 5);
  await page.waitForSelector("[data-testid=time-axis] .time-event, [data-testid=time-axis] .time-density");
  await shot(page, "real-log-time-axis");
  await context.close();
});

test("a generated trace of 200k events: the first rows, search, go to, the last row, a filter and the time axis, never reading the whole trace", async () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), "racelab-web-200k-"));
  try {
    const file = path.join(dir, "generated-200k.trace");
    await writeLog(file, tracepointLog(230_000, 14));
    const mapped = mappedLines(readFileSync(file, "utf8"));
    expect(mapped.length).toBeGreaterThanOrEqual(200_000);
    const info = (await importFile(rig.db.store, file, { name: "generated-200k" })).trace;
    expect(info.version).toBe(mapped.length);
    const context = await newContext(LAPTOP);
    const page = await context.newPage();
    const bodies: number[] = [];
    page.on("response", (r) => {
      if (r.url().endsWith("/graphql")) void r.body().then((b) => bodies.push(b.length), () => {});
    });
    await page.goto(`${rig.url}/#/timeline/generated-200k`);
    await page.waitForSelector("[data-testid=timeline] [role=option][data-seq='1']");
    expect(await page.getAttribute("[data-testid=timeline]", "aria-label")).toContain(`${mapped.length} events`);
    expect(await page.$$eval("[data-testid=timeline] [role=option][data-seq]", (r) => r.length)).toBeLessThan(100);
    await shot(page, "generated-200k");

    // A known address: the first metadata block group the generator writes to.
    const about = mapped.filter((m) => /(bytenr|offset|block_group)=30408704\b/.test(m.text));
    await page.getByRole("searchbox", { name: "Search events" }).fill("0x1d00000");
    await page.keyboard.press("Enter");
    await waitText(page, "[data-testid=match-count]", new RegExp(`^${about.length} match`));
    await page.focus("[data-testid=timeline]");
    await page.keyboard.press("n");
    await waitText(page, "[data-testid=cursor-status]", new RegExp(`after step #${about[0]!.seq} of`));

    const goTo = page.getByRole("textbox", { name: "Go to sequence or time" });
    await goTo.fill("#150000");
    await goTo.press("Enter");
    await page.waitForFunction(() => document.querySelector("[role=option][data-seq='150000'][aria-selected=true]") !== null);
    expect(await rowInView(page, 150000)).toBe(true);
    await shot(page, "generated-200k-go-to");
    await page.focus("[data-testid=timeline]");
    await page.keyboard.press("End");
    await page.waitForFunction((n) => document.querySelector(`[role=option][data-seq='${n}'][aria-selected=true]`) !== null, mapped.length);
    expect(await rowInView(page, mapped.length)).toBe(true);

    const commits = mapped.filter((m) => m.text.includes(": btrfs_transaction_commit: ")).map((m) => m.seq);
    await page.getByRole("combobox", { name: "Filter by event type" }).selectOption("commit_done");
    await waitText(page, "[data-testid=kept-count]", new RegExp(`^${commits.length} of ${mapped.length} events`));
    await page.waitForFunction(() => document.querySelectorAll("[data-testid=timeline] [role=option][data-seq]").length > 5);
    const rows = await rowOrder(page);
    const at = commits.indexOf(rows[0]!);
    expect(rows).toEqual(commits.slice(at, at + rows.length));
    await page.getByRole("combobox", { name: "Filter by event type" }).selectOption("");

    await page.getByRole("radio", { name: "time axis" }).check();
    await page.waitForSelector("[data-testid=time-axis] .time-density, [data-testid=time-axis] .time-event");
    const whole = await spanSeconds(page);
    await page.getByRole("button", { name: "Zoom in" }).click();
    await page.waitForFunction((w) => !document.querySelector("[data-testid=time-span]")!.textContent!.includes(`(${w}`), String(whole));
    expect((await spanSeconds(page)) / whole).toBeCloseTo(0.5, 2);
    await shot(page, "generated-200k-time-axis");
    // No answer carried the trace: every one is far below what its events would weigh (~1 KB each as JSON).
    expect(Math.max(...bodies)).toBeLessThan(600_000);
    await context.close();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}, 600_000);

test("the diff panel shows before → after per field and fits 1366×800", async () => {
  const context = await newContext(LAPTOP);
  const page = await context.newPage();
  await page.goto(`${rig.url}/#/timeline/balance-vs-unused-bg-deletion?at=8&mark=3`);
  await waitText(page, "[data-testid=diff-table]", /→/);
  const panel = page.locator("[data-testid=diff-panel]");
  await panel.scrollIntoViewIfNeeded();
  const box = (await panel.boundingBox())!;
  expect(box.x).toBeGreaterThanOrEqual(0);
  expect(box.x + box.width).toBeLessThanOrEqual(LAPTOP.width);
  expect(box.y).toBeGreaterThanOrEqual(0);
  expect(box.y + box.height).toBeLessThanOrEqual(LAPTOP.height);
  // Nothing inside runs past its right edge.
  expect(await panel.evaluate((el) => el.scrollWidth <= el.clientWidth)).toBe(true);
  const entries = await page.$$eval("[data-testid=diff-table] .diff-entry", (es) => es.map((e) => { const r = e.getBoundingClientRect(); return { right: r.right, text: (e as HTMLElement).innerText.replace(/\s+/g, " ").trim() }; }));
  for (const e of entries) expect(e.right).toBeLessThanOrEqual(box.x + box.width);
  expect(entries.map((e) => e.text)).toEqual(expect.arrayContaining(["blockGroups[X (0xa69c00000)].ro 0 → 1", "blockGroups[X (0xa69c00000)].inCacheTree yes → no"]));
  await shot(page, "diff-panel");
  await context.close();
});

test("exercises: a student solves be-the-scheduler by dragging and with the keyboard; the instructor sees the gradebook", async () => {
  const context = await newContext(DESKTOP);
  const page = await context.newPage();
  await page.goto(`${rig.url}/#/exercises`);
  await waitText(page, "#exercises-title", /Exercises/);
  await page.waitForSelector("[data-exercise=sched-balance]");
  // A wrong token is refused and said so.
  await page.fill("#token-input", `rl_${"x".repeat(43)}`);
  await page.click("form.signin button[type=submit]");
  await waitText(page, "#signin-error", /Sign-in failed: .*token/);
  // The browser logs the refused request (HTTP 401): expected here, and only here.
  const refused = pageErrors.filter((e) => /status of 401/.test(e));
  expect(refused).toHaveLength(1);
  pageErrors.splice(pageErrors.indexOf(refused[0]!), 1);
  await signIn(page, tokens.student, /Ada Student · student · os101/);

  await page.click("[data-exercise=sched-balance]");
  await waitText(page, "#exercise-title", /Be the scheduler: balance and the cleaner/);
  expect(await text(page, "[data-testid=schedule-text]")).toBe("A A A A B B B B");

  // The starting order is not the answer: graded, with the reasons.
  await page.click("[data-testid=submit-answer]");
  await waitText(page, "[data-testid=feedback]", /Not yet · attempt 1/);
  expect(await page.getAttribute("[data-testid=feedback]", "data-correct")).toBe("false");
  expect(await page.$$eval("[data-testid=feedback] .checks li.failed", (l) => l.length)).toBeGreaterThan(0);

  // A hint, one at a time.
  await page.click("text=Show hint 1 of 3");
  const hint = await waitText(page, "[data-testid=hints]", /\S/);
  expect(hint).toBe("The failure is an ASSERT in btrfs_remove_chunk when the chunk's extent map is missing.");
  await waitText(page, "#hints-title", /1 of 3 shown/);

  // Drag B1 by its handle up above A3.
  const handle = page.locator("[data-testid=handle-B1]");
  const target = page.locator("li[data-step=A3]");
  const from = (await handle.boundingBox())!;
  const to = (await target.boundingBox())!;
  await page.mouse.move(from.x + from.width / 2, from.y + from.height / 2);
  await page.mouse.down();
  await page.mouse.move(from.x + from.width / 2, to.y + to.height * 0.25, { steps: 12 });
  await page.mouse.up();
  await waitText(page, "[data-testid=schedule-text]", /^A A B A A B B B$/);

  // With the keyboard: A4 picked up with Space, three steps down, dropped with Space.
  await page.focus("li[data-step=A4]");
  await page.keyboard.press("Space");
  expect(await page.getAttribute("li[data-step=A4]", "aria-label")).toMatch(/\(picked up\)$/);
  for (let i = 0; i < 3; i++) await page.keyboard.press("ArrowDown");
  await page.keyboard.press("Space");
  await waitText(page, "[data-testid=schedule-text]", /^A A B A B B B A$/);
  // A step cannot pass its own actor's step: Alt+↑ on B2 stops after B1.
  await page.focus("li[data-step=B2]");
  await page.keyboard.press("Alt+ArrowUp");
  await page.keyboard.press("Alt+ArrowUp");
  await waitText(page, ".scheduler", /B2 stays after B1: an actor's steps keep their order/);
  expect(await text(page, "[data-testid=schedule-text]")).toBe("A A B B A B B A");
  await page.keyboard.press("Alt+ArrowDown");
  await waitText(page, "[data-testid=schedule-text]", /^A A B A B B B A$/);

  await page.click("[data-testid=submit-answer]");
  const feedback = await waitText(page, "[data-testid=feedback]", /Correct · attempt 2 · score 100%/);
  expect(await page.getAttribute("[data-testid=feedback]", "data-correct")).toBe("true");
  expect(await page.$$eval("[data-testid=feedback] .checks li.failed", (l) => l.length)).toBe(0);
  expect(feedback).toMatch(/delete-unused-bgs-mutex/);
  await page.locator("[data-testid=feedback]").scrollIntoViewIfNeeded();
  await shot(page, "exercise-scheduler-correct");
  // What the server recorded: both attempts, the student's own.
  const mine = await gql<{ mySubmissions: { correct: boolean; answer: unknown }[] }>(`{ mySubmissions(exercise: "sched-balance") { correct answer } }`, {}, tokens.student);
  expect(mine.mySubmissions.map((s) => s.correct)).toEqual([false, true]);
  expect(JSON.stringify(mine.mySubmissions[1]!.answer)).toContain('"A1","A2","B1","A3","B2","B3","B4","A4"');

  // The student's own progress in the list.
  await page.click("text=All exercises");
  await waitText(page, "[data-testid=progress-sched-balance]", /✔ solved in 2 attempts/);
  const library = await gql<{ exercises: { id: string }[] }>(`{ exercises { id } }`);
  expect(await text(page, "[data-testid=my-progress]")).toBe(`You solved 1 of ${library.exercises.length} exercises.`);
  expect(await text(page, "[data-testid=progress-sched-trim]")).toBe("— not tried yet");

  // The instructor: the gradebook tab, a grid of students × exercises with names and totals.
  await page.click("text=Sign out");
  await signIn(page, tokens.instructor, /Prof Liskov · instructor · os101/);
  await page.click("nav >> text=Gradebook");
  await waitText(page, "#gradebook-title", /Gradebook · os101/);
  const row = page.locator("[data-testid=gradebook] tbody tr", { hasText: tokens.studentName });
  await row.waitFor();
  const legend = await page.locator("[data-testid=gradebook] .gb-legend li").allTextContents();
  const column = legend.findIndex((l) => l.startsWith("Be the scheduler: balance and the cleaner"));
  expect(column).toBeGreaterThanOrEqual(0);
  const cell = row.locator("td").nth(column);
  expect(await cell.textContent()).toBe("✔");
  expect(await cell.getAttribute("aria-label")).toBe(`${tokens.studentName}, Be the scheduler: balance and the cleaner: solved (2 attempts, 1 hint)`);
  const totals = await row.locator("td.gb-total").allTextContents();
  expect(totals).toEqual([`1/${legend.length}`, `1/${legend.length}`]);
  await shot(page, "gradebook");
  await context.close();
});

test("generated exercises: the instructor generates drafts, previews one, edits its statement, publishes it and drops the other; students see only what is published; the gradebook grid fits 1366 px with names and no uuids", async () => {
  const context = await newContext(LAPTOP);
  const page = await context.newPage();
  await page.goto(`${rig.url}/#/exercises`);
  await signIn(page, tokens.instructor, /Prof Liskov · instructor · os101/);
  await page.click("[data-testid=generate] summary");
  await page.selectOption("[data-testid=generate-race]", "scrub-vs-bg-deletion");
  await page.selectOption("[data-testid=generate-kind]", "SPOT_THE_RACE");
  await page.selectOption("[data-testid=generate-difficulty]", "EASY");
  await page.fill("[data-testid=generate-count]", "2");
  await page.click("[data-testid=generate-submit]");
  await waitText(page, "[data-testid=generate-status]", /^Made 2 drafts: Spot the race: 2 tasks, 7 steps \(easy\); Spot the race: 2 tasks, 7 steps \(easy\)\./);
  await waitText(page, "#drafts-title", /Drafts \(2\)/);
  const drafts = await page.$$eval("[data-testid=drafts] [data-exercise]", (l) => l.map((a) => a.getAttribute("data-exercise")!));
  expect(drafts).toHaveLength(2);
  // Nothing a student can see yet.
  const before = await gql<{ exercises: { id: string }[] }>(`{ exercises(course: "os101") { id } }`, {}, tokens.student);
  expect(before.exercises.map((e) => e.id)).not.toContain(drafts[0]);

  // Preview: the key, the hints and the explanation; edit the statement.
  await page.click(`[data-exercise="${drafts[0]}"]`);
  await waitText(page, "[data-testid=draft-key]", /Key: race scrub-vs-bg-deletion, seq \d+/);
  expect(await text(page, "[data-testid=draft-key]")).toMatch(/Explanation: Under unpatched, \S+'s scrub_chunk of X \(seq \d+\) fails: scrub_chunk: no extent map for chunk X/);
  await page.fill("#draft-statement", "The cleaner (A) deletes X while scrub (S) checks it. Name the race and the step where it goes wrong.");
  await page.click("[data-testid=save-draft]");
  await waitText(page, "[data-testid=draft-message]", /Saved: the definition was checked again\./);
  await waitText(page, "[data-testid=statement]", /^The cleaner \(A\) deletes X while scrub \(S\) checks it\./);
  await shot(page, "draft-preview");
  await page.click("[data-testid=publish]");
  await page.waitForSelector("[data-testid=draft-panel]", { state: "detached" });

  // Drop the other.
  await page.goto(`${rig.url}/#/exercises/${drafts[1]}`);
  await page.click("[data-testid=drop]");
  await page.click("[data-testid=drop-confirm]");
  await waitText(page, "#exercises-title", /Exercises/);
  await page.waitForSelector("[data-testid=drafts]", { state: "detached" });

  // The student sees the published one (with its edited statement), never the dropped one, and answers it.
  const after = await gql<{ exercises: { id: string; statement: string }[] }>(`{ exercises(course: "os101") { id statement } }`, {}, tokens.student);
  const mine = after.exercises.filter((e) => drafts.includes(e.id));
  expect(mine.map((e) => e.id)).toEqual([drafts[0]]);
  expect(mine[0]!.statement).toMatch(/^The cleaner \(A\) deletes X/);
  const key = await gql<{ exercise: { key: { race: string; seq: number } } }>(`query ($id: ID!) { exercise(id: $id) { key { race seq } } }`, { id: drafts[0] }, tokens.instructor);
  const answered = await gql<{ submitAnswer: { correct: boolean } }>(
    `mutation ($id: ID!, $race: String, $seq: Int) { submitAnswer(exercise: $id, answer: { race: $race, seq: $seq }) { correct } }`,
    { id: drafts[0], race: key.exercise.key.race, seq: key.exercise.key.seq },
    tokens.student,
  );
  expect(answered.submitAnswer.correct).toBe(true);

  // The gradebook at 1366 px: names, not uuids; nothing cut off; the CSV still there.
  await page.click("nav >> text=Gradebook");
  await waitText(page, "#gradebook-title", /Gradebook · os101/);
  const row = page.locator("[data-testid=gradebook] tbody tr", { hasText: tokens.studentName });
  await row.waitFor();
  const legend = await page.locator("[data-testid=gradebook] .gb-legend li").allTextContents();
  expect(legend.length).toBe(after.exercises.length);
  const column = legend.findIndex((l) => l.startsWith("Spot the race: 2 tasks, 7 steps (easy)"));
  expect(await row.locator("td").nth(column).textContent()).toBe("✔");
  const shown = await text(page, "[data-testid=gradebook]");
  expect(shown).not.toMatch(/[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/i);
  const fits = await page.evaluate(() => {
    const wrap = document.querySelector("[data-testid=gradebook] .table-wrap") as HTMLElement;
    const table = wrap.querySelector("table")!;
    const clipped = [...table.querySelectorAll("th, td")].filter((c) => (c as HTMLElement).scrollWidth > (c as HTMLElement).clientWidth + 1).map((c) => c.textContent);
    return { table: table.getBoundingClientRect().right, wrap: wrap.getBoundingClientRect().right, scrolls: wrap.scrollWidth > wrap.clientWidth, page: document.documentElement.scrollWidth <= window.innerWidth, clipped };
  });
  expect(fits).toEqual({ table: expect.any(Number), wrap: expect.any(Number), scrolls: false, page: true, clipped: [] });
  expect(fits.table).toBeLessThanOrEqual(fits.wrap + 0.5);
  expect(await page.getAttribute("[data-testid=gradebook-csv]", "download")).toBe("gradebook-os101.csv");
  await shot(page, "gradebook-grid");
  await context.close();
});

test("a phone-sized screen: the timeline, the scheduler and the import fit, nothing scrolls sideways", async () => {
  const context = await newContext(PHONE);
  const page = await context.newPage();
  const noSideways = () => page.evaluate(() => document.documentElement.scrollWidth <= window.innerWidth);

  await page.goto(`${rig.url}/#/timeline/balance-vs-unused-bg-deletion?rules=patched&at=8`);
  await waitText(page, "[data-testid=verdict]", /Clean: no finding under patched/);
  await page.waitForSelector("[role=option][data-seq='8'][aria-selected=true]");
  expect(await noSideways()).toBe(true);
  await shot(page, "timeline-patched");
  await page.locator("[data-testid=timeline]").scrollIntoViewIfNeeded();
  await shot(page, "timeline-lanes");
  await page.locator("[data-testid=state-panel]").scrollIntoViewIfNeeded();
  await shot(page, "state");

  await page.goto(`${rig.url}/#/timeline/balance-vs-unused-bg-deletion?at=8`);
  await waitText(page, "[data-testid=verdict]", /Bug: assertion_failure at step #8/);
  expect(await noSideways()).toBe(true);
  await page.evaluate(() => window.scrollTo(0, 0));
  await shot(page, "timeline-unpatched");
  await page.locator("[role=option][data-seq='8']").scrollIntoViewIfNeeded();
  await shot(page, "timeline-unpatched-bad-step");

  await page.goto(`${rig.url}/#/import`);
  await page.waitForSelector("[data-testid=drop-zone]");
  expect(await noSideways()).toBe(true);
  await shot(page, "import");

  // The scheduler by touch: the ▲ buttons.
  await page.goto(`${rig.url}/#/exercises`);
  await signIn(page, tokens.student, /Ada Student/);
  await page.goto(`${rig.url}/#/exercises/sched-trim`);
  await waitText(page, "#exercise-title", /\S/);
  const before = await text(page, "[data-testid=schedule-text]");
  const second = (await page.$$eval("li[data-step]", (l) => l.map((x) => x.getAttribute("data-step"))))
    .find((id, i, all) => i > 0 && id![0] !== all[i - 1]![0])!;
  await page.tap(`button[aria-label="Move ${second} up"]`);
  await page.waitForFunction((b) => document.querySelector("[data-testid=schedule-text]")?.textContent !== b, before);
  expect(await noSideways()).toBe(true);
  await shot(page, "exercise-scheduler");
  await context.close();
});

test("every request went to the test server; no page error but the refused upload", () => {
  const origin = new URL(rig.url).origin;
  expect(requested.length).toBeGreaterThan(20);
  const elsewhere = requested.filter((u) => !u.startsWith(`${origin}/`) && !u.startsWith("data:") && !u.startsWith("blob:"));
  expect(elsewhere).toEqual([]);
  expect(new URL(origin).hostname).toBe("127.0.0.1");
  // The one failed request is the import test's upload refused to a student (the browser logs its 403).
  expect(pageErrors).toEqual(["console: Failed to load resource: the server responded with a status of 403 (Forbidden)"]);
});
