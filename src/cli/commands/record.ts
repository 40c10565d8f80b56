/**
 * `racelab record [--kernel 6.1] [--workload W|all]`: prints the recording
 * kit, a POSIX shell script to run as root on the kernel whose btrfs is to be
 * recorded (src/record/script.ts). Opens nothing.
 */
import { DomainError } from "../../errors.ts";
import { KERNELS, recordScript, type Kernel } from "../../record/script.ts";
import { WORKLOADS, type Workload } from "../../record/workloads.ts";
import { parseCommandArgs, write, type OptionSpecs, type StorelessContext } from "../command.ts";

export const name = "record";
export const summary = "print the recording kit: a shell script that records btrfs with every event bound";
export const usage = "racelab record [--kernel 6.1] [--workload balance|trim|scrub|commit|all] > record.sh";
export const needsStore = false;
export const options: OptionSpecs = {
  kernel: { type: "string", value: "V", description: `kernel the kit is for: ${KERNELS.join(", ")} (default 6.1)` },
  workload: { type: "string", value: "W", description: `${WORKLOADS.join(", ")} or all (default all): which races' kprobes` },
};
export const help = `${usage}

${summary}.
Then, as root on that machine: sh record.sh start; <your workload>; sh record.sh stop DIR NAME
(or sh record.sh run DIR NAME -- COMMAND). It sets up the btrfs tracepoints, set_ftrace_filter,
buffer_size_kb, trace_clock and kprobe_events whose arguments name the block group, chunk or
device range 6.1's tracepoints leave out, with offsets read from the kernel's BTF; stop writes
DIR/NAME.trace and DIR/NAME.stats and fails if the ring buffer lost anything.
Import with racelab import DIR/NAME.trace, then racelab check. See docs/kernel-engineers.md.

Options:
  --kernel V     ${KERNELS.join(", ")} (default 6.1)
  --workload W   ${WORKLOADS.join(", ")} or all (default all)
`;

function oneOf<T extends string>(flag: string, v: unknown, allowed: readonly T[], fallback: T): T {
  if (v === undefined) return fallback;
  if (typeof v === "string" && (allowed as readonly string[]).includes(v)) return v as T;
  throw new DomainError("BAD_USER_INPUT", `record: ${flag}: expected ${allowed.join(", ")}, got ${JSON.stringify(v)}`);
}

/** Checks the flags and their values. */
export function parse(argv: readonly string[]): { kernel: Kernel; workload: Workload | "all" } {
  const { values } = parseCommandArgs(name, argv, options);
  return {
    kernel: oneOf<Kernel>("--kernel", values.kernel, KERNELS, "6.1"),
    workload: oneOf<Workload | "all">("--workload", values.workload, [...WORKLOADS, "all"], "all"),
  };
}

export async function run(argv: readonly string[], ctx: StorelessContext): Promise<number> {
  const { kernel, workload } = parse(argv);
  await write(ctx.stdout, recordScript({ kernel, workload }));
  return 0;
}
