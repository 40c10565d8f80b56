#!/bin/sh
# Build the guest initramfs: busybox-static + btrfs-progs + util-linux fstrim + bpftool + kernel modules
# + /init + the recording kit (`racelab record --workload W` for each workload, in /kit/W.sh).
# Usage: build-initramfs.sh [workdir]   (default /tmp/qemu-btrfs); run from a racelab checkout.
set -eu
HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)
W=${1:-/tmp/qemu-btrfs}
KVER=$(ls /lib/modules | sort -V | tail -1)
R=$W/root
rm -rf "$R"; mkdir -p "$R"/kit "$R"/bin "$R"/sbin "$R"/lib/modules "$R"/proc "$R"/sys "$R"/dev "$R"/mnt "$R"/out "$R"/tmp "$R"/etc
cp /bin/busybox "$R"/bin/busybox
for a in $(/bin/busybox --list); do [ -e "$R/bin/$a" ] || ln -s busybox "$R/bin/$a"; done
# real binaries (override busybox applets of the same name)
copy_bin() {
  src=$1; dst=$R/bin/$(basename "$src")
  rm -f "$dst"; cp "$src" "$dst"
  for lib in $(ldd "$src" | awk '/=>/ {print $3} /ld-linux/ {print $1}'); do
    [ -f "$lib" ] || continue
    mkdir -p "$R$(dirname "$lib")"; cp -L "$lib" "$R$lib"
  done
}
copy_bin /usr/sbin/mkfs.btrfs
copy_bin /usr/bin/btrfs
copy_bin /usr/sbin/fstrim
# bpftool reads the kernel's BTF for the kit (without it the kit's od/awk reader does)
copy_bin /usr/sbin/bpftool
# glibc dlopen()s libgcc_s for pthread_cancel (btrfs scrub -B aborts without it)
cp -L /lib/x86_64-linux-gnu/libgcc_s.so.1 "$R"/lib/x86_64-linux-gnu/
# modules, in dependency order (they are uncompressed .ko in Debian 12's 6.1 kernel; xz/zst handled anyway)
MODS="virtio_ring virtio virtio_pci_legacy_dev virtio_pci_modern_dev virtio_pci virtio_blk crc32c_generic crc32c-intel libcrc32c xor raid6_pq zstd_compress xxhash_generic btrfs"
: > "$R"/lib/modules/order
for m in $MODS; do
  f=$(find /lib/modules/$KVER -name "$m.ko" -o -name "$m.ko.xz" -o -name "$m.ko.zst" | head -1)
  [ -n "$f" ] || { echo "missing module $m" >&2; continue; }
  case "$f" in
    *.xz) xz -dc "$f" > "$R/lib/modules/$m.ko";;
    *.zst) zstd -dc "$f" > "$R/lib/modules/$m.ko";;
    *) cp "$f" "$R/lib/modules/$m.ko";;
  esac
  echo "$m" >> "$R"/lib/modules/order
done
echo "$KVER" > "$R"/etc/host-kver
btrfs --version > "$R"/etc/btrfs-progs-version
cp "$HERE"/guest-init.sh "$R"/init
cp "$HERE"/guest-scenarios.sh "$R"/scenarios.sh
for w in balance trim scrub commit; do node "$ROOT"/bin/racelab.js record --kernel 6.1 --workload $w > "$R"/kit/$w.sh; done
chmod +x "$R"/init "$R"/scenarios.sh
(cd "$R" && find . | cpio -o -H newc --quiet | gzip -1) > "$W"/initramfs.cpio.gz
cp /boot/vmlinuz-$KVER "$W"/vmlinuz
ls -la "$W"/initramfs.cpio.gz "$W"/vmlinuz
