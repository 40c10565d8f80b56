/** The replay's verdict in words and an icon (never colour alone), and how the rules switch changed it. */
import type { CheckResult, Verdict } from "../types.ts";
import { rulesLabel } from "./RulesSwitch.tsx";

export const VERDICT_ICON: Record<Verdict, string> = { BUG: "✖", CLEAN: "✔", UNDECIDABLE: "?" };
const VERDICT_WORD: Record<Verdict, string> = { BUG: "Bug", CLEAN: "Clean", UNDECIDABLE: "Undecidable" };

export function verdictText(c: CheckResult): string {
  const f = c.findings[0];
  switch (c.verdict) {
    case "BUG":
      return f ? `${VERDICT_WORD.BUG}: ${f.effect} at step #${f.seq}` : VERDICT_WORD.BUG;
    case "CLEAN":
      return `${VERDICT_WORD.CLEAN}: no finding`;
    case "UNDECIDABLE":
      return `${VERDICT_WORD.UNDECIDABLE}: ${c.undecided[0]?.why ?? "the trace does not say enough"}`;
  }
}

export function VerdictBanner(props: {
  rules: string;
  check: CheckResult | null;
  error: string | null;
  loading: boolean;
  previous: { rules: string; check: CheckResult } | null;
  onJump: (seq: number) => void;
}) {
  const { check, previous } = props;
  if (props.error) {
    return (
      <p role="alert" className="error">
        <span aria-hidden="true">✖ </span>The replay failed: {props.error}
      </p>
    );
  }
  if (!check) return <p className="verdict verdict-loading" aria-busy="true">Replaying under {rulesLabel(props.rules)}…</p>;
  const f = check.findings[0];
  const changed = previous && previous.check.verdict !== check.verdict;
  return (
    <section className={`verdict verdict-${check.verdict.toLowerCase()}`} aria-labelledby="verdict-text" data-testid="verdict" data-verdict={check.verdict}>
      <p className="verdict-line" role="status" aria-live="polite">
        <span className="verdict-icon" aria-hidden="true">
          {VERDICT_ICON[check.verdict]}
        </span>{" "}
        <strong id="verdict-text">{verdictText(check)}</strong> <span className="muted">under {rulesLabel(props.rules)}</span>
        {props.loading ? <span className="muted"> (replaying…)</span> : null}
      </p>
      {f ? (
        <p className="finding-message">
          {f.race ? <>Race <code>{f.race}</code>: </> : null}
          {f.message}{" "}
          <button type="button" className="link" onClick={() => props.onJump(f.seq)}>
            show step #{f.seq}
          </button>
        </p>
      ) : null}
      {check.reordered.length > 0 ? (
        <p className="reorder-note">
          <span aria-hidden="true">‖ </span>
          {check.reordered.length} event{check.reordered.length === 1 ? "" : "s"} waited under these rules:{" "}
          {[...new Set(check.reordered.map((r) => r.waitedFor))].join("; ")}.
        </p>
      ) : null}
      {check.deferredAtEnd.length > 0 ? (
        <p className="reorder-note">Still waiting at the end: pid {check.deferredAtEnd.join(", ")}.</p>
      ) : null}
      {previous ? (
        <p className="verdict-change" data-testid="verdict-change">
          {changed ? "Changed: " : "Unchanged: "}
          under {rulesLabel(previous.rules)} it was <span aria-hidden="true">{VERDICT_ICON[previous.check.verdict]} </span>
          {verdictText(previous.check)}.
        </p>
      ) : null}
      {check.warnings.length > 0 ? (
        <details className="warnings">
          <summary>
            <span aria-hidden="true">⚠ </span>
            {check.warnings.length} replay warning{check.warnings.length === 1 ? "" : "s"}
          </summary>
          <ul>
            {check.warnings.slice(0, 200).map((w, i) => (
              <li key={i}>{w}</li>
            ))}
          </ul>
        </details>
      ) : null}
      {check.gaps.length > 0 ? (
        <p className="muted">
          <span aria-hidden="true">⚠ </span>The log has gaps (lost events) at line{check.gaps.length === 1 ? "" : "s"} {check.gaps.slice(0, 10).join(", ")}
          {check.gaps.length > 10 ? ", …" : ""}: a gap can hide a race.
        </p>
      ) : null}
    </section>
  );
}
