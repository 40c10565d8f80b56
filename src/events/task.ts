/**
 * A task as people read it (DOMAIN.md §6.1). A task the log names is
 * `comm-pid`. A per-CPU task without a pid of its own has a negative actor
 * pid −(1+N): the unknown task of a function_graph CPU that shows no
 * context-switch block (comm `cpuN`), or the CPU's idle task (printed pid 0).
 */
export function taskName(pid: number, comm: string | null): string {
  if (pid >= 0) return `${comm ?? "?"}-${pid}`;
  const cpu = -pid - 1;
  return comm === null || comm === `cpu${cpu}` ? `cpu${cpu} (unknown task)` : `${comm} (cpu ${cpu})`;
}

/** True for the unknown task of a CPU (pid −(1+N), comm `cpuN` or none). */
export function isUnknownTask(pid: number, comm: string | null): boolean {
  return pid < 0 && (comm === null || comm === `cpu${-pid - 1}`);
}

/** The kernel's idle task of a CPU (`swapper/N`, printed with pid 0): never a btrfs actor. */
export function isIdleTask(comm: string | null): boolean {
  return comm !== null && /^swapper(\/\d+)?$/.test(comm);
}
