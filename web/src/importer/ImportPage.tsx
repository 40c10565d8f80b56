/**
 * Import an ftrace log: drop a file on the zone (or choose one with the
 * keyboard), watch the upload's progress, then the import report with a link
 * to the new trace's timeline. Uses POST /upload (see api.ts).
 */
import { useRef, useState, type DragEvent } from "react";
import type { LineBuckets, LineCounts } from "../../../src/ftrace/report.ts";
import { uploadLog, type UploadProgress, type UploadResult } from "../api.ts";

type Status =
  | { kind: "idle" }
  | { kind: "uploading"; file: File; progress: UploadProgress }
  | { kind: "done"; file: File; result: UploadResult; href: string }
  | { kind: "failed"; file: File; message: string };

function bytes(n: number): string {
  if (n < 1024) return `${n} B`;
  if (n < 1024 * 1024) return `${(n / 1024).toFixed(1)} KiB`;
  return `${(n / 1024 / 1024).toFixed(1)} MiB`;
}

function unmappedList(u: UploadResult["unmapped"]): { name: string; count: number }[] {
  return Array.isArray(u) ? [...u] : Object.entries(u).map(([name, count]) => ({ name, count: count as number }));
}

const BUCKETS = ["events", "context", "noise"] as const;

/**
 * What the file's lines were: a log that comes back clean is often mostly
 * lines that make no event (`btrfs_space_reservation` noise), and this says so.
 */
function LineBucketsReport(props: { buckets: LineBuckets }) {
  const b = props.buckets;
  const names = Object.entries(b.byName);
  const counts = (c: LineCounts) =>
    BUCKETS.filter((k) => c[k] > 0)
      .map((k) => `${c[k]} ${k === "events" ? "made events" : k}`)
      .join(", ");
  return (
    <details data-testid="line-buckets">
      <summary>Lines: {counts(b) || "none"}</summary>
      <ul>
        {names.map(([name, c]) => (
          <li key={name}>
            <code>{name}</code>: {counts(c)}
          </li>
        ))}
      </ul>
    </details>
  );
}

