/**
 * The embedded PostgreSQL: PGlite (PostgreSQL compiled to WebAssembly, no
 * system install) served on 127.0.0.1 through @electric-sql/pglite-socket so
 * that `pg` and Prisma talk to it like to any server.
 *
 * PGlite is one backend (one session) in one process, and one data directory
 * may be opened by one process only. Hence:
 * - the process that opens the data directory first owns it: it holds
 *   `server.lock` and publishes `server.json` ({pid, port}); any other racelab
 *   process connects to that port instead (e.g. a CLI command while
 *   `racelab serve` runs). Files of a dead owner are stale and removed.
 * - inside one process, openers of the same directory share one server
 *   (reference-counted).
 * - the socket server multiplexes many client connections onto the one
 *   backend. `ProtocolQueue` replaces the library's query queue so that a
 *   client keeps the backend for a whole unit of work: an open transaction
 *   block, an extended-protocol exchange up to its Sync (Parse/Bind/Execute
 *   of two clients must not interleave), and a `COPY … FROM STDIN`, whose
 *   messages PGlite must receive in one call (it cannot resume a copy started
 *   in an earlier call; cf. electric-sql/pglite PR #1028).
 * - PGlite itself trusts whoever connects, and any local user can reach a
 *   loopback port: the queue answers a client's startup with an MD5 password
 *   challenge and forwards nothing of a client that has not answered it with
 *   the data folder's password (`<dataDir>/password`, made once, readable by
 *   its owner only, like the folder and `server.json`).
 */
import { PGlite } from "@electric-sql/pglite";
import { PGLiteSocketServer } from "@electric-sql/pglite-socket";
import fs from "node:fs";
import net from "node:net";
import path from "node:path";
import { createHash, randomBytes } from "node:crypto";
import { DomainError } from "../errors.ts";

/** What the owner publishes in `<dataDir>/server.json`. */
export interface ServerInfo {
  readonly pid: number;
  readonly port: number;
  readonly host: string;
  readonly startedAt: string;
}

export interface EmbeddedHandle {
  readonly host: string;
  readonly port: number;
  /** The data folder's password (user: any). */
  readonly password: string;
  /** True when this process runs the PGlite instance, false when it connects to another process's. */
  readonly owner: boolean;
  readonly dataDir: string;
  release(): Promise<void>;
}

const HOST = "127.0.0.1";
/** Far above any pool size: every connection of every racelab process of this data dir. */
const MAX_CONNECTIONS = 200;
const ATTACH_TIMEOUT_MS = 60_000;

// ---------------------------------------------------------------------------
// Frontend protocol messages (PostgreSQL protocol 3.0, §55.7)

const PROTOCOL_3 = 196608;
/** Extended-query messages: the backend's unnamed statement/portal belong to their sender until Sync. */
const EXTENDED = new Set(["P", "B", "D", "E", "C", "H", "F"]);

function messageType(msg: Uint8Array): string {
  // A startup message has no type byte: int32 length, int32 protocol version.
  if (msg.length >= 8 && readInt32(msg, 4) === PROTOCOL_3) return "startup";
  return String.fromCharCode(msg[0] ?? 0);
}

function readInt32(b: Uint8Array, at: number): number {
  return ((b[at]! << 24) | (b[at + 1]! << 16) | (b[at + 2]! << 8) | b[at + 3]!) >>> 0;
}

const COPY_FROM_STDIN = /^\s*copy\s[\s\S]*\bfrom\s+stdin\b/i;

function isCopyFromStdin(msg: Uint8Array): boolean {
  // 'Q' int32 len, query text, NUL
  const text = Buffer.from(msg.buffer, msg.byteOffset + 5, Math.max(0, msg.length - 6)).toString("utf8");
  return COPY_FROM_STDIN.test(text);
}

/** CopyInResponse: text format, no column formats (clients do not need them). */
const COPY_IN_RESPONSE = Uint8Array.from([0x47, 0, 0, 0, 7, 0, 0, 0]);
const SYNC = Uint8Array.from([0x53, 0, 0, 0, 4]);

/** Removes the first backend message of type `type` from a stream of backend messages. */
function dropFirstMessage(out: Uint8Array, type: number): Uint8Array {
  let at = 0;
  while (at + 5 <= out.length) {
    const len = readInt32(out, at + 1);
    if (out[at] === type) {
      const rest = new Uint8Array(out.length - len - 1);
      rest.set(out.subarray(0, at), 0);
      rest.set(out.subarray(at + 1 + len), at);
      return rest;
    }
    at += 1 + len;
  }
  return out;
}

