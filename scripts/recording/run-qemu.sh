#!/bin/sh
# Boot the guest under QEMU (TCG; nested KVM on this host hangs) and extract the results.
# Usage: run-qemu.sh [workloads] [workdir]   workloads: comma list like balance,trim or "all"
set -eu
RUNS=${1:-all}
W=${2:-/tmp/qemu-btrfs}
cd "$W"
rm -f d0.img d1.img d2.img out.img
truncate -s 1280M d0.img; truncate -s 1280M d1.img; truncate -s 1280M d2.img
truncate -s 512M out.img
timeout ${QEMU_TIMEOUT:-3000} qemu-system-x86_64 -accel tcg,thread=multi -cpu max -smp 2 -m 2048 -nographic -no-reboot \
  -kernel vmlinuz -initrd initramfs.cpio.gz \
  -append "console=ttyS0 panic=-1 quiet loglevel=4 scen=$RUNS" \
  -drive file=d0.img,if=virtio,format=raw,discard=unmap \
  -drive file=d1.img,if=virtio,format=raw,discard=unmap \
  -drive file=d2.img,if=virtio,format=raw,discard=unmap \
  -drive file=out.img,if=virtio,format=raw \
  > console.txt 2>&1 || echo "qemu exit status $?"
rm -rf results; mkdir results
tar -xf out.img -C results
ls -la results
