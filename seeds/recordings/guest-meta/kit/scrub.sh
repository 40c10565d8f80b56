#!/bin/sh
# racelab recording kit: Linux 6.1 btrfs, workload scrub.
# Made by `racelab record --kernel 6.1 --workload scrub`; racelab's mapping table
# (seeds/ftrace-map.json) turns its lines into events: `racelab import`, then `racelab check`.
#
# As root, on the machine whose btrfs you record (btrfs loaded):
#   sh THIS start                       set tracefs and the kprobes up, tracing on
#   sh THIS stop DIR [NAME]             tracing off; writes DIR/NAME.trace and DIR/NAME.stats, then
#                                       fails if a ring buffer overran or dropped events or a kprobe missed
#   sh THIS run DIR NAME -- CMD [ARG]…  start, run CMD, stop
#   sh THIS probes                      print the kprobe definitions for this kernel (reads BTF only)
#   sh THIS clean                       tracing off, the racelab kprobes removed
# Environment: RACELAB_TRACEFS (/sys/kernel/tracing), RACELAB_BTF (/sys/kernel/btf),
#   RACELAB_BUFFER_KB (per-CPU ring buffer, 65536), RACELAB_TRACE_CLOCK (global),
#   RACELAB_BTF_READER=raw (read BTF with od/awk even when bpftool is installed), RACELAB_KALLSYMS
#   (/proc/kallsyms: where a caller filter reads a function's address range).
# Structure offsets and parameter positions come from the kernel's BTF when the kprobes are
# placed (bpftool if installed, else the od/awk reader below); a missing one stops the script.
#
# Races this recording is for:
#   scrub-vs-bg-deletion: scrub against the cleaner and balance
# What Linux 6.1 does not let the kit record:
#   scrub_dev_extent: scrub_enumerate_chunks reads the dev extent into a local and calls nothing with it before the block group is made read-only; not recorded (it is a cross-check only)
#   chunk_alloc stripes: create_chunk is inlined into btrfs_create_chunk and the btrfs_chunk_alloc tracepoint prints no stripes; a chunk allocated during the recording has unknown device ranges
#   discard_start of a DUP or RAID1 block group: only the first stripe's device range (btrfs_map_discard returns one per copy)

set -eu

T=${RACELAB_TRACEFS:-/sys/kernel/tracing}
BTF=${RACELAB_BTF:-/sys/kernel/btf}
BTF_READER=${RACELAB_BTF_READER:-auto}
BUF_KB=${RACELAB_BUFFER_KB:-65536}
CLOCK=${RACELAB_TRACE_CLOCK:-global}
KALLSYMS=${RACELAB_KALLSYMS:-/proc/kallsyms}
GROUP=racelab
TRACEPOINTS="btrfs_add_block_group btrfs_remove_block_group btrfs_add_unused_block_group btrfs_skip_unused_block_group btrfs_add_reclaim_block_group btrfs_reclaim_block_group btrfs_chunk_alloc btrfs_chunk_free btrfs_transaction_commit btrfs_reserve_extent"
FUNCTIONS="btrfs_balance btrfs_reclaim_bgs_work btrfs_delete_unused_bgs btrfs_chunk_alloc btrfs_create_chunk btrfs_create_pending_block_groups btrfs_commit_transaction btrfs_scrub_dev scrub_enumerate_chunks"
KPROBES="racelab_relocate_chunk racelab_relocate_bg racelab_unused_bg racelab_unused_bg_ro racelab_set_ro racelab_clear_ro racelab_remove_chunk racelab_scrub_chunk"
BTF_WANT="bg block_group btrfs_block_group btrfs_dec_block_group_ro btrfs_device btrfs_relocate_block_group btrfs_relocate_chunk btrfs_remove_chunk btrfs_zone_finish cache chunk_offset dev_offset devid group_start inc_block_group_ro scrub_chunk scrub_dev start used"

die() { echo "racelab-record: $*" >&2; exit 1; }

