#!/bin/bash
# SPDX-License-Identifier: MIT
#
# bind_nic.sh - scripts/bind-nic without hardware: its --dry-run against a
# fake sysfs/procfs tree (--root, SURGE_SYSROOT) made here, run inside a
# network namespace made here whose routes are real (a dummy interface named
# like the fake NIC's), and its argument errors.  What it checks:
#   - usage errors exit 2 with one line and the hint;
#   - a bind (by PCI address and by interface name) prints the dpdk-devbind.py
#     command, the IOMMU group, the driver it will remember, and changes
#     nothing in the tree;
#   - refusals exit 1 with the reason: the interface of the default route or
#     one with routes (unless --force, then passed on), no IOMMU (unless
#     --noiommu or vfio's no-IOMMU mode is on), not a network controller,
#     a ConnectX NIC, a device that does not exist, an interface that is not
#     PCI;
#   - vfio-pci not loaded: modprobe; already on vfio-pci: nothing to do;
#   - --unbind: the remembered driver, --driver, nothing remembered (exit 1),
#     a device not on vfio-pci (nothing to do);
#   - hugepages: the nr_hugepages file per size and node, the hugetlbfs
#     mount (made, already there, of another page size), no 1 GiB pages,
#     --user handing the mount and the vfio group to the relay's user.
# It cannot bind a real NIC here (no IOMMU, no spare PCI NIC): docs/DEPLOY.md
# says so.  Each check prints "ok: ..."; the first failure stops with FAIL.
set -euo pipefail

S=$(cd "$(dirname "$0")/../.." && pwd)/scripts/bind-nic
[ -x "$S" ] || { echo "FAIL: $S is not executable" >&2; exit 1; }
P=sgbn$$
ns=$P
R=$(mktemp -d "/tmp/surge-$P.XXXXXX")
cleanup() {
	ip netns del "$ns" 2>/dev/null || true
	rm -rf "$R"
}
trap cleanup EXIT
fail() { echo "FAIL: $*" >&2; exit 1; }
ok() { echo "ok: $*"; }
command -v ip > /dev/null || fail "ip is missing (scripts/deps: iproute2)"

# A fake machine: sysfs, /proc/mounts, /proc/cmdline, /dev/vfio.
#   mkdev ROOT ADDR DRIVER CLASS [IFACE]   a PCI device (DRIVER "-": none)
mkroot() {
	local r=$1
	mkdir -p "$r/sys/bus/pci/devices" "$r/sys/bus/pci/drivers" "$r/sys/class/net" \
		"$r/sys/kernel/iommu_groups" "$r/sys/kernel/mm/hugepages/hugepages-2048kB" \
		"$r/sys/devices/system/node/node0/hugepages/hugepages-2048kB" \
		"$r/sys/module/vfio/parameters" "$r/proc" "$r/dev/vfio" "$r/run"
	echo 0 > "$r/sys/kernel/mm/hugepages/hugepages-2048kB/nr_hugepages"
	echo 0 > "$r/sys/devices/system/node/node0/hugepages/hugepages-2048kB/nr_hugepages"
	echo N > "$r/sys/module/vfio/parameters/enable_unsafe_noiommu_mode"
	echo "BOOT_IMAGE=/vmlinuz root=/dev/sda1 intel_iommu=on iommu=pt" > "$r/proc/cmdline"
	echo "sysfs /sys sysfs rw 0 0" > "$r/proc/mounts"
}
mkdev() {
	local r=$1 a=$2 drv=$3 class=$4 ifc=${5:-} d
	d=$r/sys/devices/pci0000:00/$a
	mkdir -p "$d"
	echo "$class" > "$d/class"
	ln -s "$d" "$r/sys/bus/pci/devices/$a"
	if [ "$drv" != - ]; then
		mkdir -p "$r/sys/bus/pci/drivers/$drv"
		ln -s "$r/sys/bus/pci/drivers/$drv" "$d/driver"
	fi
	if [ -n "$ifc" ]; then
		mkdir -p "$d/net/$ifc" "$r/sys/class/net/$ifc"
		ln -s "$d" "$r/sys/class/net/$ifc/device"
	fi
}
group() { # group ROOT ADDR N: the device in IOMMU group N
	mkdir -p "$1/sys/kernel/iommu_groups/$3/devices"
	ln -s "$1/sys/devices/pci0000:00/$2" "$1/sys/kernel/iommu_groups/$3/devices/$2"
	ln -s "$1/sys/kernel/iommu_groups/$3" "$1/sys/devices/pci0000:00/$2/iommu_group"
}

