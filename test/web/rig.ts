/**
 * The web page's test rig: the real server (`buildServer` with the real
 * store, replay, importer and seeds, as `racelab serve` builds it) over a
 * fresh database (test/helpers/db.ts), with the classroom module (exercises,
 * bearer tokens) as `racelab serve` wires it, the seed scenarios stored as traces
 * (`racelab seed`'s function), and the built page (web/dist) served at `/`.
 *
 * Also runnable by hand to look at the page while working on it:
 *   npx tsx test/web/rig.ts [port]       (Ctrl-C stops it and drops the database)
 */
import { existsSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { allModules, createApiDeps } from "../../src/resolvers/deps.ts";
import { seedScenarios } from "../../src/scenario/load.ts";
import { addUser } from "../../src/exercises/accounts.ts";
import { PgClassroomStore } from "../../src/exercises/pg-classroom.ts";
import { buildServer, type RacelabServer } from "../../src/server.ts";
import { freshDatabase, type TestDatabase } from "../helpers/db.ts";

export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");
/** Where `npm run build:web` writes the page. */
export const WEB_DIST = path.join(ROOT, "web/dist");

export interface WebRig {
  readonly db: TestDatabase;
  readonly server: RacelabServer;
  readonly url: string;
  /** Trace names stored from seeds/*.scenario. */
  readonly seeded: readonly string[];
  close(): Promise<void>;
}

export async function startWebRig(port = 0): Promise<WebRig> {
  if (!existsSync(path.join(WEB_DIST, "index.html"))) {
    throw new Error(`${path.relative(ROOT, WEB_DIST)}/index.html is missing: run npm run build (or npm run build:web) first`);
  }
  const db = await freshDatabase();
  try {
    const seeded = (await seedScenarios(db.store)).map((s) => s.name);
    // As `racelab serve` wires it: the core API, the explorer and the classroom (exercises, bearer tokens).
    const deps = createApiDeps(db.store, { modules: allModules(db.store) });
    const server = await buildServer(deps, { staticDir: WEB_DIST, log: () => {} });
    const { url } = await server.listen(port, "127.0.0.1");
    return {
      db,
      server,
      url,
      seeded,
      async close() {
        try {
          await server.stop();
        } finally {
          await db.drop();
        }
      },
    };
  } catch (err) {
    await db.drop();
    throw err;
  }
}

/** A course with one instructor and one student, as `racelab user add` makes them; their bearer tokens. */
export async function addClassroom(rig: WebRig, course = "os101"): Promise<{ instructor: string; student: string; studentName: string }> {
  const store = new PgClassroomStore(rig.db.db);
  const instructor = await addUser(store, { role: "instructor", course, name: "Prof Liskov" });
  const student = await addUser(store, { role: "student", course, name: "Ada Student" });
  return { instructor: instructor.token, student: student.token, studentName: student.user.name };
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const rig = await startWebRig(Number(process.argv[2] ?? 0));
  const tokens = await addClassroom(rig);
  console.log(`racelab web rig: ${rig.url}/ (${rig.seeded.length} seed traces; ${rig.db.kind} database)`);
  console.log(`instructor token: ${tokens.instructor}\nstudent token:    ${tokens.student}`);
  const stop = () => {
    rig.close().then(
      () => process.exit(0),
      (err: unknown) => {
        console.error(err);
        process.exit(1);
      },
    );
  };
  process.once("SIGINT", stop);
  process.once("SIGTERM", stop);
}
