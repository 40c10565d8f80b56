#!/bin/sh
# /init of the guest initramfs. Loads modules, dumps tracing metadata, runs scenarios,
# writes everything as a tar archive onto the output disk (last virtio disk), powers off.
export PATH=/bin
mount -t proc proc /proc
mount -t sysfs sys /sys
mount -t devtmpfs dev /dev
mount -t tracefs tracefs /sys/kernel/tracing 2>/dev/null || mount -t debugfs debugfs /sys/kernel/debug
mkdir -p /out/meta /out/cmdlog /out/traces
exec > /dev/console 2>&1 </dev/null
echo "=== guest init start ==="
for m in $(cat /lib/modules/order); do
  insmod /lib/modules/$m.ko 2>&1 | sed "s/^/insmod $m: /"
done
sleep 2
ls -l /dev/vd*
SCEN=all
for w in $(cat /proc/cmdline); do case "$w" in scen=*) SCEN=${w#scen=};; esac; done
/bin/sh /scenarios.sh "$SCEN" 2>&1 | tee /out/meta/console.log
echo "=== writing results ==="
OUTDEV=$(ls /dev/vd? | sort | tail -1)
dmesg > /out/meta/dmesg.txt
(cd /out && tar -cf "$OUTDEV" .)
sync
echo "=== results written to $OUTDEV ==="
echo o > /proc/sysrq-trigger 2>/dev/null
poweroff -f
