#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# Benchmarks for gpuprep install and gpuprep bundle (not a test: it prints ratios).
#   1. offline install from a bundle vs plain `dpkg -i` of the same four files, each
#      into a fresh dpkg --root sandbox, interleaved; both builds when the static one is
#      there (.ci/portable's x86_64 binary). Target: at most 1.10x. With the median of the
#      rounds' ratios, a 95% bootstrap interval of it: where it spans 1.10, the verdict is
#      the machine's noise as much as gpuprep's (it says "at the line").
#   2. gpuprep bundle over 127.0.0.1 vs curl fetching the same files from the same
#      server. Target: at least 80% of curl's throughput.
# usage: tests/bench/install.sh [BUILD_DIR] [RUNS] [STATIC_BINARY]
#        (STATIC_BINARY defaults to BUILD_DIR/portable/gpuprep-linux-x86_64 when it is there,
#        which `bash .ci/portable BUILD_DIR/portable` makes)
set -eu
src=$(cd "$(dirname "$0")/.." && pwd)
build=${1:-build}
runs=${2:-10}
export GPUPREP=${GPUPREP:-$(cd "$build" && pwd)/cmd/gpuprep}
static=${3:-$build/portable/gpuprep-linux-x86_64}
[ -x "$static" ] && static=$(cd "$(dirname "$static")" && pwd)/$(basename "$static") || static=
export TESTS_SRC=$src NO_COLOR=1 LC_ALL=C.UTF-8
. "$src/lib.sh"
. "$src/install/lib-install.sh"
trap - EXIT
trap '_tap_finish' EXIT

# Packages of about the real sizes (1.0 MiB, 40 KiB, 5.5 MiB, 1.6 MiB), incompressible.
mk_sized() { # NAME KiB DEPENDS
	local d="$T/build/$1"
	mkdir -p "$d/DEBIAN" "$d/usr/lib/gpuprep-bench" "$T/pkgs-amd64"
	head -c "$(($2 * 1024))" /dev/urandom >"$d/usr/lib/gpuprep-bench/$1.bin"
	printf 'Package: %s\nVersion: 1.17.8-1\nArchitecture: amd64\nMaintainer: bench <b@example.invalid>\n%sDescription: bench\n' \
		"$1" "${3:+Depends: $3
}" >"$d/DEBIAN/control"
	dpkg-deb --root-owner-group -Zgzip -b "$d" "$T/pkgs-amd64/${1}_1.17.8-1_amd64.deb" >/dev/null
}
mk_sized libnvidia-container1 1024 "libc6, libcap2, libseccomp2"
mk_sized libnvidia-container-tools 40 "libnvidia-container1 (>= 1.17.8-1)"
mk_sized nvidia-container-toolkit-base 5632 ""
mk_sized nvidia-container-toolkit 1600 "nvidia-container-toolkit-base (= 1.17.8-1), libnvidia-container-tools (>= 1.17.8-1)"
# Signed with a key of the kind NVIDIA's is: RSA (its armored gpgkey is 3,195 bytes; an Ed25519
# key's is about 600), which gpgv checks in about half the time it takes for Ed25519.
mk_gpg_key repo rsa4096
mk_repo "$T/repo" repo amd64
start_httpd "$T/repo"
"$GPUPREP" -q bundle --arch amd64 --repo-url "$URL" --keyring "$T/repo.asc" -o "$T/bundle.tar.gz" >/dev/null
mk_sandbox "$T/template" amd64
# A real root has /run, where gpuprep takes its lock; without it every run would create it.
mkdir -p "$T/template/run"
debs=()
for p in $TOOLKIT; do debs+=("$T/pkgs-amd64/${p}_1.17.8-1_amd64.deb"); done

have_hyperfine=false
command -v hyperfine >/dev/null && have_hyperfine=true
# mean_ms PREPARE COMMAND: the mean wall time of COMMAND over $runs runs, each after PREPARE.
mean_ms() {
	if $have_hyperfine; then
		hyperfine -N --style none --runs "$runs" --prepare "$1" --export-json "$T/h.json" "$2" >/dev/null 2>&1 ||
			hyperfine --style none --runs "$runs" --prepare "$1" --export-json "$T/h.json" "$2" >/dev/null
		python3 -c 'import json,sys; print("%.1f" % (json.load(open(sys.argv[1]))["results"][0]["mean"]*1000))' "$T/h.json"
	else
		local total=0 i s e
		for ((i = 0; i < runs; i++)); do
			bash -c "$1"
			s=$(date +%s%N)
			bash -c "$2" >/dev/null 2>&1
			e=$(date +%s%N)
			total=$((total + e - s))
		done
		python3 -c "print('%.1f' % ($total / $runs / 1e6))"
	fi
}
fresh="rm -rf $T/sb && cp -a $T/template $T/sb && sync"