BPFTOOL_AWK='
BEGIN { n = split(want, wl, " "); for (k = 1; k <= n; k++) wanted[wl[k]] = 1 }
/^\[[0-9]+\] / {
  id = substr($1, 2, length($1) - 2); kind = $2; nm = $3; gsub(q, "", nm); cur = ""
  if (kind == "STRUCT" && (nm in wanted)) cur = "S"
  else if (kind == "FUNC_PROTO") { cur = "P"; plist[id] = "" }
  else if (kind == "FUNC" && (nm in wanted)) { for (k = 4; k <= NF; k++) if ($k ~ /^type_id=/) fproto[nm] = substr($k, 9) }
  sname = nm; next
}
cur == "S" {
  m = $1; gsub(q, "", m); bits = ""; bsz = 0
  for (k = 2; k <= NF; k++) { if ($k ~ /^bits_offset=/) bits = substr($k, 13); if ($k ~ /^bitfield_size=/) bsz = substr($k, 15) }
  if ((m in wanted) && bits != "") print "M", sname, m, bits, bsz
  next
}
cur == "P" { m = $1; gsub(q, "", m); plist[id] = plist[id] " " m; next }
END { for (f in fproto) { n = split(plist[fproto[f]], pl, " "); for (k = 1; k <= n; k++) print "P", f, k, ((pl[k] in wanted) ? pl[k] : "?") } }
'
RAW_AWK='
BEGIN { n = split(want, wl, " "); for (k = 1; k <= n; k++) wanted[wl[k]] = 1; sec = ""; id = 0 }
/^@/ { endsec(); sec = substr($1, 2); strbase = $2 + 0; nw = 0; pos = 0; cur = ""; next }
sec ~ /types$/ { for (k = 1; k <= NF; k++) w[nw++] = $k + 0; next }
sec ~ /str$/ {
  for (k = 1; k <= NF; k++) {
    b = $k + 0
    if (b == 0) { if (cur in wanted) nm[strbase + pos - length(cur)] = cur; cur = "" }
    else cur = cur sprintf("%c", b)
    pos++
  }
  next
}
function endsec(   i, name, info, st, kind, vlen, kf, j, moff, bits, bsz, mname, plist) {
  if (sec !~ /types$/) return
  i = 0
  while (i < nw) {
    name = w[i]; info = w[i + 1]; st = w[i + 2]; i += 3; id++
    kind = int(info / 16777216) % 32; vlen = info % 65536; kf = int(info / 2147483648)
    if (kind == 1 || kind == 14 || kind == 17) i += 1
    else if (kind == 3) i += 3
    else if (kind == 4 || kind == 5) {
      if (kind == 4 && (name in nm)) {
        for (j = 0; j < vlen; j++) {
          mname = w[i + 3 * j]; moff = w[i + 3 * j + 2]
          if (kf) { bits = moff % 16777216; bsz = int(moff / 16777216) } else { bits = moff; bsz = 0 }
          if (mname in nm) print "M", nm[name], nm[mname], bits, bsz
        }
      }
      i += 3 * vlen
    }
    else if (kind == 6) i += 2 * vlen
    else if (kind == 13) {
      plist = ""
      for (j = 0; j < vlen; j++) plist = plist " " w[i + 2 * j]
      proto[id] = plist; i += 2 * vlen
    }
    else if (kind == 15 || kind == 19) i += 3 * vlen
    else if (kind == 12) { if (name in nm) fproto[nm[name]] = st }
    else if (kind > 19) { print "E unknown BTF kind " kind " at type " id; exit 1 }
  }
  nw = 0
}
END {
  endsec()
  for (f in fproto) {
    n = split(proto[fproto[f]], pl, " ")
    for (k = 1; k <= n; k++) print "P", f, k, ((pl[k] in nm) ? nm[pl[k]] : "?")
  }
}
'
# BTF header of a file: "hdr_len type_off type_len str_off str_len"; the magic is 0xeB9F.
btf_header() {
  [ "$(od -An -tx2 -N2 "$1" | tr -d ' ')" = eb9f ] || die "$1 is not BTF (magic is not 0xeB9F)"
  od -An -v -tu4 -j 4 -N 20 "$1"
}

