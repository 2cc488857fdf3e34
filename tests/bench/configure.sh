#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# `gpuprep configure` (the real edit: backup, journal, fsyncs) on a typical config, side by
# side with hyperfine against `nvidia-ctk-1.17.9 runtime configure` of the same file (from
# ../shared/bin, when there), `cp` of it, and `true` for the cost of starting any process.
# Both builds when the static one is there (.ci/portable's x86_64 binary), each on a node as
# it is after an earlier gpuprep run (the backup directory and /run/gpuprep.lock there), and
# on one where it is the first run since boot (no lock file yet: configure then reads its
# input twice, before it makes the lock and again under it).
# Each run starts from the same files (--prepare); ROUNDS (default 5) rounds of 20 runs of each
# command, the medians over all rounds. Also one run's fsyncs, the time spent in them and its
# syscalls (strace), its instructions (valgrind), and its peak RSS.
# Target (issue 19): configure <= 0.5x nvidia-ctk on containerd's default config and on a
# typical daemon.json. Below the table, each ratio's 95% bootstrap interval (all rounds'
# runs resampled): one that spans 0.5 is "at the line", where the machine's noise decides.
# usage: tests/bench/configure.sh [BUILD_DIR [STATIC_BINARY]]
#        (defaults: build, and BUILD_DIR/portable/gpuprep-linux-x86_64 when it is there, which
#        `bash .ci/portable BUILD_DIR/portable` makes)
# A runtime whose configure is not supported yet is listed as skipped.
set -eu
src=$(cd "$(dirname "$0")/../.." && pwd)
build=${1:-$src/build}
gpuprep="$build/cmd/gpuprep"
[ -x "$gpuprep" ] || { echo "no $gpuprep: build first (meson compile -C $build)" >&2; exit 1; }
static=${2:-$build/portable/gpuprep-linux-x86_64}
[ -x "$static" ] || static=
builds=(dynamic) bins=("$gpuprep")
[ -n "$static" ] && builds+=(static) bins+=("$static")
command -v hyperfine >/dev/null || { echo "hyperfine is not installed" >&2; exit 1; }
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

# A typical daemon.json: the keys the seeds' guides write, 2-space indented.
mkdir -p "$work/root/etc/docker" "$work/root/etc/containerd"
cat >"$work/root/etc/docker/daemon.json" <<'EOF'
{
  "exec-opts": ["native.cgroupdriver=systemd"],
  "log-driver": "json-file",
  "log-opts": {
    "max-size": "100m",
    "max-file": "3"
  },
  "storage-driver": "overlay2",
  "registry-mirrors": ["https://mirror.example.com"],
  "insecure-registries": ["registry.local:5000"],
  "live-restore": true,
  "features": {
    "buildkit": true
  }
}
EOF
# A typical config.toml: what `containerd config default` prints.
if command -v containerd >/dev/null; then
	containerd config default >"$work/root/etc/containerd/config.toml" 2>/dev/null || true
fi

ctk=$src/../shared/bin/nvidia-ctk-1.17.9
[ -x "$ctk" ] || ctk=
cat >"$work/reset" <<EOF
#!/bin/sh
# reset FILE [fresh]: the node as before any configure, as it is after an earlier gpuprep run
# (its backup directory and /run/gpuprep.lock there), or with fresh as on the first run since
# boot (/run empty); its files on disk as a node's are: synced, so that no run pays for
# committing the reset's own writes (without it a run's first fsync, or its first mkdir, waits
# for them).
rm -rf "$work/run" && mkdir -p "$work/run" && cp -a "$work/root" "$work/run/root" &&
	mkdir -p "$work/run/root/var/lib/gpuprep/backup" "$work/run/root/run" &&
	{ [ "\${2:-}" = fresh ] || : >"$work/run/root/run/gpuprep.lock"; } &&
	cp "$work/run/root/\$1" "$work/run/ctk" && sync -f "$work/run"
EOF
chmod +x "$work/reset"

printf '%-38s %14s %14s %14s %14s %7s %6s %8s %7s %7s %7s  %s\n' "runtime, build, node" configure \
	nvidia-ctk cp true ratio fsyncs "fsync ms" syscall Minstr "peak KB" "target <= 0.5x nvidia-ctk"