# The namespace: interfaces (veth; this kernel may lack dummy) named like the
# fake NICs'; one carries the default
# route, one has a route of its own, one has none.
IF_DEF=${P}d IF_RT=${P}r IF_FREE=${P}f
ip netns add "$ns"
for i in "$IF_DEF" "$IF_RT" "$IF_FREE"; do
	ip -n "$ns" link add "$i" type veth peer name "${i}p"
	ip -n "$ns" link set "$i" up
	ip -n "$ns" link set "${i}p" up
done
ip -n "$ns" addr add 198.18.250.2/24 dev "$IF_DEF"
ip -n "$ns" route add default via 198.18.250.1 dev "$IF_DEF"
ip -n "$ns" addr add 198.18.251.2/24 dev "$IF_RT"

A=$R/a                                  # IOMMU on, vfio-pci loaded
mkroot "$A"
mkdir -p "$A/sys/bus/pci/drivers/vfio-pci"
mkdev "$A" 0000:03:00.0 ixgbe 0x020000 "$IF_FREE"; group "$A" 0000:03:00.0 7
mkdev "$A" 0000:03:00.1 ixgbe 0x020000 "$IF_DEF"; group "$A" 0000:03:00.1 8
mkdev "$A" 0000:04:00.0 i40e 0x020000 "$IF_RT"; group "$A" 0000:04:00.0 9
mkdev "$A" 0000:05:00.0 nvme 0x010802; group "$A" 0000:05:00.0 10
mkdev "$A" 0000:06:00.0 mlx5_core 0x020000; group "$A" 0000:06:00.0 11
mkdev "$A" 0000:07:00.0 vfio-pci 0x020000; group "$A" 0000:07:00.0 12
mkdir -p "$A/run/surge-bind-nic"
echo ice > "$A/run/surge-bind-nic/0000:07:00.0"
mkdev "$A" 0000:08:00.0 vfio-pci 0x020000; group "$A" 0000:08:00.0 13
mkdev "$A" 0000:09:00.0 - 0x020000; group "$A" 0000:09:00.0 14
mkdev "$A" 0000:0b:00.0 ixgbe 0x020000; group "$A" 0000:0b:00.0 16
mkdev "$A" 0000:0b:00.1 ixgbe 0x020000; group "$A" 0000:0b:00.1 16
mkdir -p "$A/sys/class/net/${P}v/device"                 # a virtual interface
echo "nodev /dev/hugepages hugetlbfs rw,relatime,pagesize=2M 0 0" >> "$A/proc/mounts"

N=$R/n                                  # no IOMMU, vfio-pci not loaded
mkroot "$N"
mkdev "$N" 0000:03:00.0 ixgbe 0x020000 "$IF_FREE"
Y=$R/y                                  # vfio's no-IOMMU mode already on
mkroot "$Y"
mkdir -p "$Y/sys/bus/pci/drivers/vfio-pci"
mkdev "$Y" 0000:03:00.0 ixgbe 0x020000 "$IF_FREE"
echo Y > "$Y/sys/module/vfio/parameters/enable_unsafe_noiommu_mode"

tree_sum() { (cd "$R" && find a n y -printf '%p %y %l %m\n' | sort && find a n y -type f -exec cat {} + | md5sum); }
before=$(tree_sum)

# bn WANT_EXIT ARGS...: bind-nic in the namespace; its output in $R/out.
bn() {
	local want=$1 rc=0
	shift
	timeout 20 ip netns exec "$ns" "$S" "$@" > "$R/out" 2>&1 || rc=$?
	[ "$rc" -eq "$want" ] || fail "bind-nic $*: exit $rc, wanted $want: $(cat "$R/out")"
	! grep -qiE 'line [0-9]+:|unbound variable|syntax error|command not found' "$R/out" ||
		fail "bind-nic $*: shell error: $(cat "$R/out")"
}
has() { grep -qF -- "$1" "$R/out" || fail "bind-nic output lacks '$1': $(cat "$R/out")"; }
lacks() { ! grep -qF -- "$1" "$R/out" || fail "bind-nic output has '$1': $(cat "$R/out")"; }

