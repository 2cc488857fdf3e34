#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""Copy what gpuprep reads of a real node into a fixture node (a tree for --root).

usage: capture-node.py [--from ROOT] OUTDIR

Run it as root on the machine to capture (it only reads); --from reads a node's tree under ROOT
instead (another fixture, a mounted image: the tests use it to check this tool). It writes OUTDIR/node/, laid out like
the fixture nodes under tests/fixtures/nodes/, and OUTDIR/capture.txt, which lists every path
it copied or could not read and the device numbers of the /dev nodes:

  - the PCI bus: every /sys/bus/pci/devices link, the attributes gpuprep and libpci read of
    each device and of the bridges above it, its driver link (and the driver's directory);
  - the kernel modules' state (/sys/module/nvidia*/version, initstate, ...), /proc/modules;
  - the driver's /proc/driver/nvidia tree (version, params, gpus/*/information, ...);
  - /dev/nvidia* as empty files (a fixture cannot hold device nodes; their numbers go to
    capture.txt) and the /dev/char links that lead to them;
  - the few /proc and /sys files the node checks read (swaps, cgroups, ip_forward, the cgroup
    v2 controllers, PID 1's name), /etc/os-release, and the runtime and toolkit configs that
    are there.

Files are copied by content (sysfs reports 4096 bytes for each), at most 1 MiB each; links
keep their targets as they are. Nothing outside OUTDIR is written.
"""
import os
import stat
import sys

PCI_ATTRS = (
    "vendor", "device", "class", "subsystem_vendor", "subsystem_device", "revision",
    "modalias", "uevent", "numa_node", "enable", "boot_vga", "irq", "local_cpulist",
    "current_link_speed", "current_link_width", "max_link_speed", "max_link_width",
    "power_state", "d3cold_allowed", "sriov_totalvfs", "sriov_numvfs", "sriov_offset",
    "sriov_stride", "sriov_vf_device", "label", "index", "acpi_index",
)
PCI_LINKS = ("driver", "physfn")
MODULES = ("nvidia", "nvidia_uvm", "nvidia_modeset", "nvidia_drm", "nvidia_peermem",
           "nvidia_fs", "nouveau", "nvgpu")
MODULE_ATTRS = ("version", "initstate", "refcnt", "srcversion", "taint")
FILES = (
    "/etc/os-release", "/etc/hostname", "/etc/nv_tegra_release",
    "/proc/modules", "/proc/cmdline", "/proc/version", "/proc/swaps", "/proc/cgroups",
    "/proc/sys/net/ipv4/ip_forward", "/proc/sys/kernel/osrelease", "/proc/1/comm",
    "/proc/device-tree/compatible", "/proc/device-tree/model",
    "/sys/fs/cgroup/cgroup.controllers",
    "/sys/devices/soc0/family", "/sys/devices/soc0/soc_id", "/sys/devices/soc0/machine",
    "/sys/devices/soc0/revision",
    "/etc/docker/daemon.json", "/etc/containerd/config.toml", "/etc/crio/crio.conf",
    "/etc/nvidia-container-runtime/config.toml", "/etc/cdi/nvidia.yaml", "/var/run/cdi/nvidia.yaml",
    "/etc/kubeedge/config/edgecore.yaml", "/etc/modprobe.d/blacklist-nouveau.conf",
)
TREES = ("/proc/driver/nvidia", "/etc/cdi", "/etc/nvidia-container-runtime")
MAX = 1 << 20

out = None
root = None  # --from: the tree read instead of /
log = []


def dest(path):
    return os.path.join(out, path.lstrip("/"))


def src(path):
    """Where a node path is read: itself, or under --from's root."""
    return os.path.join(root, path.lstrip("/")) if root else path


def realpath(path):
    """A node path with its links resolved inside the node (an absolute link under --from's
    root means the root's path, as it would on the node), as a node path."""
    if not root:
        return os.path.realpath(path)
    parts = [p for p in path.split("/") if p]
    cur, hops = "/", 0
    while parts:
        part = parts.pop(0)
        if part == "..":
            cur = os.path.dirname(cur)
            continue
        nxt = os.path.join(cur, part)
        if os.path.islink(src(nxt)) and hops < 40:
            hops += 1
            target = os.readlink(src(nxt))
            if target.startswith("/"):
                cur = "/"
            parts = [p for p in target.split("/") if p and p != "."] + parts
            continue
        cur = nxt
    return cur


def note(what, path, extra=""):
    log.append(f"{what:8s} {path}{'  ' + extra if extra else ''}")


def copy_file(path):
    if os.path.lexists(dest(path)):
        return
    try:
        with open(src(path), "rb") as f:
            data = f.read(MAX + 1)
    except OSError as e:
        note("unread", path, e.strerror or str(e))
        return
    if len(data) > MAX:
        note("toolarge", path)
        return
    os.makedirs(os.path.dirname(dest(path)), exist_ok=True)
    with open(dest(path), "wb") as f:
        f.write(data)
    note("file", path, f"{len(data)} bytes")


def copy_link(path):
    if os.path.lexists(dest(path)):
        return
    target = os.readlink(src(path))
    os.makedirs(os.path.dirname(dest(path)), exist_ok=True)
    os.symlink(target, dest(path))
    note("link", path, "-> " + target)


def copy_any(path):
    try:
        st = os.lstat(src(path))
    except OSError:
        return
    if stat.S_ISLNK(st.st_mode):
        copy_link(path)
    elif stat.S_ISREG(st.st_mode):
        copy_file(path)
    elif stat.S_ISDIR(st.st_mode):
        os.makedirs(dest(path), exist_ok=True)


def copy_tree(top):
    for dirpath, dirnames, filenames in os.walk(src(top)):
        node_dir = "/" + os.path.relpath(dirpath, root) if root else dirpath
        os.makedirs(dest(node_dir), exist_ok=True)
        for n in filenames + [d for d in dirnames if os.path.islink(os.path.join(dirpath, d))]:
            copy_any(os.path.join(node_dir, n))


def pci():
    top = "/sys/bus/pci/devices"
    try:
        names = sorted(n for n in os.listdir(src(top)) if not n.startswith("."))
    except OSError as e:
        note("unread", top, e.strerror)
        return
    os.makedirs(dest(top), exist_ok=True)
    for n in names:
        link = os.path.join(top, n)
        copy_any(link)
        # the device and every PCI device above it (bridges) up to /sys/devices/pciDDDD:BB
        d = realpath(link)
        while d.startswith("/sys/devices/pci") and os.path.exists(src(os.path.join(d, "vendor"))):
            os.makedirs(dest(d), exist_ok=True)
            for a in PCI_ATTRS:
                if os.path.exists(src(os.path.join(d, a))):
                    copy_file(os.path.join(d, a))
            for a in PCI_LINKS:
                p = os.path.join(d, a)
                if os.path.islink(src(p)):
                    copy_link(p)
                    if a == "driver":
                        os.makedirs(dest(realpath(p)), exist_ok=True)
            for a in sorted(os.listdir(src(d))):
                if a.startswith("virtfn") and os.path.islink(src(os.path.join(d, a))):
                    copy_link(os.path.join(d, a))
            d = os.path.dirname(d)


def dev():
    majors = set()
    try:
        names = sorted(os.listdir(src("/dev")))
    except OSError:
        return
    for n in names:
        if not n.startswith("nvidia"):
            continue
        p = os.path.join("/dev", n)
        st = os.lstat(src(p))
        if stat.S_ISCHR(st.st_mode):
            os.makedirs(dest("/dev"), exist_ok=True)
            open(dest(p), "wb").close()
            majors.add(os.major(st.st_rdev))
            note("chardev", p, f"{os.major(st.st_rdev)}:{os.minor(st.st_rdev)} "
                 f"mode {stat.S_IMODE(st.st_mode):o}")
        elif stat.S_ISDIR(st.st_mode):
            for m in sorted(os.listdir(src(p))):
                q = os.path.join(p, m)
                s2 = os.lstat(src(q))
                if stat.S_ISCHR(s2.st_mode):
                    os.makedirs(dest(p), exist_ok=True)
                    open(dest(q), "wb").close()
                    note("chardev", q, f"{os.major(s2.st_rdev)}:{os.minor(s2.st_rdev)}")
                else:
                    copy_any(q)
        else:
            copy_any(p)
    if os.path.isdir(src("/dev/char")):
        for n in sorted(os.listdir(src("/dev/char"))):
            p = os.path.join("/dev/char", n)
            if os.path.islink(src(p)) and os.path.basename(os.readlink(src(p))).startswith("nvidia"):
                copy_link(p)
            elif n.split(":")[0].isdigit() and int(n.split(":")[0]) in majors:
                note("other", p, "-> " + os.readlink(src(p)) if os.path.islink(src(p))
                     else "not a link")


def main():
    global out, root
    argv = sys.argv[1:]
    if len(argv) == 3 and argv[0] == "--from":
        root = os.path.realpath(argv[1])
        argv = argv[2:]
    if len(argv) != 1:
        sys.exit(__doc__)
    out = os.path.join(argv[0], "node")
    os.makedirs(out, exist_ok=True)
    pci()
    for m in MODULES:
        if os.path.isdir(src("/sys/module/" + m)):
            os.makedirs(dest("/sys/module/" + m), exist_ok=True)
            for a in MODULE_ATTRS:
                if os.path.exists(src(f"/sys/module/{m}/{a}")):
                    copy_file(f"/sys/module/{m}/{a}")
    for f in FILES:
        if os.path.lexists(src(f)):
            copy_any(f)
            if os.path.islink(src(f)):  # /etc/os-release -> ../usr/lib/os-release
                copy_any(realpath(f))
    for t in TREES:
        if os.path.isdir(src(t)):
            copy_tree(t)
    dev()
    with open(os.path.join(argv[0], "capture.txt"), "w") as f:
        f.write("\n".join(log) + "\n")
    print(f"capture-node: {sum(1 for l in log if not l.startswith('unread'))} paths in {out}, "
          f"{sum(1 for l in log if l.startswith('unread'))} unreadable (see capture.txt)")


if __name__ == "__main__":
    main()
