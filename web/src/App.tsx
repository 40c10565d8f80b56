/**
 * racelab's classroom page: the timeline of a trace (state at the cursor,
 * rules switch, diff), the import of an ftrace log, and the exercises.
 * Routes live in the URL hash: #/timeline/<trace>?rules=…&at=…, #/import,
 * #/exercises[/<id>], #/gradebook.
 */
import { useCallback, useEffect, useState } from "react";
import { gql, setToken } from "./api.ts";
import { useLoad, useRoute, routeHref } from "./hooks.ts";
import { REFERENCE, VIEWER } from "./queries.ts";
import type { Reference, ViewerInfo } from "./types.ts";
import { TimelinePage } from "./timeline/TimelinePage.tsx";
import { ImportPage } from "./importer/ImportPage.tsx";
import { ExercisesPage } from "./exercises/ExercisesPage.tsx";
import { SignIn } from "./exercises/SignIn.tsx";
import { ErrorAlert } from "./ErrorAlert.tsx";

const TOKEN_KEY = "racelab.token";

export function App() {
  const [route, navigate] = useRoute();
  const reference = useLoad<Reference>("reference", (signal) => gql(REFERENCE, {}, signal));
  const [viewer, setViewer] = useState<ViewerInfo | null>(null);
  const [signInError, setSignInError] = useState<string | null>(null);
  const [tracesVersion, setTracesVersion] = useState(0);

  const signIn = useCallback(async (token: string): Promise<boolean> => {
    setToken(token);
    try {
      const data = await gql(VIEWER, {});
      if (!data.viewer) throw new Error("this token belongs to no user");
      setViewer(data.viewer);
      setSignInError(null);
      sessionStorage.setItem(TOKEN_KEY, token);
      return true;
    } catch (err) {
      setToken(null);
      setViewer(null);
      sessionStorage.removeItem(TOKEN_KEY);
      setSignInError(`Sign-in failed: ${(err as Error).message}`);
      return false;
    }
  }, []);

  const signOut = useCallback(() => {
    setToken(null);
    setViewer(null);
    sessionStorage.removeItem(TOKEN_KEY);
  }, []);

  useEffect(() => {
    const saved = sessionStorage.getItem(TOKEN_KEY);
    if (saved) void signIn(saved);
  }, [signIn]);

  const section = route.parts[0] ?? "timeline";
  const tabs: { id: string; label: string; href: string }[] = [
    { id: "timeline", label: "Timeline", href: "#/timeline" },
    { id: "import", label: "Import a log", href: "#/import" },
    { id: "exercises", label: "Exercises", href: "#/exercises" },
  ];
  if (viewer?.role === "INSTRUCTOR") tabs.push({ id: "gradebook", label: "Gradebook", href: "#/gradebook" });

  return (
    <>
      <a className="skip-link" href="#main">
        Skip to content
      </a>
      <header className="app-header">
        <div className="brand">
          <span aria-hidden="true">↯</span> racelab <span className="brand-sub">btrfs races, step by step</span>
        </div>
        <nav aria-label="Sections">
          <ul className="tabs">
            {tabs.map((t) => (
              <li key={t.id}>
                <a href={t.href} aria-current={section === t.id ? "page" : undefined} className={section === t.id ? "tab current" : "tab"}>
                  {t.label}
                </a>
              </li>
            ))}
          </ul>
        </nav>
        <SignIn viewer={viewer} error={signInError} onSignIn={signIn} onSignOut={signOut} />
      </header>
      <main id="main" tabIndex={-1}>
        {reference.error ? (
          <ErrorAlert>Cannot load racelab's reference data: {reference.error}</ErrorAlert>
        ) : null}
        {section === "import" ? (
          <ImportPage
            onImported={(trace) => {
              setTracesVersion((v) => v + 1);
              return routeHref(["timeline", trace]);
            }}
          />
        ) : section === "exercises" || section === "gradebook" ? (
          <ExercisesPage route={route} navigate={navigate} viewer={viewer} reference={reference.data} />
        ) : (
          <TimelinePage route={route} navigate={navigate} reference={reference.data} tracesVersion={tracesVersion} />
        )}
      </main>
    </>
  );
}
