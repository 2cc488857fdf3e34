#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# gpuprep configure and NVIDIA's `nvidia-ctk runtime configure --set-as-default` (1.17.9, from
# ../shared/bin) side by side on the corpus (tests/fixtures/corpus, sources in its SOURCES):
# each tool edits its own copy of each file. Per file and tool:
#   rc       the exit status
#   lines    the original lines still there, in order (difflib), out of all of them
#   comments the same for the comment lines (# ...)
#   loads    the result loads: `containerd config dump` (Debian's 1.6 for versions 1 and 2,
#            ../shared's 2.1.5 for version 3; "-" for version 4, which needs 2.3), or
#            `dockerd-28.1.1 --validate` for daemon.json; "in!" when the input does not load
#            either
#   nvidia   nvidia is the runtime containerd 1.x/2.x or dockerd would use by default (a
#            version 1/2 default_runtime table with a runtime_type wins on containerd 1.x)
#   ms       wall time of the one run, in milliseconds (process start included): for gpuprep
#            that includes its backup and the fsync of the file, the backup and the journal
#            (crash safety); nvidia-ctk writes the file without fsync or backup
#   dry      the same tool with --dry-run on a fresh copy: the parse and edit alone
# Then the totals. One run each: the figures are for comparison, not a speed target.
# usage: tests/bench/corpus.sh [BUILD_DIR]      (default: build)
set -eu
src=$(cd "$(dirname "$0")/../.." && pwd)
build=${1:-$src/build}
gpuprep="$build/cmd/gpuprep"
shared=$src/../shared/bin
ctk=$shared/nvidia-ctk-1.17.9
ctd2=$shared/containerd-2.1.5/containerd
dockerd=$shared/dockerd-28.1.1
[ -x "$gpuprep" ] || { echo "no $gpuprep: build first (meson compile -C $build)" >&2; exit 1; }
for b in "$ctk" "$ctd2" "$dockerd"; do
	[ -x "$b" ] || { echo "no $b: this bench needs ../shared/bin (not in a plain clone)" >&2; exit 1; }
done
command -v containerd >/dev/null || { echo "containerd (Debian's 1.6) is not installed" >&2; exit 1; }
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

ms() { echo $((($(date +%s%N) - $1) / 1000000)); }

# loads FILE KIND: ok, fail or -
loads() {
	local v
	if [ "$2" = docker ]; then
		"$dockerd" --validate --config-file "$1" >/dev/null 2>&1 && echo ok || echo fail
		return
	fi
	v=$(/usr/bin/python3 -c 'import sys, tomllib
try: print(tomllib.load(open(sys.argv[1], "rb")).get("version", 1))
except Exception: print(0)' "$1")
	case $v in
	0) echo fail ;;
	1 | 2) containerd --config "$1" config dump >/dev/null 2>&1 && echo ok || echo fail ;;
	3) "$ctd2" --config "$1" config dump >/dev/null 2>&1 && echo ok || echo fail ;;
	*) echo - ;;
	esac
}

