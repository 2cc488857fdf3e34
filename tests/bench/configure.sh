#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# `gpuprep configure --dry-run` on a typical config, against `cp` of the same file, side by
# side with hyperfine, and `true` for the cost of starting any process on this machine (where
# that alone is over 3 ms, the target cannot be met by any program; the last column is what
# gpuprep adds on top). Target: configure on a typical file under 3 ms wall.
# usage: tests/bench/configure.sh [BUILD_DIR]      (default: build)
# A runtime whose configure is not supported yet is listed as skipped.
set -eu
src=$(cd "$(dirname "$0")/../.." && pwd)
build=${1:-$src/build}
gpuprep="$build/cmd/gpuprep"
[ -x "$gpuprep" ] || { echo "no $gpuprep: build first (meson compile -C $build)" >&2; exit 1; }
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

printf '%-12s %16s %16s %16s %8s %10s  %s\n' runtime configure cp "true (start-up)" ratio "cfg-true" "target < 3 ms"
for rt in docker containerd; do
	case $rt in
	docker) file=etc/docker/daemon.json ;;
	containerd) file=etc/containerd/config.toml ;;
	esac
	if [ ! -s "$work/root/$file" ]; then
		printf '%-12s skipped: no typical %s (containerd not installed)\n' "$rt" "$file"
		continue
	fi
	if ! "$gpuprep" --root "$work/root" configure --runtime "$rt" --dry-run >/dev/null 2>&1; then
		printf '%-12s skipped: %s\n' "$rt" \
			"$("$gpuprep" --root "$work/root" configure --runtime "$rt" --dry-run 2>&1 | head -1)"
		continue
	fi
	hyperfine -N --warmup 20 --min-runs 200 --export-json "$work/$rt.json" \
		-n configure "$gpuprep --root $work/root configure --runtime $rt --dry-run" \
		-n cp "cp $work/root/$file $work/copy" \
		-n true "true" >/dev/null 2>&1
	python3 - "$work/$rt.json" "$rt" "$(wc -c <"$work/root/$file")" <<'EOF'
import json, sys
r = {x["command"]: x for x in json.load(open(sys.argv[1]))["results"]}
def ms(name):
    return r[name]["mean"] * 1e3, r[name]["stddev"] * 1e3
(c, cs), (p, ps), (t, ts) = ms("configure"), ms("cp"), ms("true")
verdict = "ok" if c < 3 else ("MISSED" if t < 3 else f"MISSED (start-up alone is {t:.1f} ms here)")
print(f"{sys.argv[2]:<12} {c:9.3f}±{cs:5.2f}ms {p:9.3f}±{ps:5.2f}ms {t:9.3f}±{ts:5.2f}ms "
      f"{c / p:7.2f}x {c - t:8.3f}ms  {verdict} ({sys.argv[3]} bytes)")
EOF
done