function concat(parts: readonly Uint8Array[]): Uint8Array {
  let size = 0;
  for (const p of parts) size += p.length;
  const all = new Uint8Array(size);
  let at = 0;
  for (const p of parts) {
    all.set(p, at);
    at += p.length;
  }
  return all;
}

// ---------------------------------------------------------------------------
// Password authentication of the clients (PostgreSQL protocol §55.2, MD5)

const md5 = (s: string | Buffer) => createHash("md5").update(s).digest("hex");

/** The startup message's parameters (`user`, `database`, …): NUL-terminated key/value pairs after the version. */
function startupParams(msg: Uint8Array): Map<string, string> {
  const parts = Buffer.from(msg.buffer, msg.byteOffset + 8, msg.length - 8).toString("utf8").split("\0");
  const out = new Map<string, string>();
  for (let i = 0; i + 1 < parts.length && parts[i] !== ""; i += 2) out.set(parts[i]!, parts[i + 1]!);
  return out;
}

/** AuthenticationMD5Password with `salt`. */
function md5Challenge(salt: Buffer): Uint8Array {
  const m = Buffer.alloc(13);
  m.write("R", 0);
  m.writeInt32BE(12, 1);
  m.writeInt32BE(5, 5);
  salt.copy(m, 9);
  return m;
}

/** ErrorResponse: severity FATAL, SQLSTATE `code`, `message`. */
function fatal(code: string, message: string): Uint8Array {
  const fields = Buffer.from(`SFATAL\0VFATAL\0C${code}\0M${message}\0\0`, "utf8");
  const m = Buffer.alloc(5 + fields.length);
  m.write("E", 0);
  m.writeInt32BE(4 + fields.length, 1);
  fields.copy(m, 5);
  return m;
}

/** Where a client stands: challenged (its startup held back), or refused for good. */
type ClientAuth = { readonly state: "challenged"; readonly startup: Uint8Array; readonly user: string; readonly salt: Buffer } | { readonly state: "refused" };

interface QueuedMessage {
  readonly handlerId: number;
  readonly message: Uint8Array;
  readonly onData: (data: Uint8Array) => void;
  readonly resolve: (bytes: number) => void;
  readonly reject: (err: unknown) => void;
}

/**
 * Drop-in for pglite-socket's QueryQueueManager (same four methods): runs the
 * clients' protocol messages one at a time on the single PGlite backend, and
 * gives one client the backend for a whole unit of work (see the file header).
 */
export class ProtocolQueue {
  private queue: QueuedMessage[] = [];
  private running = false;
  /** The client that holds the backend, or null when any client may go next. */
  private owner: number | null = null;
  /** Clients between an extended-protocol message and their Sync. */
  private readonly extendedOpen = new Set<number>();
  /** A COPY FROM STDIN being collected: the Query, then CopyData… until CopyDone/CopyFail. */
  private copy: { handlerId: number; parts: Uint8Array[] } | null = null;
  /** Clients that proved the password. */
  private readonly authenticated = new Set<number>();
  private readonly pending = new Map<number, ClientAuth>();

  /** `password` null: every client is trusted (tests of the queue alone). */
  constructor(
    private readonly db: PGlite,
    private readonly password: string | null = null,
  ) {}

  enqueue(handlerId: number, message: Uint8Array, onData: (data: Uint8Array) => void): Promise<number> {
    return new Promise((resolve, reject) => {
      this.queue.push({ handlerId, message, onData, resolve, reject });
      void this.pump();
    });
  }

  getQueueLength(): number {
    return this.queue.length;
  }

  clearQueueForHandler(handlerId: number): void {
    this.queue = this.queue.filter((item) => {
      if (item.handlerId !== handlerId) return true;
      item.reject(new Error("client disconnected"));
      return false;
    });
  }

  /** A client went away: end whatever unit of work it held so the others can go on. */
  async clearTransactionIfNeeded(handlerId: number): Promise<void> {
    this.authenticated.delete(handlerId);
    this.pending.delete(handlerId);
    if (this.copy?.handlerId === handlerId) this.copy = null;
    if (this.owner === handlerId) {
      // (exec takes PGlite's query lock itself; the raw protocol call does not.)
      if (this.extendedOpen.has(handlerId)) await this.db.runExclusive(() => this.db.execProtocolRaw(SYNC));
      if (this.db.isInTransaction()) await this.db.exec("ROLLBACK");
      this.owner = null;
    }
    this.extendedOpen.delete(handlerId);
    void this.pump();
  }