printf '%-48s %-7s %3s %9s %9s %5s %6s %5s %5s\n' file tool rc lines comments loads nvidia ms dry
for f in "$src"/tests/fixtures/corpus/containerd/* "$src"/tests/fixtures/corpus/docker/*; do
	name=$(basename "$f")
	case $name in
	*.toml) kind=containerd cfg=etc/containerd/config.toml ;;
	*) kind=docker cfg=etc/docker/daemon.json ;;
	esac
	inload=$(loads "$f" "$kind")
	for tool in gpuprep ctk; do
		d=$work/$tool-$name
		mkdir -p "$d/$(dirname "$cfg")"
		cp "$f" "$d/$cfg"
		t0=$(date +%s%N)
		set +e
		if [ $tool = gpuprep ]; then
			"$gpuprep" --root "$d" configure --runtime "$kind" >/dev/null 2>&1
		else
			"$ctk" runtime configure --runtime="$kind" --config="$d/$cfg" --set-as-default \
				>/dev/null 2>&1
		fi
		rc=$?
		set -e
		t=$(ms "$t0")
		mkdir -p "$d.dry/$(dirname "$cfg")"
		cp "$f" "$d.dry/$cfg"
		t0=$(date +%s%N)
		if [ $tool = gpuprep ]; then
			"$gpuprep" --root "$d.dry" configure --runtime "$kind" --dry-run >/dev/null 2>&1 || true
		else
			"$ctk" runtime configure --runtime="$kind" --config="$d.dry/$cfg" --set-as-default \
				--dry-run >/dev/null 2>&1 || true
		fi
		td=$(ms "$t0")
		# A main file that imports a directory gets gpuprep's change in a drop-in there.
		dropin=$(find "$d" -name '99-nvidia.toml' -not -path '*/var/lib/gpuprep/*' | head -1)
		l=$(loads "$d/$cfg" "$kind")
		[ "$l" = fail ] && [ "$inload" = fail ] && l='in!'
		/usr/bin/python3 - "$f" "$d/$cfg" "$kind" $dropin >"$work/stats" <<'PY'
import difflib, json, sys, tomllib
a = open(sys.argv[1], "rb").read().decode("utf-8", "replace").lstrip("\ufeff").splitlines()
b = open(sys.argv[2], "rb").read().decode("utf-8", "replace").lstrip("\ufeff").splitlines()
sm = difflib.SequenceMatcher(None, a, b, autojunk=False)
kept = set()
for blk in sm.get_matching_blocks():
    kept.update(range(blk.a, blk.a + blk.size))
com = [i for i, x in enumerate(a) if x.lstrip().startswith("#")]
nv = "no"
try:
    text = open(sys.argv[2], "rb").read().decode().lstrip("\ufeff")
    if sys.argv[3] == "docker":
        d = json.loads(text) if text.strip() else {}
        nv = "yes" if d.get("default-runtime") == "nvidia" else "no"
    else:
        d = tomllib.loads(text)
        if len(sys.argv) > 4:  # the drop-in's plugin section, as containerd 1.x takes it
            dd = tomllib.load(open(sys.argv[4], "rb"))
            d.setdefault("plugins", {}).update(dd.get("plugins", {}))
        v = d.get("version", 1)
        p = d.get("plugins", {})
        if v >= 3:
            c = p.get("io.containerd.cri.v1.runtime", {}).get("containerd", {})
        elif v == 2:
            c = p.get("io.containerd.grpc.v1.cri", {}).get("containerd", {})
        else:
            c = p.get("cri", {}).get("containerd", {})
        rts = c.get("runtimes", {})
        name = c.get("default_runtime_name", "runc")
        bn = rts.get(name, {}).get("options", {})
        bin_ = bn.get("BinaryName") or bn.get("Runtime") or ""
        dr = c.get("default_runtime", {})
        if v < 3 and dr.get("runtime_type"):  # containerd 1.x uses this table
            o = dr.get("options", {})
            bin_ = o.get("BinaryName") or o.get("Runtime") or ""
        nv = "yes" if "nvidia" in bin_ else "no"
except Exception:
    nv = "?"
print(len(kept), len(a), len([i for i in com if i in kept]), len(com), nv)
PY
		read -r k n ck cn nv <"$work/stats"
		printf '%-48s %-7s %3s %9s %9s %5s %6s %5s %5s\n' "$name" "$tool" "$rc" "$k/$n" \
			"$ck/$cn" "$l" "$nv" "$t" "$td"
		printf '%s %s %s %s %s %s %s %s %s %s\n' "$tool" "$rc" "$k" "$n" "$ck" "$cn" "$l" "$nv" \
			"$t" "$td" >>"$work/all"
	done
done
echo
awk '{ f[$1]++; if ($2 == 0) ok[$1]++; k[$1] += $3; n[$1] += $4; ck[$1] += $5; cn[$1] += $6
       if ($7 == "ok") ld[$1]++; if ($7 == "in!") bad[$1]++; if ($8 == "yes") nv[$1]++
       t[$1] += $9; td[$1] += $10 }
     END { printf "%-8s %6s %7s %11s %14s %12s %7s %9s %7s\n", "tool", "files", "exit 0",
                  "lines kept", "comments kept", "loads", "nvidia", "total ms", "dry ms"
           for (x in f) printf "%-8s %6d %7d %11s %14s %12s %7s %9d %7d\n", x, f[x], ok[x],
                  sprintf("%d/%d", k[x], n[x]), sprintf("%d/%d", ck[x], cn[x]),
                  sprintf("%d (+%d in!)", ld[x], bad[x]), sprintf("%d/%d", nv[x], f[x]), t[x], td[x] }' "$work/all"