echo "== offline install of the four packages (bundle vs plain dpkg -i), $runs interleaved rounds"
# Interleaved: each round runs every build, then dpkg -i, each from a fresh sandbox, so that a
# change in the machine's load falls on all alike; the medians and the median of the rounds'
# ratios and differences.
args="-q --root $T/sb install --offline $T/bundle.tar.gz --keyring $T/repo.asc"
cmds=("dynamic=$GPUPREP $args")
[ -n "$static" ] && cmds+=("static=$static $args")
python3 - "$runs" "$fresh" "dpkg --root=$T/sb -i ${debs[*]}" "${cmds[@]}" <<'EOT'
import random, shlex, statistics, subprocess, sys, time
runs, fresh, d_cmd = int(sys.argv[1]), sys.argv[2], sys.argv[3]
builds = [a.split("=", 1) for a in sys.argv[4:]]
t = {k: [] for k, _ in builds}
t["dpkg"] = []
for _ in range(runs):
    for k, cmd in builds + [("dpkg", d_cmd)]:
        subprocess.run(["bash", "-c", fresh], check=True)
        s = time.perf_counter()
        subprocess.run(shlex.split(cmd), check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        t[k].append((time.perf_counter() - s) * 1000)
d = statistics.median(t["dpkg"])
print(f"  dpkg -i (same four files)                  {d:8.1f} ms (median)")
# How far the machine's noise moves the median of the rounds' ratios: a 95% percentile
# bootstrap over the rounds (resampled with replacement; a fixed seed, so that one run's
# figures are reproducible from its times).
rng = random.Random(19)
def interval(ratios):
    if len(ratios) < 5:
        return None
    meds = sorted(statistics.median(rng.choices(ratios, k=len(ratios))) for _ in range(2000))
    return meds[49], meds[1949]
for k, _ in builds:
    g = statistics.median(t[k])
    ratios = [a / b for a, b in zip(t[k], t["dpkg"])]
    pair = statistics.median(ratios)
    add = statistics.median(a - b for a, b in zip(t[k], t["dpkg"]))
    print(f"  gpuprep install --offline BUNDLE ({k:7s})  {g:8.1f} ms (median); adds {add:.1f} ms "
          f"(median of the rounds' differences; the target allows {0.10 * d:.1f} ms)")
    ci = interval(ratios)
    span = f", 95% interval {ci[0]:.3f}-{ci[1]:.3f}" if ci else ""
    line = "  (at the line: the interval spans the target)" if ci and ci[0] <= 1.10 < ci[1] else ""
    print(f"    ratio {g / d:.3f}, median of the rounds' ratios {pair:.3f}{span} (target: at most "
          f"1.10)  {'MET' if pair <= 1.10 else 'MISSED'}{line}")
EOT

echo "== download over 127.0.0.1 (gpuprep bundle vs curl, same files, same server), $runs runs each"
bytes=0
urls=()
for f in gpgkey stable/deb/amd64/InRelease stable/deb/amd64/Packages; do urls+=("$URL/$f"); bytes=$((bytes + $(stat -c %s "$T/repo/$f"))); done
for p in $TOOLKIT; do
	urls+=("$URL/stable/deb/amd64/${p}_1.17.8-1_amd64.deb")
	bytes=$((bytes + $(stat -c %s "$T/repo/stable/deb/amd64/${p}_1.17.8-1_amd64.deb")))
done
curl_cmd="curl -sf"
for u in "${urls[@]}"; do curl_cmd+=" -o $T/c/$(basename "$u") $u"; done
g=$(mean_ms "rm -rf $T/b.tar.gz $T/b.tar.gz.download && sync" "$GPUPREP -q bundle --arch amd64 --repo-url $URL --keyring $T/repo.asc -o $T/b.tar.gz")
c=$(mean_ms "rm -rf $T/c && mkdir -p $T/c && sync" "$curl_cmd")
python3 - "$g" "$c" "$bytes" <<'EOT'
import sys
g, c, b = float(sys.argv[1]), float(sys.argv[2]), int(sys.argv[3])
tg, tc = b / g / 1000, b / c / 1000
print(f"  gpuprep bundle  {g:8.1f} ms  {tg:7.1f} MB/s  (also verifies, hashes and writes the archive)")
print(f"  curl            {c:8.1f} ms  {tc:7.1f} MB/s  ({b} bytes in {len(sys.argv) and 7} files)")
print(f"  throughput ratio {tg / tc:.2f}  (target: at least 0.80)  {'OK' if tg / tc >= 0.8 else 'UNDER TARGET'}")
EOT
