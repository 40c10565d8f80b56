/**
 * The recording kit (`racelab record`), pure: options in, a POSIX shell
 * script out. The script sets tracefs up for a live kernel (tracepoints,
 * `set_ftrace_filter`, `buffer_size_kb`, `trace_clock`, `kprobe_events`
 * whose fetch arguments it computes from the kernel's BTF), starts and
 * stops tracing, and collects `trace` with the per-CPU `stats` and
 * `kprobe_profile`, failing when anything was lost. What it probes is data
 * (`kernel-6.1.ts`); how its lines become events is data too
 * (`seeds/ftrace-map.json`).
 */
import { BPFTOOL_AWK, BTF_SHELL, RAW_AWK } from "./btf.ts";
import { sh } from "./sh.ts";
import { FUNCTIONS_6_1, KPROBES_6_1, TRACEPOINTS_6_1, UNBOUND_6_1, type Fetch, type KprobeSpec } from "./kernel-6.1.ts";
import { WORKLOAD_RACES, WORKLOADS, type Workload } from "./workloads.ts";

export const KERNELS = ["6.1"] as const;
export type Kernel = (typeof KERNELS)[number];

export interface RecordOptions {
  readonly kernel: Kernel;
  /** One workload, or every one. */
  readonly workload: Workload | "all";
}

/** The kit's probes and functions for a workload (a probe for "all" workloads is in each). */
export function kitFor(workload: Workload | "all"): { kprobes: KprobeSpec[]; functions: string[]; tracepoints: string[] } {
  const has = (ws: readonly Workload[] | "all") => ws === "all" || workload === "all" || ws.includes(workload);
  return {
    kprobes: KPROBES_6_1.filter((k) => has(k.workloads)),
    functions: FUNCTIONS_6_1.filter((f) => has(f.workloads)).map((f) => f.name),
    tracepoints: [...TRACEPOINTS_6_1],
  };
}

const KIT_GROUP = "racelab";

/**
 * A return probe replaces its function's return address while the call runs,
 * so an entry probe of the same function reads the trampoline as its caller:
 * the table must not ask for both.
 */
function checkCallerFilters(kprobes: readonly KprobeSpec[]): void {
  for (const k of kprobes) {
    if (k.caller && kprobes.some((r) => r.at === "return" && r.symbol === k.symbol)) {
      throw new Error(`${k.event}: a caller filter on ${k.symbol}, which has a return probe`);
    }
  }
}

export function recordScript(opts: RecordOptions): string {
  const { kprobes, functions, tracepoints } = kitFor(opts.workload);
  checkCallerFilters(kprobes);
  const workloads = opts.workload === "all" ? [...WORKLOADS] : [opts.workload];
  const want = btfWanted(kprobes);
  return [
    header(opts, workloads),
    "set -eu",
    "",
    'T=${RACELAB_TRACEFS:-/sys/kernel/tracing}',
    'BTF=${RACELAB_BTF:-/sys/kernel/btf}',
    'BTF_READER=${RACELAB_BTF_READER:-auto}',
    'BUF_KB=${RACELAB_BUFFER_KB:-65536}',
    'CLOCK=${RACELAB_TRACE_CLOCK:-global}',
    'KALLSYMS=${RACELAB_KALLSYMS:-/proc/kallsyms}',
    `GROUP=${KIT_GROUP}`,
    `TRACEPOINTS="${tracepoints.join(" ")}"`,
    `FUNCTIONS="${functions.join(" ")}"`,
    `KPROBES="${kprobes.map((k) => k.event).join(" ")}"`,
    `BTF_WANT="${want.join(" ")}"`,
    "",
    'die() { echo "racelab-record: $*" >&2; exit 1; }',
    "",
    `BPFTOOL_AWK='${BPFTOOL_AWK}'`,
    `RAW_AWK='${RAW_AWK}'`,
    BTF_SHELL.trim(),
    "",
    definitions(kprobes),
    filters(kprobes),
    BODY.trim(),
    "",
  ].join("\n");
}

