#!/bin/sh
# Runs inside the guest. $1 = comma separated workloads (balance,trim,scrub,commit) or "all".
# Tracing is the recording kit's (/kit/<workload>.sh, made by `racelab record --workload <workload>`):
# `start` before the workload, `stop` after it, which writes /out/traces/<workload>.trace and .stats and
# fails when the ring buffer lost anything. Workloads are the shared recording's (../shared/recording),
# shortened so that each log stays small.
export PATH=/bin
T=/sys/kernel/tracing
[ -d $T/events ] || T=/sys/kernel/debug/tracing
M=/mnt
O=/out
KIT=/kit
export RACELAB_BUFFER_KB=${BUF_KB:-65536}
# commit=5: transaction kthread commits and wakes the cleaner (unused-bg deletion, reclaim) every 5 s
MOPT=${MOPT:-discard,commit=5}
SETTLE=${SETTLE:-12}

meta() {
  uname -a > $O/meta/uname.txt
  cat /proc/cmdline > $O/meta/cmdline.txt
  btrfs --version > $O/meta/btrfs-progs.txt 2>&1
  bpftool version > $O/meta/bpftool.txt 2>&1 || echo "no bpftool" > $O/meta/bpftool.txt
  cat $T/trace_clock > $O/meta/trace_clock-default.txt
  # the kit's kprobe definitions for this kernel, from BTF read by bpftool and by the od/awk reader
  for w in balance trim scrub commit; do
    sh $KIT/$w.sh probes > $O/meta/kit-probes-$w.txt 2>&1
    RACELAB_BTF_READER=raw sh $KIT/$w.sh probes > $O/meta/kit-probes-$w-raw.txt 2>&1
    if cmp -s $O/meta/kit-probes-$w.txt $O/meta/kit-probes-$w-raw.txt; then echo "$w: bpftool and raw BTF readers agree"
    else echo "$w: BTF READERS DIFFER"; fi >> $O/meta/kit-probes-check.txt
  done
}

mkfs_mount() { # $1 = profile single|raid1m|raid1
  umount $M 2>/dev/null
  case "$1" in
    single) mkfs.btrfs -f -q /dev/vdc && mount -t btrfs -o $MOPT /dev/vdc $M;;
    raid1m) mkfs.btrfs -f -q -m raid1 -d single /dev/vda /dev/vdb && btrfs device scan /dev/vda /dev/vdb && mount -t btrfs -o $MOPT /dev/vda $M;;
    raid1)  mkfs.btrfs -f -q -m raid1 -d raid1 /dev/vda /dev/vdb && btrfs device scan /dev/vda /dev/vdb && mount -t btrfs -o $MOPT /dev/vda $M;;
  esac
  btrfs filesystem df $M
}

trace_start() { sh $KIT/$1.sh start; }
trace_stop() { sh $KIT/$1.sh stop $O/traces $1 || echo "RECORDING FAILED: $1"; }

churn() { # $1 = dir, $2 = iterations, $3 = size KiB of each file ; create/delete files
  mkdir -p $1
  i=0
  while [ $i -lt $2 ]; do
    dd if=/dev/zero of=$1/f$i bs=64k count=$(($3/64)) 2>/dev/null
    [ $((i % 3)) -eq 2 ] && rm -f $1/f$((i-1)) $1/f$((i-2))
    [ $((i % 10)) -eq 9 ] && sync
    i=$((i+1))
  done
  rm -rf $1; sync
}

# ---------------- workloads (tracing is started before, stopped after) ------------
scen_balance() {
  mkfs_mount raid1m
  trace_start balance
  for i in 1 2 3 4; do dd if=/dev/zero of=$M/big$i bs=1M count=12 2>/dev/null; done
  sync
  rm -f $M/big1 $M/big3
  sync
  churn $M/churn 30 256 &
  CP=$!
  for r in 1 2; do
    btrfs balance start -dusage=0 $M
    btrfs balance start -dusage=50 $M
  done
  wait $CP
  rm -f $M/big2 $M/big4; sync
  btrfs balance start -dusage=0 $M
  sleep $SETTLE; btrfs filesystem df $M
  trace_stop balance
  umount $M
}

scen_trim() {
  mkfs_mount single
  # let partially emptied data block groups go on the reclaim list (auto reclaim)
  for d in /sys/fs/btrfs/*/allocation/data; do echo 75 > $d/bg_reclaim_threshold; done
  for i in 1 2 3 4 5 6; do dd if=/dev/zero of=$M/t$i bs=1M count=48 2>/dev/null; done
  sync
  trace_start trim
  rm -f $M/t2 $M/t4 $M/t6
  sync
  churn $M/churn 40 512 &
  CP=$!
  for r in 1 2; do fstrim -v $M; sleep 1; done
  wait $CP
  rm -f $M/t*; sync
  fstrim -v $M
  sleep $SETTLE; btrfs filesystem df $M
  fstrim -v $M
  trace_stop trim
  umount $M
}

scen_scrub() {
  mkfs_mount raid1
  for i in 1 2 3 4 5; do dd if=/dev/zero of=$M/s$i bs=1M count=48 2>/dev/null; done
  sync
  trace_start scrub
  ( rm -f $M/s1 $M/s2 $M/s3; sync; btrfs balance start -dusage=0 $M; rm -f $M/s5; sync; btrfs balance start -dusage=0 $M ) &
  BP=$!
  btrfs scrub start -B $M
  wait $BP
  btrfs scrub start -B $M
  sleep $SETTLE; btrfs filesystem df $M
  trace_stop scrub
  umount $M
}

scen_commit() {
  mkfs_mount single
  trace_start commit
  ( i=0; while [ $i -lt 30 ]; do sync; i=$((i+1)); usleep 200000; done ) &
  SP=$!
  mkdir -p $M/small
  ( for i in $(seq 1 100); do dd if=/dev/zero of=$M/small/$i bs=4k count=2 conv=fsync 2>/dev/null; done ) &
  WP=$!
  dd if=/dev/zero of=$M/bigfile bs=1M count=300 conv=fsync 2>/dev/null
  wait $WP
  rm -f $M/bigfile; sync
  wait $SP
  sync; sleep 1; sync
  sleep $SETTLE; btrfs filesystem df $M
  trace_stop commit
  umount $M
}

set -x
mkdir -p $O/traces
meta
RUNS="$1"
[ "$RUNS" = all ] && RUNS="balance,trim,scrub,commit"
for run in $(echo $RUNS | tr ',' ' '); do
  echo "##### RUN $run start $(cat /proc/uptime)"
  ( set -x; scen_$run ) > $O/cmdlog/$run.cmdlog 2>&1; echo "exit status $?" >> $O/cmdlog/$run.cmdlog
  tail -n 30 $O/cmdlog/$run.cmdlog
  echo "##### RUN $run end $(cat /proc/uptime)"
done
set +x
