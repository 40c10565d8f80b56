/**
 * Bounded input (issue 11 item 3): a gzip may inflate only so far (bytes and
 * ratio, checked while streaming: PAYLOAD_TOO_LARGE naming the limit); memory
 * stays bounded whatever a log holds (comment lines); the upload spool lives
 * under the data folder and what a killed server left there is swept at the
 * next start.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { createWriteStream, existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { pipeline } from "node:stream/promises";
import { Readable } from "node:stream";
import { createGzip } from "node:zlib";
import { ReportBuilder } from "../../src/ftrace/report.ts";
import { spoolRoot, sweepSpool } from "../../src/spool.ts";
import { racelab } from "../helpers/cli.ts";
import { databaseForFile } from "../helpers/db.ts";
import { FIXTURES } from "../graphql/helpers.ts";

const t = databaseForFile();
const tmp = mkdtempSync(path.join(os.tmpdir(), "racelab-bounded-"));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

/** A gzip of `header`, then `mib` MiB of `line` repeated. */
async function gzipOf(file: string, header: string, line: string, mib: number): Promise<string> {
  const block = Buffer.from(line.repeat(Math.ceil(2 ** 20 / line.length))).subarray(0, 2 ** 20);
  const lineAligned = Buffer.concat([block.subarray(0, block.lastIndexOf(10) + 1)]);
  async function* content() {
    yield Buffer.from(header);
    for (let i = 0; i < mib; i++) yield lineAligned;
  }
  await pipeline(Readable.from(content()), createGzip({ level: 9 }), createWriteStream(file));
  return file;
}

test("a gzip bomb of comment lines is refused once it inflates past the ratio, naming the limit; nothing is stored", async () => {
  const file = await gzipOf(path.join(tmp, "comments.trace.gz"), "# tracer: nop\n", "# just a comment line, again and again\n", 64);
  const r = await racelab(["import", file, "--name", "bomb"], { env: t.env });
  expect(r.code).not.toBe(0);
  expect(r.stderr).toMatch(/^racelab: .*comments\.trace\.gz: decompresses more than 100:1 \(\d+ bytes from the first \d+\), not a text log \(RACELAB_MAX_COMPRESSION_RATIO\)\n$/);
  expect(await t.store.findTrace("bomb")).toBeNull();
});

test("the expanded size has its own ceiling (RACELAB_MAX_EXPANDED_BYTES)", async () => {
  const file = await gzipOf(path.join(tmp, "zeros.gz"), "# tracer: nop\n", "#\n", 4);
  const r = await racelab(["import", file, "--name", "zeros"], { env: { ...t.env, RACELAB_MAX_EXPANDED_BYTES: String(2 ** 20) } });
  expect(r.stderr).toMatch(/zeros\.gz: decompresses to more than 1048576 bytes \(RACELAB_MAX_EXPANDED_BYTES\)/);
  expect(await t.store.findTrace("zeros")).toBeNull();
});

test("memory stays bounded whatever a log holds: 256 MiB of comment lines import in a 96 MB heap", async () => {
  const file = await gzipOf(path.join(tmp, "many-comments.gz"), "# tracer: nop\n", "# a comment\n", 256);
  const r = await racelab(["import", file, "--name", "comments", "--json"], {
    // The ratio limit off: this is about what the importer keeps of the lines, not about the gzip.
    env: { ...t.env, RACELAB_MAX_COMPRESSION_RATIO: "100000000", NODE_OPTIONS: "--max-old-space-size=96" },
  });
  expect(r.stderr).toBe("");
  expect(r.code).toBe(0);
  const report = JSON.parse(r.stdout) as { events: number; lines: number };
  expect(report.events).toBe(0);
  // 1 header line + 256 × (lines of 12 bytes in a 1 MiB block, cut at its last newline).
  expect(report.lines).toBe(1 + 256 * Math.floor(2 ** 20 / 12));
}, 180_000);