export function ImportPage(props: { onImported: (traceName: string) => string }) {
  const [status, setStatus] = useState<Status>({ kind: "idle" });
  const [dragging, setDragging] = useState(false);
  const [name, setName] = useState("");
  const [format, setFormat] = useState("auto");
  const [skipInvalid, setSkipInvalid] = useState(false);
  const input = useRef<HTMLInputElement>(null);
  const abort = useRef<AbortController | null>(null);

  const start = (file: File) => {
    if (status.kind === "uploading") return;
    const ctl = new AbortController();
    abort.current = ctl;
    setStatus({ kind: "uploading", file, progress: { phase: "sending", loaded: 0, total: file.size } });
    uploadLog(file, {
      name: name.trim() || undefined,
      format: format === "auto" ? undefined : format,
      skipInvalid,
      signal: ctl.signal,
      onProgress: (progress) => setStatus({ kind: "uploading", file, progress }),
    }).then(
      (result) => setStatus({ kind: "done", file, result, href: props.onImported(result.trace.name) }),
      (err: unknown) => setStatus({ kind: "failed", file, message: (err as Error).message }),
    );
  };

  const onDrop = (e: DragEvent<HTMLDivElement>) => {
    e.preventDefault();
    setDragging(false);
    const files = e.dataTransfer.files;
    if (files.length !== 1) {
      setStatus({ kind: "failed", file: files[0] ?? new File([], "(none)"), message: files.length === 0 ? "drop a file (not text or a link)" : "drop one log at a time" });
      return;
    }
    start(files[0]!);
  };

  const pct = status.kind === "uploading" && status.progress.total > 0 ? Math.round((100 * status.progress.loaded) / status.progress.total) : 0;

  return (
    <section className="import-page" aria-labelledby="import-title">
      <h1 id="import-title">Import an ftrace log</h1>
      <p>
        A log as <code>cat /sys/kernel/tracing/trace</code> prints it (function, function_graph or nop tracer with btrfs tracepoints), a{" "}
        <code>trace-cmd report</code>, or racelab JSON lines. It is stored as a new trace; the same content imported twice is found, not stored again.
      </p>
      <div className="import-options">
        <div className="field">
          <label htmlFor="import-name">Trace name (optional)</label>
          <input id="import-name" type="text" value={name} onChange={(e) => setName(e.target.value)} placeholder="from the file name" />
        </div>
        <div className="field">
          <label htmlFor="import-format">Format</label>
          <select id="import-format" value={format} onChange={(e) => setFormat(e.target.value)}>
            <option value="auto">detect</option>
            <option value="ftrace">ftrace</option>
            <option value="trace-cmd">trace-cmd report</option>
            <option value="jsonl">racelab JSON lines</option>
          </select>
        </div>
        <label className="check">
          <input type="checkbox" checked={skipInvalid} onChange={(e) => setSkipInvalid(e.target.checked)} /> skip invalid lines (they are listed)
        </label>
      </div>
      <div
        className={`drop-zone${dragging ? " dragging" : ""}`}
        data-testid="drop-zone"
        onDragEnter={(e) => {
          e.preventDefault();
          setDragging(true);
        }}
        onDragOver={(e) => {
          e.preventDefault();
          e.dataTransfer.dropEffect = "copy";
        }}
        onDragLeave={() => setDragging(false)}
        onDrop={onDrop}
      >
        <p className="drop-text">
          <span aria-hidden="true">⇩ </span>
          {dragging ? "Drop the log to import it" : "Drag and drop a log file here"}
        </p>
        <p>or</p>
        <button type="button" onClick={() => input.current?.click()} disabled={status.kind === "uploading"}>
          Choose a file…
        </button>
        <input
          ref={input}
          id="import-file"
          className="visually-hidden"
          type="file"
          aria-label="Log file to import"
          tabIndex={-1}
          onChange={(e) => {
            const f = e.target.files?.[0];
            if (f) start(f);
            e.target.value = "";
          }}
        />
      </div>

      <div className="import-status" role="status" aria-live="polite" data-testid="import-status">
        {status.kind === "uploading" ? (
          <>
            <label htmlFor="upload-progress">
              {status.progress.phase === "sending"
                ? `Uploading ${status.file.name}: ${bytes(status.progress.loaded)} of ${bytes(status.progress.total)} (${pct}%)`
                : `Uploaded ${status.file.name} (${bytes(status.file.size)}); importing…`}
            </label>
            <progress id="upload-progress" max={100} value={status.progress.phase === "sending" ? pct : undefined} data-testid="upload-progress" />
            <button type="button" onClick={() => abort.current?.abort()}>
              Cancel
            </button>
          </>
        ) : status.kind === "done" ? (
          <div className="import-done" data-testid="import-done">
            <p>
              <span aria-hidden="true">✔ </span>
              {status.result.duplicate ? "Already imported: " : "Imported "}
              <strong>{status.result.trace.name}</strong> from {status.file.name}: {status.result.events} events from {status.result.lines} lines.
            </p>
            {status.result.lineBuckets ? <LineBucketsReport buckets={status.result.lineBuckets} /> : null}
            {status.result.skipped.length > 0 ? <p>Skipped invalid lines: {status.result.skipped.slice(0, 20).join(", ")}{status.result.skipped.length > 20 ? ", …" : ""}</p> : null}
            {unmappedList(status.result.unmapped).length > 0 ? (
              <details>
                <summary>Lines that map to no event ({unmappedList(status.result.unmapped).reduce((a, b) => a + b.count, 0)})</summary>
                <ul>
                  {unmappedList(status.result.unmapped).map((u) => (
                    <li key={u.name}>
                      <code>{u.name}</code>: {u.count}
                    </li>
                  ))}
                </ul>
              </details>
            ) : null}
            <p>
              <a className="button" href={status.href}>
                Open its timeline <span aria-hidden="true">→</span>
              </a>
            </p>
          </div>
        ) : status.kind === "failed" ? (
          <p className="error" role="alert">
            <span aria-hidden="true">✖ </span>Import of {status.file.name} failed: {status.message}
          </p>
        ) : null}
      </div>
    </section>
  );
}