  private async pump(): Promise<void> {
    if (this.running) return;
    this.running = true;
    try {
      for (;;) {
        const at = this.owner === null ? 0 : this.queue.findIndex((q) => q.handlerId === this.owner);
        if (at < 0 || at >= this.queue.length) break;
        const [item] = this.queue.splice(at, 1);
        if (item) await this.process(item);
      }
    } finally {
      this.running = false;
    }
  }

  /**
   * The password exchange, before anything reaches PGlite: a startup is
   * answered with a challenge and held back; the right answer lets it
   * through; anything else ends the client's chances. True when `item` was
   * handled here.
   */
  private async authenticate(item: QueuedMessage, type: string): Promise<boolean> {
    const { handlerId, message } = item;
    if (this.password === null || this.authenticated.has(handlerId)) return false;
    const auth = this.pending.get(handlerId);
    let reply: Uint8Array;
    if (type === "startup" && !auth) {
      const salt = randomBytes(4);
      this.pending.set(handlerId, { state: "challenged", startup: message, user: startupParams(message).get("user") ?? "", salt });
      reply = md5Challenge(salt);
    } else if (type === "p" && auth?.state === "challenged") {
      const answer = Buffer.from(message.buffer, message.byteOffset + 5, message.length - 6).toString("utf8");
      const expected = "md5" + md5(Buffer.concat([Buffer.from(md5(this.password + auth.user)), auth.salt]));
      if (answer === expected) {
        this.pending.delete(handlerId);
        this.authenticated.add(handlerId);
        reply = await this.run(auth.startup);
      } else {
        this.pending.set(handlerId, { state: "refused" });
        reply = fatal("28P01", `password authentication failed for user "${auth.user}"`);
      }
    } else {
      this.pending.set(handlerId, { state: "refused" });
      reply = fatal("28000", "the embedded racelab database asks for a password first");
    }
    item.onData(reply);
    item.resolve(reply.length);
    return true;
  }

  private async process(item: QueuedMessage): Promise<void> {
    const { handlerId, message } = item;
    const type = messageType(message);
    try {
      if (await this.authenticate(item, type)) return;
      if (this.copy && this.copy.handlerId === handlerId) {
        this.copy.parts.push(message);
        if (type === "d" || type === "H" || type === "S") return item.resolve(0);
        // CopyDone, CopyFail (or any other message, which makes the backend fail the copy): run it all at once.
        const all = concat(this.copy.parts);
        this.copy = null;
        const out = await this.run(all);
        const reply = dropFirstMessage(out, 0x47 /* G: PGlite's own CopyInResponse, already sent */);
        if (reply.length > 0) item.onData(reply);
        this.settleOwner(handlerId);
        return item.resolve(reply.length);
      }
      if (type === "X") {
        // Terminate ends a client, not the one backend all clients share; the socket close that follows releases its work.
        return item.resolve(0);
      }
      if (type === "Q" && isCopyFromStdin(message)) {
        this.copy = { handlerId, parts: [message] };
        this.owner = handlerId;
        item.onData(COPY_IN_RESPONSE);
        return item.resolve(COPY_IN_RESPONSE.length);
      }
      let bytes = 0;
      await this.db.runExclusive(() =>
        this.db.execProtocolRawStream(message, {
          onRawData: (data) => {
            bytes += data.length;
            item.onData(data);
          },
        }),
      );
      if (EXTENDED.has(type)) this.extendedOpen.add(handlerId);
      else if (type === "S" || type === "Q") this.extendedOpen.delete(handlerId);
      this.settleOwner(handlerId);
      item.resolve(bytes);
    } catch (err) {
      this.settleOwner(handlerId);
      item.reject(err);
    }
  }

  private async run(message: Uint8Array): Promise<Uint8Array> {
    const chunks: Uint8Array[] = [];
    await this.db.runExclusive(() => this.db.execProtocolRawStream(message, { onRawData: (d) => void chunks.push(d.slice()) }));
    return concat(chunks);
  }

  private settleOwner(handlerId: number): void {
    const holds = this.copy?.handlerId === handlerId || this.extendedOpen.has(handlerId) || this.db.isInTransaction();
    this.owner = holds ? handlerId : null;
  }
}