status=0
for rt in docker containerd; do
	case $rt in
	docker) file=etc/docker/daemon.json ;;
	containerd) file=etc/containerd/config.toml ;;
	esac
	if [ ! -s "$work/root/$file" ]; then
		printf '%-38s skipped: no typical %s (containerd not installed)\n' "$rt" "$file"
		continue
	fi
	"$work/reset" "$file"
	if ! "$gpuprep" --root "$work/run/root" configure --runtime "$rt" >/dev/null 2>&1; then
		printf '%-38s skipped: %s\n' "$rt" \
			"$("$gpuprep" --root "$work/run/root" configure --runtime "$rt" 2>&1 | head -1)"
		continue
	fi
	# One run's counts for each build, each from the same starting state (a used node).
	counts=()
	for b in "${!bins[@]}"; do
		bin=${bins[$b]} fs=- fm=- sc=- mi=-
		if command -v strace >/dev/null; then
			"$work/reset" "$file"
			strace -f -c -o "$work/strace" "$bin" --root "$work/run/root" configure \
				--runtime "$rt" >/dev/null 2>&1 || true
			# strace -c: % time, seconds, usecs/call, calls, [errors,] syscall
			fs=$(awk '$NF == "fsync" { print $4 }' "$work/strace")
			fm=$(awk '$NF == "fsync" { printf "%.2f", $2 * 1000 }' "$work/strace")
			sc=$(awk '$NF == "total" { print $4 }' "$work/strace")
		fi
		if command -v valgrind >/dev/null; then
			"$work/reset" "$file"
			mi=$(valgrind --tool=callgrind --callgrind-out-file=/dev/null "$bin" --root \
				"$work/run/root" configure --runtime "$rt" 2>&1 >/dev/null |
				awk '/Collected/ { printf "%.2f", $NF / 1e6 }')
		fi
		"$work/reset" "$file"
		pk=$(/usr/bin/time -f %M "$bin" --root "$work/run/root" configure --runtime "$rt" \
			2>&1 >/dev/null | tail -1)
		counts+=("${builds[$b]}" "$fs" "$fm" "$sc" "$mi" "$pk")
	done
	# Each command with its own --prepare (hyperfine takes them in order): every build on a
	# used node and on a fresh boot, nvidia-ctk, cp and true.
	args=() preps=()
	for b in "${!bins[@]}"; do
		for node in used fresh; do
			args+=(-n "${builds[$b]} $node" "${bins[$b]} --root $work/run/root configure --runtime $rt")
			preps+=(--prepare "$work/reset $file $node")
		done
	done
	if [ -n "$ctk" ]; then
		args+=(-n nvidia-ctk "$ctk runtime configure --runtime=$rt --config=$work/run/ctk")
		preps+=(--prepare "$work/reset $file")
	fi
	args+=(-n cp "cp $work/root/$file $work/copy" -n true "true")
	preps+=(--prepare "$work/reset $file" --prepare "$work/reset $file")
	# hyperfine runs one command's runs, then the next's: in ROUNDS rounds of 20 runs each,
	# so that a change in the machine's load falls on every command alike.
	for ((round = 0; round < ${ROUNDS:-5}; round++)); do
		hyperfine -N --warmup 5 --runs 20 "${preps[@]}" \
			--export-json "$work/$rt-$round.json" "${args[@]}" >/dev/null 2>&1
	done
	python3 - "$rt" "${counts[@]}" -- "$work/$rt"-*.json <<'EOF' || status=1
import json, random, statistics, sys
rt = sys.argv[1]
sep = sys.argv.index("--")
c = sys.argv[2:sep]
counts = {c[i]: c[i + 1:i + 6] for i in range(0, len(c), 6)}
times = {}
for path in sys.argv[sep + 1:]:
    for x in json.load(open(path))["results"]:
        times.setdefault(x["command"], []).extend(x["times"])
def ms(name):
    if name not in times:
        return (None, None)
    t = times[name]
    return (statistics.median(t) * 1e3, statistics.stdev(t) * 1e3)
def col(v):
    return f"{v[0]:7.3f}±{v[1]:4.2f}ms" if v[0] is not None else f"{'-':>14}"
k = ms("nvidia-ctk")
# How far the machine's noise moves the ratio of the medians: a 95% percentile bootstrap,
# each command's runs resampled with replacement (a fixed seed: one run's figures are
# reproducible from its times).
rng = random.Random(19)
def interval(a, b):
    if len(a) < 5 or len(b) < 5:
        return None
    r = sorted(statistics.median(rng.choices(a, k=len(a))) /
               statistics.median(rng.choices(b, k=len(b))) for _ in range(2000))
    return r[49], r[1949]
missed = False
intervals = []
for build, (fs, fm, sc, mi, pk) in counts.items():
    for node, label in (("used", "after a run"), ("fresh", "first since boot")):
        m = ms(f"{build} {node}")
        if k[0] is None:
            ratio, verdict = "-", "SKIPPED (no ../shared/bin/nvidia-ctk-1.17.9)"
        else:
            ratio = f"{m[0] / k[0]:6.2f}x"
            verdict = "MET" if m[0] <= 0.5 * k[0] else "MISSED"
            missed |= verdict == "MISSED"
            ci = interval(times[f"{build} {node}"], times["nvidia-ctk"])
            if ci:
                intervals.append(f"{rt + ', ' + build + ', ' + label}: ratio {m[0] / k[0]:.3f}, "
                                 f"95% interval {ci[0]:.3f}-{ci[1]:.3f}"
                                 + (" (at the line: it spans 0.5)" if ci[0] <= 0.5 < ci[1] else ""))
        if node == "fresh":
            fs = fm = sc = mi = pk = ""
        print(f"{rt + ', ' + build + ', ' + label:<38} {col(m)} {col(k)} {col(ms('cp'))} "
              f"{col(ms('true'))} {ratio:>7} {fs:>6} {fm:>8} {sc:>7} {mi:>7} {pk:>7}  {verdict}")
for line in intervals:
    print(f"  {line}")
sys.exit(1 if missed else 0)
EOF
done
echo "(medians; wall time suffers from other load on this machine, instructions and syscall"
echo " counts do not, and are those of a run on a used node; fsync ms: the time one run spent"
echo " in fsync under strace -c, which the disk and the other writers on it decide; nvidia-ctk"
echo " writes no backup and syncs nothing)"
exit $status