function header(opts: RecordOptions, workloads: readonly Workload[]): string {
  const lines = [
    "#!/bin/sh",
    `# racelab recording kit: Linux ${opts.kernel} btrfs, workload ${opts.workload}.`,
    `# Made by \`racelab record --kernel ${opts.kernel} --workload ${opts.workload}\`; racelab's mapping table`,
    "# (seeds/ftrace-map.json) turns its lines into events: `racelab import`, then `racelab check`.",
    "#",
    "# As root, on the machine whose btrfs you record (btrfs loaded):",
    "#   sh THIS start                       set tracefs and the kprobes up, tracing on",
    "#   sh THIS stop DIR [NAME]             tracing off; writes DIR/NAME.trace and DIR/NAME.stats, then",
    "#                                       fails if a ring buffer overran or dropped events or a kprobe missed",
    "#   sh THIS run DIR NAME -- CMD [ARG]…  start, run CMD, stop",
    "#   sh THIS probes                      print the kprobe definitions for this kernel (reads BTF only)",
    "#   sh THIS clean                       tracing off, the racelab kprobes removed",
    "# Environment: RACELAB_TRACEFS (/sys/kernel/tracing), RACELAB_BTF (/sys/kernel/btf),",
    "#   RACELAB_BUFFER_KB (per-CPU ring buffer, 65536), RACELAB_TRACE_CLOCK (global),",
    "#   RACELAB_BTF_READER=raw (read BTF with od/awk even when bpftool is installed), RACELAB_KALLSYMS",
    "#   (/proc/kallsyms: where a caller filter reads a function's address range).",
    "# Structure offsets and parameter positions come from the kernel's BTF when the kprobes are",
    "# placed (bpftool if installed, else the od/awk reader below); a missing one stops the script.",
    "#",
    "# Races this recording is for:",
    ...workloads.map((w) => `#   ${WORKLOAD_RACES[w]}`),
    "# What Linux 6.1 does not let the kit record:",
    ...UNBOUND_6_1.map((u) => `#   ${u}`),
    "",
  ];
  return lines.join("\n");
}

/** Names the BTF readers must find: structs, members, functions, parameters. */
function btfWanted(kprobes: readonly KprobeSpec[]): string[] {
  const names = new Set<string>();
  const walk = (f: Fetch, fn: string) => {
    if ("param" in f) names.add(fn).add(f.param);
    else if ("struct" in f) {
      names.add(f.struct).add(f.member);
      walk(f.of, fn);
    }
  };
  for (const k of kprobes) for (const a of k.args) walk(a.from, k.symbol);
  return [...names].sort();
}

/**
 * `kprobe_definitions`: one shell block per probe that looks its offsets
 * and parameter positions up (a failed lookup stops the script: an
 * assignment from a failing command substitution fails under `set -e`)
 * and prints its `kprobe_events` line.
 */
function definitions(kprobes: readonly KprobeSpec[]): string {
  const out = ["kprobe_definitions() {", '  FACTS=$(btf_facts)', '  [ -n "$FACTS" ] || die "BTF: none of the names the kprobes need were found"'];
  for (const k of kprobes) {
    out.push(`  # ${k.event}: ${k.why}`);
    const vars: string[] = [];
    const expr = (f: Fetch): string => {
      if ("retval" in f) return "$retval";
      if ("param" in f) {
        const v = `a${vars.length}`;
        vars.push(`  ${v}=$(param_index ${k.symbol} ${f.param} ${k.event})`);
        return `\\$arg\${${v}}`;
      }
      const inner = expr(f.of);
      const v = `o${vars.length}`;
      vars.push(`  ${v}=$(member_offset ${f.struct} ${f.member} ${k.event})`);
      return `+\${${v}}(${inner})`;
    };
    const args = k.args.map((a) => `${a.name}=${expr(a.from).replace("$retval", "\\$retval")}:${a.type}`);
    // The return address at entry: what a caller filter compares (a return probe has __probe_ret_ip).
    if (k.caller && k.at === "entry") args.push("caller=\\$stack0:x64");
    out.push(...vars);
    out.push(`  echo "${k.at === "entry" ? "p" : "r"}:$GROUP/${k.event} ${k.symbol} ${args.join(" ")}"`);
  }
  out.push("}", "");
  return out.join("\n");
}