/** PGLiteSocketServer with racelab's ProtocolQueue in place of the library's queue. */
class RacelabSocketServer extends PGLiteSocketServer {
  constructor(db: PGlite, port: number, password: string) {
    super({ db, host: HOST, port, maxConnections: MAX_CONNECTIONS });
    const self = this as unknown as { queryQueue?: unknown };
    if (self.queryQueue === undefined) {
      throw new DomainError("INTERNAL", "@electric-sql/pglite-socket changed: PGLiteSocketServer has no queryQueue to replace");
    }
    self.queryQueue = new ProtocolQueue(db, password);
  }
}

// ---------------------------------------------------------------------------
// Ownership of a data directory between processes

function pidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === "EPERM";
  }
}

function readJson(file: string): unknown {
  try {
    return JSON.parse(fs.readFileSync(file, "utf8"));
  } catch {
    return null;
  }
}

function readServerInfo(file: string): ServerInfo | null {
  const v = readJson(file) as Partial<ServerInfo> | null;
  return v && typeof v.pid === "number" && typeof v.port === "number" ? { host: HOST, startedAt: "", ...v } as ServerInfo : null;
}

function readLockPid(file: string): number | null | "absent" {
  let text: string;
  try {
    text = fs.readFileSync(file, "utf8");
  } catch {
    return "absent";
  }
  const pid = Number.parseInt(text, 10);
  return Number.isInteger(pid) && pid > 0 ? pid : null; // null: being written
}

function canConnect(host: string, port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect({ host, port });
    const done = (ok: boolean) => {
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(2000, () => done(false));
    socket.once("connect", () => done(true));
    socket.once("error", () => done(false));
  });
}

/** Takes `lock` exclusively; false when another process holds it. */
function tryLock(lock: string): boolean {
  try {
    const fd = fs.openSync(lock, "wx");
    fs.writeSync(fd, String(process.pid));
    fs.closeSync(fd);
    return true;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === "EEXIST") return false;
    throw err;
  }
}

/** Removes the lock of dead process `pid`, never a lock taken meanwhile by a live one. */
function removeStaleLock(lock: string, pid: number): void {
  const aside = `${lock}.stale-${randomBytes(4).toString("hex")}`;
  try {
    fs.renameSync(lock, aside);
  } catch {
    return; // another process removed it first
  }
  if (readLockPid(aside) !== pid) {
    // We moved a fresh lock aside: put it back (link fails if yet another one exists).
    try {
      fs.linkSync(aside, lock);
    } catch {
      /* the newer lock wins */
    }
  }
  fs.rmSync(aside, { force: true });
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * The data folder's password: made once (32 random bytes), kept in
 * `<dataDir>/password`, readable by the folder's owner only.
 */
function dataPassword(dataDir: string): string {
  const file = path.join(dataDir, "password");
  try {
    const fd = fs.openSync(file, "wx", 0o600);
    fs.writeSync(fd, randomBytes(32).toString("base64url"));
    fs.closeSync(fd);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== "EEXIST") {
      throw new DomainError("DATABASE", `cannot write the embedded database's password file ${file}: ${(err as Error).message}`, { cause: err });
    }
  }
  for (let attempt = 0; ; attempt++) {
    const password = fs.readFileSync(file, "utf8").trim();
    if (password !== "" || attempt > 50) return password;
    // Another process created it a moment ago and is writing it.
    Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 10);
  }
}

interface Served {
  readonly pglite: PGlite;
  readonly server: PGLiteSocketServer;
  readonly port: number;
  readonly password: string;
  refs: number;
  closing: Promise<void> | null;
}

/** Servers this process owns, by absolute data dir. */
const owned = new Map<string, Promise<Served>>();

async function startServer(dataDir: string, password: string): Promise<Served> {
  const pgdata = path.join(dataDir, "pgdata");
  fs.mkdirSync(pgdata, { recursive: true, mode: 0o700 });
  let pglite: PGlite;
  try {
    pglite = await PGlite.create(pgdata);
  } catch (err) {
    throw new DomainError("DATABASE", `cannot open the embedded database in ${pgdata}: ${(err as Error).message}`, { cause: err });
  }
  const server = new RacelabSocketServer(pglite, 0, password);
  await server.start();
  // Serving never keeps a process alive by itself: its own work (a command, an HTTP server) does.
  (server as unknown as { server?: net.Server | null }).server?.unref();
  const port = Number(server.getServerConn().split(":").pop());
  const info: ServerInfo = { pid: process.pid, port, host: HOST, startedAt: new Date().toISOString() };
  const tmp = path.join(dataDir, `server.json.${process.pid}`);
  fs.writeFileSync(tmp, JSON.stringify(info) + "\n", { mode: 0o600 });
  fs.renameSync(tmp, path.join(dataDir, "server.json"));
  return { pglite, server, port, password, refs: 0, closing: null };
}