# 1. Usage errors: exit 2, the reason and the hint.
for bad in "" "--bogus" "--hugepages x" "--hugepages 2 --page-size 3M" "--page-size 1G" \
	"--hugepages 2 --node x" "--hugepages 2 --mount rel/dir" "--driver ixgbe 03:00.0" \
	"--unbind" "--unbind --force 03:00.0" "03:00.0 03:00.1" "--user" "--root $A 03:00.0" \
	"--dry-run --root $R/none 03:00.0" "--status 03:00.0"; do
	# shellcheck disable=SC2086
	bn 2 $bad
	[ "$(wc -l < "$R/out")" -ge 1 ] || fail "bind-nic $bad: no message"
done
bn 2 --hugepages x
has "--hugepages wants a number of pages"
has "(scripts/bind-nic --help for usage)"
bn 2 --root "$A" 03:00.0
has "needs --dry-run"
bn 0 --help
has "usage: scripts/bind-nic"
ok "15 kinds of bad arguments exit 2 with the reason; --help exits 0"

# 2. A bind, by address and by interface name.
bn 0 --dry-run --root "$A" 03:00.0
has "device 0000:03:00.0 (driver ixgbe, interface $IF_FREE)"
has "IOMMU on: 0000:03:00.0 is in IOMMU group 7"
has "vfio-pci module loaded"
has "would remember driver ixgbe in /run/surge-bind-nic/0000:03:00.0"
has "would run: dpdk-devbind.py -b vfio-pci 0000:03:00.0"
has "not run against --root"
has "dry run: nothing was changed"
lacks "--force"
ok "bind by address: the devbind command, IOMMU group 7, ixgbe remembered"
bn 0 --dry-run --root "$A" 0b:00.0
has "warning: IOMMU group 16 also holds 0000:0b:00.1"
ok "a device sharing its IOMMU group: the others named"
bn 0 --dry-run --root "$A" --user nobody "$IF_FREE"
has "device 0000:03:00.0"
has "would run: chown nobody $A/dev/vfio/7"
ok "bind by interface name; --user hands /dev/vfio/7 over"
SURGE_SYSROOT=$A bn 0 --dry-run 0000:03:00.0
has "would run: dpdk-devbind.py -b vfio-pci 0000:03:00.0"
ok "SURGE_SYSROOT works as --root"

# 3. Refusals.
bn 1 --dry-run --root "$A" 03:00.1
has "$IF_DEF (0000:03:00.1) carries the default route"
lacks "would run"
bn 0 --dry-run --root "$A" --force 03:00.1
has "warning: $IF_DEF carries the default route; --force"
has "would run: dpdk-devbind.py -b vfio-pci --force 0000:03:00.1"
ok "the default route's interface refused (exit 1); with --force, bound and --force passed on"
bn 1 --dry-run --root "$A" "$IF_RT"
has "$IF_RT (0000:04:00.0) is in use (it has routes"
ok "an interface with routes refused"
bn 1 --dry-run --root "$A" 05:00.0
has "is not a network controller (PCI class 0x010802)"
bn 0 --dry-run --root "$A" --force 05:00.0
has "would run: dpdk-devbind.py -b vfio-pci --force 0000:05:00.0"
ok "a storage controller refused; --force binds it"
bn 1 --dry-run --root "$A" 06:00.0
has "Mellanox/NVIDIA ConnectX"
ok "a ConnectX NIC refused (its PMD works beside mlx5_core)"
bn 1 --dry-run --root "$A" 0a:00.0
has "no PCI device 0000:0a:00.0"
bn 1 --dry-run --root "$A" "${P}v"
has "is not a PCI device"
bn 1 --dry-run --root "$A" nosuchif0
has "neither a PCI address nor a network interface"
ok "a missing device, a virtual interface, an unknown name: exit 1"
bn 1 --dry-run --root "$N" 03:00.0
has "no IOMMU is on"
has "intel_iommu=on iommu=pt"
has "--noiommu"
lacks "would run: dpdk-devbind.py"
ok "no IOMMU: refused with what to do"
bn 0 --dry-run --root "$N" --noiommu --user nobody 03:00.0
has "would write '1' to /sys/module/vfio/parameters/enable_unsafe_noiommu_mode"
has "surge-relay must run as root"
has "the vfio-pci module is not loaded"
has "would run: modprobe vfio-pci"
has "would run: dpdk-devbind.py -b vfio-pci 0000:03:00.0"
has "in no-IOMMU mode the relay runs as root; nothing handed to nobody"
ok "--noiommu: no-IOMMU mode turned on, modprobe vfio-pci, bound; --user declined"
bn 0 --dry-run --root "$Y" 03:00.0
has "warning: vfio no-IOMMU mode"
lacks "would write"
ok "no-IOMMU mode already on: a warning, then the bind"

