/**
 * Workloads that keep a job busy for long: `actors` tasks each setting one
 * block group read-only and back, `rounds` times. Every step of every task
 * touches the same block group, so no step commutes with another's and the
 * explorer visits (2·rounds + 1)^actors states — 8 tasks of 2 rounds: 390,625.
 */
export function contendedScenario(actors: number, rounds: number): string {
  const lines = ["let X = 0x1000000"];
  for (let a = 0; a < actors; a++) lines.push(`actor T${a} pid=${100 + a} comm=t${a} role=balance`);
  for (let r = 0; r < rounds; r++) {
    for (let a = 0; a < actors; a++) lines.push(`T${a} set_ro bytenr=X`, `T${a} clear_ro bytenr=X`);
  }
  return `${lines.join("\n")}\n`;
}
