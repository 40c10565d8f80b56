#!/bin/sh
# Copy the guest results (extracted by run-qemu.sh into $W/results) into the repository:
# seeds/recordings/<workload>.trace byte for byte, and guest-meta/ beside them: the command log
# (cmdlog/<workload>.cmdlog), the kit's ring-buffer and kprobe statistics (stats/<workload>.stats),
# the kernel and kit metadata (meta/), the kit scripts that ran (kit/<workload>.sh) and the serial console.
# Usage: collect.sh [workdir] [dest]   (default /tmp/qemu-btrfs, seeds/recordings of this checkout)
set -eu
HERE=$(cd "$(dirname "$0")" && pwd)
W=${1:-/tmp/qemu-btrfs}
D=${2:-$HERE/../../seeds/recordings}
R=$W/results
mkdir -p "$D/guest-meta/stats" "$D/guest-meta/cmdlog" "$D/guest-meta/meta" "$D/guest-meta/kit"
for t in "$R"/traces/*.trace; do
  w=$(basename "$t" .trace)
  cp "$t" "$D/$w.trace"
  cp "$R/traces/$w.stats" "$D/guest-meta/stats/"
  cp "$R/cmdlog/$w.cmdlog" "$D/guest-meta/cmdlog/"
done
cp "$R"/meta/* "$D/guest-meta/meta/"
cp "$W"/root/kit/*.sh "$D/guest-meta/kit/"
cp "$W"/console.txt "$D/guest-meta/serial-console.txt"
ls -la "$D"