# 4. Already on vfio-pci; unbind.
bn 0 --dry-run --root "$A" 07:00.0
has "already bound to vfio-pci: nothing to bind"
lacks "would run: dpdk-devbind.py"
ok "already on vfio-pci: nothing to do"
bn 0 --dry-run --root "$A" --unbind 07:00.0
has "its kernel driver was ice (remembered"
has "would run: dpdk-devbind.py -b ice 0000:07:00.0"
bn 0 --dry-run --root "$A" --unbind --driver i40e 07:00.0
has "would run: dpdk-devbind.py -b i40e 0000:07:00.0"
bn 1 --dry-run --root "$A" --unbind 08:00.0
has "which kernel driver should 0000:08:00.0 go back to?"
bn 0 --dry-run --root "$A" --unbind 03:00.0
has "is not bound to vfio-pci (driver ixgbe): nothing to give back"
bn 1 --dry-run --root "$A" --unbind --driver 'x;y' 07:00.0
has "is not a driver name"
ok "unbind: the remembered driver, --driver, none remembered (exit 1), not on vfio-pci, a bad name"

# 5. Hugepages.
bn 0 --dry-run --root "$A" --hugepages 512
has "would write '512' to /sys/kernel/mm/hugepages/hugepages-2048kB/nr_hugepages"
has "hugetlbfs already mounted at /dev/hugepages"
has "512 x 2M = 1024 MiB"
bn 0 --dry-run --root "$A" --hugepages 64 --node 0 --user nobody 09:00.0
has "would write '64' to /sys/devices/system/node/node0/hugepages/hugepages-2048kB/nr_hugepages"
has "would run: chown nobody: $A/dev/hugepages"
has "would run: dpdk-devbind.py -b vfio-pci 0000:09:00.0"
lacks "would remember"
bn 0 --dry-run --root "$N" --hugepages 16 --mount /dev/hugepages-surge --user nobody
has "would run: mount -t hugetlbfs -o pagesize=2M,uid=nobody,gid=nobody,mode=0770 nodev $N/dev/hugepages-surge"
has "give surge-relay's EAL --huge-dir /dev/hugepages-surge"
bn 1 --dry-run --root "$A" --hugepages 2 --page-size 1G
has "no 1 GiB pages"
mkdir -p "$Y/sys/kernel/mm/hugepages/hugepages-1048576kB"
echo 0 > "$Y/sys/kernel/mm/hugepages/hugepages-1048576kB/nr_hugepages"
echo "nodev /dev/hugepages hugetlbfs rw,relatime,pagesize=2M 0 0" >> "$Y/proc/mounts"
bn 1 --dry-run --root "$Y" --hugepages 2 --page-size 1G
has "/dev/hugepages is a hugetlbfs of 2M pages, not 1G"
bn 0 --dry-run --root "$Y" --hugepages 2 --page-size 1G --mount /dev/hugepages-1G
has "would run: mount -t hugetlbfs -o pagesize=1G nodev $Y/dev/hugepages-1G"
bn 1 --dry-run --root "$A" --hugepages 2 --node 1
has "no NUMA node 1"
ok "hugepages: per size and node, mount made or found, --user, no 1 GiB pages, wrong page size, no such node"

# 6. Nothing changed, and the real machine's sysfs read only.
# (Y gained files above on purpose; compare the rest.)
rm -rf "$Y/sys/kernel/mm/hugepages/hugepages-1048576kB"
sed -i '$d' "$Y/proc/mounts"
[ "$(tree_sum)" = "$before" ] || fail "a --dry-run changed the fake tree"
real=/sys/kernel/mm/hugepages/hugepages-2048kB/nr_hugepages
if [ -r "$real" ]; then
	was=$(cat "$real")
	bn 0 --dry-run --hugepages $((was + 1))
	has "would write '$((was + 1))' to $real"
	[ "$(cat "$real")" = "$was" ] || fail "a --dry-run on this machine changed $real"
	ok "dry runs changed nothing (the fake tree, and this machine's $real)"
else
	ok "dry runs changed nothing in the fake tree (this machine has no $real to check)"
fi
echo "PASS bind_nic"
