/** The rule set the trace is replayed under: unpatched, patched (every fix), or one fix. */
import type { Fix } from "../types.ts";

export function rulesLabel(rules: string): string {
  return rules === "unpatched" ? "unpatched (2015 kernel)" : rules === "patched" ? "patched (all four fixes)" : `only fix ${rules}`;
}

export function RulesSwitch(props: { value: string; fixes: readonly Fix[]; onChange: (rules: string) => void }) {
  const options = [
    { id: "unpatched", label: "Unpatched", title: "the kernel before the 2015 fixes" },
    { id: "patched", label: "Patched", title: "all four fixes" },
    ...props.fixes.map((f) => ({ id: f.id, label: f.id, title: f.title })),
  ];
  return (
    <fieldset className="rules-switch">
      <legend>Rules</legend>
      <div className="rules-options">
        {options.map((o) => (
          <label key={o.id} className={props.value === o.id ? "rule checked" : "rule"} title={o.title}>
            <input type="radio" name="rules" value={o.id} checked={props.value === o.id} onChange={() => props.onChange(o.id)} />
            <span className="rule-name">{o.label}</span>
            <span className="rule-title">{o.title}</span>
          </label>
        ))}
      </div>
    </fieldset>
  );
}
