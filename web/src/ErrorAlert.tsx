import type { ReactNode } from "react";

/** An error shown to the user: read out at once (role="alert"), its cross hidden from screen readers. */
export function ErrorAlert(props: { readonly children: ReactNode; readonly id?: string }) {
  return (
    <p id={props.id} role="alert" className="error">
      <span aria-hidden="true">✖ </span>
      {props.children}
    </p>
  );
}