/** How long an owner that is done waits for other processes still connected to it. */
const DRAIN_TIMEOUT_MS = 30_000;

async function stopServer(dataDir: string, served: Served): Promise<void> {
  const infoFile = path.join(dataDir, "server.json");
  // No newcomers from now on (they wait for the lock), but let the processes
  // already connected finish their work: their own connections close when they
  // are done. Whoever is still connected after the grace time re-attaches
  // (connection.ts), to the next owner.
  if (readServerInfo(infoFile)?.pid === process.pid) fs.rmSync(infoFile, { force: true });
  const deadline = Date.now() + DRAIN_TIMEOUT_MS;
  while (served.server.getStats().activeConnections > 0 && Date.now() < deadline) await sleep(50);
  await served.server.stop();
  await served.pglite.close();
  fs.rmSync(path.join(dataDir, "server.lock"), { force: true });
}

/**
 * Makes the embedded database of `dataDir` reachable on a local port: starts
 * it in this process, or finds the racelab process that already serves it.
 */
export async function attachEmbedded(dataDirInput: string): Promise<EmbeddedHandle> {
  const dataDir = path.resolve(dataDirInput);
  let password: string;
  try {
    fs.mkdirSync(dataDir, { recursive: true, mode: 0o700 });
    // A folder made before passwords (or by hand) is closed to other users too.
    if (process.platform !== "win32" && (fs.statSync(dataDir).mode & 0o077) !== 0 && fs.statSync(dataDir).uid === process.getuid?.()) fs.chmodSync(dataDir, 0o700);
    password = dataPassword(dataDir);
  } catch (err) {
    if (err instanceof DomainError) throw err;
    throw new DomainError("DATABASE", `cannot create the data directory ${dataDir}: ${(err as Error).message}`, { cause: err });
  }
  const infoFile = path.join(dataDir, "server.json");
  const lockFile = path.join(dataDir, "server.lock");
  const deadline = Date.now() + ATTACH_TIMEOUT_MS;

  for (;;) {
    const mine = owned.get(dataDir);
    if (mine) {
      const served = await mine;
      if (!served.closing) {
        served.refs += 1;
        return ownerHandle(dataDir, served);
      }
      await served.closing;
      continue;
    }
    const info = readServerInfo(infoFile);
    if (info && info.pid !== process.pid && pidAlive(info.pid) && (await canConnect(info.host, info.port))) {
      return { host: info.host, port: info.port, password, owner: false, dataDir, release: async () => {} };
    }
    if (tryLock(lockFile)) {
      const starting = startServer(dataDir, password);
      owned.set(dataDir, starting);
      try {
        const served = await starting;
        served.refs += 1;
        return ownerHandle(dataDir, served);
      } catch (err) {
        owned.delete(dataDir);
        fs.rmSync(lockFile, { force: true });
        throw err;
      }
    }
    const holder = readLockPid(lockFile);
    if (typeof holder === "number" && !pidAlive(holder)) {
      if (info?.pid === holder) fs.rmSync(infoFile, { force: true });
      removeStaleLock(lockFile, holder);
      continue;
    }
    if (Date.now() > deadline) {
      throw new DomainError(
        "DATABASE",
        `embedded database ${dataDir} is locked by process ${String(holder)} but does not answer; ` +
          `if no racelab process is running, remove ${lockFile}`,
      );
    }
    await sleep(100);
  }
}

function ownerHandle(dataDir: string, served: Served): EmbeddedHandle {
  let released = false;
  return {
    host: HOST,
    port: served.port,
    password: served.password,
    owner: true,
    dataDir,
    release: async () => {
      if (released) return;
      released = true;
      served.refs -= 1;
      if (served.refs > 0) return;
      served.closing = stopServer(dataDir, served).finally(() => owned.delete(dataDir));
      await served.closing;
    },
  };
}