/**
 * `kprobe_filters`: the event filters, as `event<TAB>filter` lines; a caller
 * filter compares the caller's address with the function's range in kallsyms.
 */
function filters(kprobes: readonly KprobeSpec[]): string {
  const rows: string[] = [];
  const ranges = new Set<string>();
  for (const k of kprobes) {
    const parts: string[] = [];
    if (k.caller) {
      const field = k.at === "entry" ? "caller" : "__probe_ret_ip";
      const v = `range_${k.caller.fn}`;
      if (!ranges.has(v)) {
        ranges.add(v);
        rows.push(`  ${v}=$(sym_range ${k.caller.fn} ${k.event}) || exit 1`);
      }
      rows.push(`  set -- $${v}`);
      parts.push(k.caller.outside ? `(${field} < 0x$1 || ${field} >= 0x$2)` : `${field} >= 0x$1 && ${field} < 0x$2`);
    }
    if (parts.length > 0) rows.push(`  printf '%s\\t%s\\n' ${k.event} "${parts.join(" && ")}"`);
  }
  return ["kprobe_filters() {", ...(rows.length ? rows : ["  :"]), "}", ""].join("\n");
}

/** The part of the script that does not depend on the options. */
const BODY = sh`
need_tracefs() {
  [ "$(id -u)" = 0 ] || die "run as root (tracefs and kprobe_events need it)"
  if [ ! -e "$T/kprobe_events" ]; then
    mount -t tracefs nodev "$T" 2>/dev/null || true
  fi
  [ -e "$T/kprobe_events" ] || die "no tracefs with kprobe_events at $T (CONFIG_KPROBE_EVENTS; set RACELAB_TRACEFS)"
}

# Tracing off, the tracer and events off, the racelab kprobes removed, the buffer emptied.
clean() {
  need_tracefs
  echo 0 > "$T/tracing_on"
  echo nop > "$T/current_tracer"
  echo 0 > "$T/events/enable"
  : > "$T/set_ftrace_filter"
  for e in $KPROBES; do
    if [ -d "$T/events/$GROUP/$e" ]; then
      echo 0 > "$T/events/$GROUP/$e/filter" 2>/dev/null || true
      echo "-:$GROUP/$e" >> "$T/kprobe_events" || die "cannot remove kprobe $GROUP/$e (in use by another tracer?)"
    fi
  done
  : > "$T/trace"
}

# Address range of a function from kallsyms, "start end" in hex: end is the next symbol's address.
sym_range() {
  [ -r "$KALLSYMS" ] || die "cannot read $KALLSYMS (kprobe $2 filters on its caller's address)"
  r=$(sort "$KALLSYMS" | awk -v f="$1" '
    start != "" && $1 != start { print start, $1; done = 1; exit }
    $3 == f && ($2 == "t" || $2 == "T") { start = $1 }
    END { if (!done && start != "") print start }')
  [ -n "$r" ] || die "no function $1 in $KALLSYMS (kprobe $2 filters on calls from it)"
  case $r in 0000000000000000*) die "$KALLSYMS shows no addresses (kptr_restrict): run as root" ;; esac
  set -- $r "$1"
  [ $# -eq 3 ] || die "no symbol after $3 in $KALLSYMS: where it ends is unknown"
  echo "$1 $2"
}

start() {
  need_tracefs
  defs=$(kprobe_definitions)
  filts=$(kprobe_filters)
  clean
  printf '%s\n' "$defs" | while IFS= read -r d; do
    echo "$d" >> "$T/kprobe_events" 2>/dev/null || die "kprobe_events refused: $d ($(tail -n 1 "$T/error_log" 2>/dev/null))"
  done || exit 1
  printf '%s\n' "$filts" | while IFS='	' read -r e f; do
    echo "$f" > "$T/events/$GROUP/$e/filter" 2>/dev/null || die "filter refused for $GROUP/$e: $f"
  done || exit 1
  for e in $KPROBES; do echo 1 > "$T/events/$GROUP/$e/enable" || die "cannot enable kprobe $GROUP/$e"; done
  for e in $TRACEPOINTS; do
    [ -d "$T/events/btrfs/$e" ] || die "no tracepoint btrfs:$e in this kernel"
    echo 1 > "$T/events/btrfs/$e/enable"
  done
  for f in $FUNCTIONS; do
    grep -q -e "^$f\$" -e "^$f " "$T/available_filter_functions" || die "function $f cannot be traced here (not in available_filter_functions)"
    echo "$f" >> "$T/set_ftrace_filter" || die "set_ftrace_filter refused $f"
  done
  echo function > "$T/current_tracer"
  echo print-parent > "$T/trace_options"
  echo "$BUF_KB" > "$T/buffer_size_kb" || die "buffer_size_kb refused $BUF_KB"
  echo "$CLOCK" > "$T/trace_clock" || die "trace_clock refused $CLOCK"
  : > "$T/trace"
  echo 1 > "$T/tracing_on"
  echo "racelab-record: tracing ($(echo $KPROBES | wc -w) kprobes, $(echo $TRACEPOINTS | wc -w) tracepoints, $(echo $FUNCTIONS | wc -w) functions; clock $CLOCK, $BUF_KB KiB per CPU)"
}

# What was lost, from a stats file: per-CPU overrun / commit overrun / dropped events, kprobe misses.
lost_in() {
  awk '
    /^== cpu/ { cpu = $2; kp = 0; next }
    /^== kprobe_profile/ { cpu = ""; kp = 1; next }
    cpu != "" && /^(overrun|commit overrun|dropped events):/ && $NF != 0 { printf "%s %s; ", cpu, $0 }
    kp && NF == 3 && $3 != 0 { printf "kprobe %s missed %s; ", $1, $3 }
  ' "$1"
}

stop() {
  need_tracefs
  dir=$1 name=\${2:-racelab}
  echo 0 > "$T/tracing_on"
  mkdir -p "$dir"
  cat "$T/trace" > "$dir/$name.trace"
  {
    echo "kernel: $(uname -r)"
    echo "current_tracer: $(cat "$T/current_tracer")"
    echo "trace_clock: $(cat "$T/trace_clock")"
    echo "buffer_size_kb: $(cat "$T/buffer_size_kb")"
    echo "== kprobe_events"; cat "$T/kprobe_events"
    for e in $KPROBES; do echo "filter $e: $(cat "$T/events/$GROUP/$e/filter")"; done
    echo "== set_ftrace_filter"; cat "$T/set_ftrace_filter"
    echo "== set_event"; cat "$T/set_event"
    for c in "$T"/per_cpu/cpu*; do echo "== \${c##*/}"; cat "$c/stats"; done
    echo "== kprobe_profile"; grep -E "^ *($(echo $KPROBES | tr ' ' '|')) " "$T/kprobe_profile"
  } > "$dir/$name.stats"
  lost=$(lost_in "$dir/$name.stats")
  entries=$(sed -n 's/^# entries-in-buffer\/entries-written: \([0-9]*\)\/\([0-9]*\).*/\1 \2/p' "$dir/$name.trace")
  set -- $entries
  [ $# -eq 2 ] && [ "$1" = "$2" ] || lost="$lost entries-in-buffer/entries-written: $entries;"
  clean
  [ -z "$lost" ] || die "$dir/$name.trace lost events, do not use it: $lost see $dir/$name.stats (raise RACELAB_BUFFER_KB or shorten the workload)"
  echo "racelab-record: $dir/$name.trace: $(wc -l < "$dir/$name.trace") lines, nothing lost"
}

usage() {
  sed -n 's/^#   sh THIS/  sh '"$0"'/p' "$0" >&2
  exit 2
}

case "\${1:-}" in
  start) start ;;
  stop) [ $# -ge 2 ] || usage; shift; stop "$@" ;;
  run)
    [ $# -ge 5 ] && [ "$4" = "--" ] || usage
    dir=$2 name=$3; shift 4
    start
    set +e; "$@"; rc=$?; set -e
    stop "$dir" "$name"
    [ "$rc" = 0 ] || die "the command exited with status $rc"
    ;;
  probes)
    defs=$(kprobe_definitions)
    filts=$(kprobe_filters)
    printf '%s\n' "$defs"
    printf '%s\n' "$filts" | sed 's/^/# filter /'
    ;;
  clean) clean ;;
  *) usage ;;
esac
`;