test("report lists stay bounded: line numbers kept up to 10,000 with totals; distinct unmapped names up to 10,000", () => {
  const r = new ReportBuilder();
  for (let i = 1; i <= 25_000; i++) {
    r.skip(i);
    r.gap(i);
    r.unmapped(`name_${i}`);
  }
  const built = r.build();
  expect([built.skipped.length, built.skippedTotal, built.gaps.length, built.gapsTotal]).toEqual([10_000, 25_000, 10_000, 25_000]);
  expect(Object.keys(built.unmapped).length).toBe(10_001);
  expect(built.unmapped["(other names)"]).toBe(15_000);
});

describe("the upload spool", () => {
  test("sweepSpool removes the folders of processes that are gone and keeps live ones", () => {
    const dataDir = path.join(tmp, "sweep");
    const root = spoolRoot(dataDir);
    const dead = spawn(process.execPath, ["-e", ""]);
    const deadPid = dead.pid!;
    mkdirSync(path.join(root, `${deadPid}-0123abcd`, "upload-x"), { recursive: true });
    writeFileSync(path.join(root, `${deadPid}-0123abcd`, "upload-x", "log"), "half an upload");
    mkdirSync(path.join(root, `1-89abcdef`), { recursive: true }); // pid 1 lives
    return new Promise<void>((resolve) =>
      dead.on("exit", () => {
        expect(sweepSpool(dataDir)).toBe(1);
        expect(readdirSync(root)).toEqual(["1-89abcdef"]);
        resolve();
      }),
    );
  });

  test("a SIGKILLed server's half-received upload is left in the data folder's spool and swept when the next server starts", async () => {
    const dataDir = path.join(tmp, "serve-data");
    const start = () => {
      const child: ChildProcess = spawn(process.execPath, ["--import", "tsx", path.join(FIXTURES, "serve-child.ts"), "--port", "0"], {
        env: { ...process.env, ...t.env, RACELAB_DATA_DIR: dataDir, NODE_OPTIONS: "" },
        stdio: ["ignore", "pipe", "pipe"],
      });
      let out = "";
      child.stdout!.on("data", (d) => (out += d));
      const url = new Promise<string>((resolve, reject) => {
        child.stdout!.on("data", () => {
          const m = /GraphQL at (http:\/\/\S+)\/graphql/.exec(out);
          if (m) resolve(m[1]!);
        });
        child.on("exit", (code) => reject(new Error(`racelab serve exited (${code}) before listening`)));
      });
      return { child, url };
    };
    const first = start();
    const url = await first.url;
    // Half an upload, then nothing: the server spools what came.
    const body = new ReadableStream<Uint8Array>({
      start(c) {
        c.enqueue(new TextEncoder().encode("# tracer: nop\n" + "#\n".repeat(100_000)));
      },
    });
    const upload = fetch(`${url}/upload?name=killed`, { method: "POST", headers: { "content-type": "application/octet-stream" }, body, duplex: "half" } as RequestInit).catch(() => null);
    const spooled = () => readdirSync(spoolRoot(dataDir)).flatMap((p) => readdirSync(path.join(spoolRoot(dataDir), p)).map((u) => path.join(p, u)));
    for (let i = 0; i < 200 && (!existsSync(spoolRoot(dataDir)) || spooled().length === 0); i++) await new Promise((r) => setTimeout(r, 25));
    expect(spooled()).toEqual([expect.stringMatching(/^\d+-[0-9a-f]{8}\/upload-/)]);
    first.child.kill("SIGKILL");
    await new Promise((r) => first.child.on("exit", r));
    await upload;
    expect(spooled().length).toBe(1); // SIGKILL ran no clean-up

    const second = start();
    try {
      await second.url;
      expect(spooled()).toEqual([]);
      expect(await t.store.findTrace("killed")).toBeNull();
    } finally {
      second.child.kill("SIGKILL");
    }
  }, 120_000);
});
