/** Sign in with a bearer token (from `racelab user add`); the token stays in this tab's session storage. */
import { useState, type FormEvent } from "react";
import type { ViewerInfo } from "../types.ts";
import { ErrorAlert } from "../ErrorAlert.tsx";

export function SignIn(props: { viewer: ViewerInfo | null; error: string | null; onSignIn: (token: string) => Promise<boolean>; onSignOut: () => void }) {
  const [token, setToken] = useState("");
  const [busy, setBusy] = useState(false);
  if (props.viewer) {
    const v = props.viewer;
    return (
      <div className="signin" data-testid="signed-in">
        <span>
          
          {v.name} · {v.role === "INSTRUCTOR" ? "instructor" : "student"} · {v.course.title ?? v.course.name}
        </span>
        <button type="button" onClick={props.onSignOut}>
          Sign out
        </button>
      </div>
    );
  }
  const submit = async (e: FormEvent) => {
    e.preventDefault();
    if (!token.trim()) return;
    setBusy(true);
    const ok = await props.onSignIn(token.trim());
    setBusy(false);
    if (ok) setToken("");
  };
  return (
    <form className="signin" onSubmit={submit} aria-label="Sign in">
      <label htmlFor="token-input">Token</label>
      <input
        id="token-input"
        type="password"
        autoComplete="off"
        spellCheck={false}
        value={token}
        onChange={(e) => setToken(e.target.value)}
        placeholder="rl_… from racelab user add"
        aria-describedby={props.error ? "signin-error" : undefined}
      />
      <button type="submit" disabled={busy || !token.trim()}>
        {busy ? "Signing in…" : "Sign in"}
      </button>
      {props.error ? (
        <ErrorAlert id="signin-error">{props.error}</ErrorAlert>
      ) : null}
    </form>
  );
}