# The raw reader: $1 = base BTF (vmlinux), $2 = split BTF on top of it or "".
btf_raw() {
  base=$1 mod=$2
  set -- $(btf_header "$base")
  [ $# -eq 5 ] || die "cannot read the BTF header of $base"
  bh=$1 bto=$2 btl=$3 bso=$4 bsl=$5
  {
    echo "@basestr 0"; od -An -v -tu1 -j $((bh + bso)) -N "$bsl" "$base"
    if [ -n "$mod" ]; then
      set -- $(btf_header "$mod")
      [ $# -eq 5 ] || die "cannot read the BTF header of $mod"
      echo "@modstr $bsl"; od -An -v -tu1 -j $(($1 + $4)) -N "$5" "$mod"
      echo "@basetypes"; od -An -v -tu4 -j $((bh + bto)) -N "$btl" "$base"
      echo "@modtypes"; od -An -v -tu4 -j $(($1 + $2)) -N "$3" "$mod"
    else
      echo "@basetypes"; od -An -v -tu4 -j $((bh + bto)) -N "$btl" "$base"
    fi
  } | awk -v want="$BTF_WANT" "$RAW_AWK"
}

# Facts of btrfs (a module on top of vmlinux, or built in): M and P lines.
btf_facts() {
  [ -r "$BTF/vmlinux" ] || die "no kernel BTF at $BTF/vmlinux (CONFIG_DEBUG_INFO_BTF): the kprobes' structure offsets cannot be read"
  mod=""
  if [ -r "$BTF/btrfs" ]; then mod=$BTF/btrfs
  elif grep -q '^btrfs ' /proc/modules 2>/dev/null; then die "btrfs is a module without BTF ($BTF/btrfs missing: CONFIG_DEBUG_INFO_BTF_MODULES)"
  elif ! grep -qw btrfs /proc/filesystems 2>/dev/null; then die "btrfs is not loaded: modprobe btrfs (or mount a btrfs) first"
  fi
  if [ "$BTF_READER" != raw ] && command -v bpftool >/dev/null 2>&1; then
    if [ -n "$mod" ]; then bpftool -B "$BTF/vmlinux" btf dump file "$mod" format raw
    else bpftool btf dump file "$BTF/vmlinux" format raw; fi | awk -v want="$BTF_WANT" -v q="'" "$BPFTOOL_AWK"
  else
    btf_raw "$BTF/vmlinux" "$mod"
  fi
}

# Byte offset of a member: $1 struct, $2 member, $3 the kprobe that needs it.
member_offset() {
  m=$(printf '%s\n' "$FACTS" | awk -v s="$1" -v m="$2" '$1 == "M" && $2 == s && $3 == m { print $4, $5; exit }')
  [ -n "$m" ] || die "BTF: struct $1 has no member $2 (kprobe $3 needs it; this kit was made for Linux 6.1's btrfs)"
  set -- $m "$1" "$2" "$3"
  [ "$2" = 0 ] && [ $(($1 % 8)) = 0 ] || die "BTF: $3.$4 is a bit-field (kprobe $5 needs a whole member)"
  echo $(($1 / 8))
}

# Position (1-based, for $argN) of a parameter: $1 function, $2 parameter, $3 the kprobe.
param_index() {
  n=$(printf '%s\n' "$FACTS" | awk -v f="$1" -v p="$2" '$1 == "P" && $2 == f && $4 == p { print $3; exit }')
  if [ -z "$n" ]; then
    printf '%s\n' "$FACTS" | grep -q "^P $1 " || die "BTF: no function $1 in btrfs (inlined or renamed in this kernel?): cannot place kprobe $3"
    die "BTF: function $1 has no parameter $2 (kprobe $3 needs it; this kit was made for Linux 6.1's btrfs)"
  fi
  [ "$n" -le 6 ] || die "BTF: parameter $2 of $1 is number $n: \$argN reaches 6 on x86-64"
  echo "$n"
}

kprobe_definitions() {
  FACTS=$(btf_facts)
  [ -n "$FACTS" ] || die "BTF: none of the names the kprobes need were found"
  # racelab_relocate_chunk: relocate_chunk: names the chunk before btrfs_chunk_free does
  a0=$(param_index btrfs_relocate_chunk chunk_offset racelab_relocate_chunk)
  echo "p:$GROUP/racelab_relocate_chunk btrfs_relocate_chunk bytenr=\$arg${a0}:u64"
  # racelab_relocate_bg: relocate_bg
  a0=$(param_index btrfs_relocate_block_group group_start racelab_relocate_bg)
  echo "p:$GROUP/racelab_relocate_bg btrfs_relocate_block_group bytenr=\$arg${a0}:u64"
  # racelab_unused_bg: unused_bg_check that proceeds: btrfs_delete_unused_bgs calls inc_block_group_ro (6.1 traces only skips)
  a0=$(param_index inc_block_group_ro cache racelab_unused_bg)
  o1=$(member_offset btrfs_block_group start racelab_unused_bg)
  a2=$(param_index inc_block_group_ro cache racelab_unused_bg)
  o3=$(member_offset btrfs_block_group used racelab_unused_bg)
  echo "p:$GROUP/racelab_unused_bg inc_block_group_ro bytenr=+${o1}(\$arg${a0}):u64 used=+${o3}(\$arg${a2}):u64 caller=\$stack0:x64"
  # racelab_unused_bg_ro: set_ro of an unused block group's deletion: it became read-only
  a0=$(param_index btrfs_zone_finish block_group racelab_unused_bg_ro)
  o1=$(member_offset btrfs_block_group start racelab_unused_bg_ro)
  echo "p:$GROUP/racelab_unused_bg_ro btrfs_zone_finish bytenr=+${o1}(\$arg${a0}):u64 caller=\$stack0:x64"
  # racelab_set_ro: set_ro of balance, reclaim and scrub (btrfs_inc_block_group_ro calls it)
  a0=$(param_index inc_block_group_ro cache racelab_set_ro)
  o1=$(member_offset btrfs_block_group start racelab_set_ro)
  echo "p:$GROUP/racelab_set_ro inc_block_group_ro bytenr=+${o1}(\$arg${a0}):u64 caller=\$stack0:x64"
  # racelab_clear_ro: clear_ro
  a0=$(param_index btrfs_dec_block_group_ro cache racelab_clear_ro)
  o1=$(member_offset btrfs_block_group start racelab_clear_ro)
  echo "p:$GROUP/racelab_clear_ro btrfs_dec_block_group_ro bytenr=+${o1}(\$arg${a0}):u64"
  # racelab_remove_chunk: remove_chunk
  a0=$(param_index btrfs_remove_chunk chunk_offset racelab_remove_chunk)
  echo "p:$GROUP/racelab_remove_chunk btrfs_remove_chunk bytenr=\$arg${a0}:u64"
  # racelab_scrub_chunk: scrub_chunk (devid and physical of its dev extent printed for the reader)
  a0=$(param_index scrub_chunk bg racelab_scrub_chunk)
  o1=$(member_offset btrfs_block_group start racelab_scrub_chunk)
  a2=$(param_index scrub_chunk scrub_dev racelab_scrub_chunk)
  o3=$(member_offset btrfs_device devid racelab_scrub_chunk)
  a4=$(param_index scrub_chunk dev_offset racelab_scrub_chunk)
  echo "p:$GROUP/racelab_scrub_chunk scrub_chunk bytenr=+${o1}(\$arg${a0}):u64 devid=+${o3}(\$arg${a2}):u64 physical=\$arg${a4}:u64"
}

kprobe_filters() {
  range_btrfs_delete_unused_bgs=$(sym_range btrfs_delete_unused_bgs racelab_unused_bg) || exit 1
  set -- $range_btrfs_delete_unused_bgs
  printf '%s\t%s\n' racelab_unused_bg "caller >= 0x$1 && caller < 0x$2"
  set -- $range_btrfs_delete_unused_bgs
  printf '%s\t%s\n' racelab_unused_bg_ro "caller >= 0x$1 && caller < 0x$2"
  set -- $range_btrfs_delete_unused_bgs
  printf '%s\t%s\n' racelab_set_ro "(caller < 0x$1 || caller >= 0x$2)"
}

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
  dir=$1 name=${2:-racelab}
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
    for c in "$T"/per_cpu/cpu*; do echo "== ${c##*/}"; cat "$c/stats"; done
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

case "${1:-}" in
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
