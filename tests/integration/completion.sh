#!/bin/bash
# Bash completion: cmd/gpuprep.bash-completion sourced in this shell, _gpuprep driven with
# COMP_WORDS/COMP_CWORD as bash sets them, COMPREPLY checked exactly. Then the invariants
# that keep it from going stale: every command, every long option of every usage text and
# every preflight check id is offered.
. "$TESTS_SRC/lib.sh"

# shellcheck source=../../cmd/gpuprep.bash-completion
. "$TESTS_SRC/../cmd/gpuprep.bash-completion"

# comp WORD...: complete the last word of "gpuprep WORD..." (split at '=' as bash does);
# the candidates, sorted, one line, in $got.
comp() {
	COMP_WORDS=("$GPUPREP" "$@")
	COMP_CWORD=$#
	COMPREPLY=()
	_gpuprep
	got=$(printf '%s\n' "${COMPREPLY[@]}" | LC_ALL=C sort | paste -sd' ')
}

# expect_comp WANT NAME WORD...
expect_comp() {
	local want=$1 name=$2
	shift 2
	comp "$@"
	if [ "$got" = "$want" ]; then ok "$name"; else
		not_ok "$name" "words: gpuprep $*" "got:  '$got'" "want: '$want'"
	fi
}


"$GPUPREP" --help | sed -n '/^Commands:/,/^$/p' | awk 'NF && $1 != "Commands:" {print $1}' >"$T/commands"
commands=$( (cat "$T/commands"; echo help) | LC_ALL=C sort | paste -sd' ')

if complete -p gpuprep >/dev/null 2>&1; then ok "the script registers _gpuprep for gpuprep"; else
	not_ok "the script registers _gpuprep for gpuprep"
fi
expect_comp "$commands" "the command names, and help" ""
expect_comp "$commands" "the command names after global options" --root / -q -v ""
expect_comp "configure" "a command name from its start" con
expect_comp "$commands" "help takes a command name" help ""
expect_comp "" "help takes one command name" help detect ""
expect_comp "--help --json --no-color --quiet --root --verbose --version" "global options" --
expect_comp "--root" "a global option from its start" --ro
expect_comp "" "an unknown command completes nothing" frobnicate ""

expect_comp "containerd crio docker k3s rke2" "configure --runtime: the runtimes" configure --runtime ""
expect_comp "containerd crio" "configure --runtime c" configure --runtime c
expect_comp "containerd crio docker k3s rke2" "configure --runtime= (bash splits at '=')" configure --runtime =
expect_comp "docker" "configure --runtime=d" configure --runtime = d
expect_comp "cgroupfs systemd" "configure --cgroup-driver" configure --cgroup-driver ""
expect_comp "cgroupfs systemd" "preflight --cgroup-driver" preflight --cgroup-driver ""
expect_comp "containerd crio docker k3s rke2" "undo --runtime" undo --runtime ""
expect_comp "deb rpm" "bundle --format: deb and rpm" bundle --format ""
expect_comp "--dry-run" "options of a command from their start" undo --d
expect_comp "--pci-dump --pci-ids" "options after global options" -q --root / detect --pci
expect_comp "" "no option value for a placeholder (--version V)" install --version ""
expect_comp "--dry-run --help --runtime" "an empty word after a command offers its options" undo ""

expect_comp "ansible device-plugin runtimeclass test-pod" "manifest kinds" manifest ""
expect_comp "test-pod" "a manifest kind from its start" manifest t
expect_comp "--edge --help --image --mig-strategy --namespace --runtime-class --time-slicing" \
	"device-plugin's own options" manifest device-plugin ""
expect_comp "--help --image --namespace --node --runtime-class" "test-pod's own options" \
	manifest test-pod --
expect_comp "--help" "runtimeclass takes no options but --help" manifest runtimeclass --
expect_comp "mixed single" "--mig-strategy's values" manifest device-plugin --mig-strategy ""
expect_comp "--help --output" "ansible's own options" manifest ansible --
expect_comp "--help --require-ready" "report's options" report --
expect_comp "--edge --help --image --mig-strategy --namespace --node --output --runtime-class --time-slicing" \
	"manifest options before a kind: all of them" manifest --

# Check ids: exactly the checks that preflight runs, read from its JSON report.
"$GPUPREP" --root "$FIXTURES/nodes/preflight-healthy" --json preflight >"$T/preflight.json" 2>/dev/null
ids=$(python3 -c 'import json,sys; print(" ".join(sorted(c["id"] for c in json.load(open(sys.argv[1]))["checks"])))' "$T/preflight.json")
if [ -n "$ids" ]; then ok "preflight lists its check ids"; else not_ok "preflight lists its check ids" "$(cat "$T/preflight.json")"; fi
expect_comp "$ids" "preflight --checks: every check id" preflight --checks ""
expect_comp "all $ids" "--ignore-preflight-errors: all and every check id" \
	preflight --ignore-preflight-errors ""
expect_comp "swap" "a check id from its start" preflight --checks sw
expect_comp "swap,cgroup-driver swap,cgroups" "the next id of a list, without those given" \
	preflight --checks swap,cg
comp preflight --ignore-preflight-errors swap,
case " $got " in
*" swap,all "* | *" swap,swap "*) not_ok "a list does not offer all or a given id again" "got: $got" ;;
*" swap,root "*) ok "a list does not offer all or a given id again" ;;
*) not_ok "a list does not offer all or a given id again" "got: $got" ;;
esac
expect_comp "swap" "--checks=sw" preflight --checks = sw

# Files and directories, relative to the current directory.
mkdir -p "$T/cwd/sub-a" "$T/cwd/sub-b"
touch "$T/cwd/sub-file" "$T/cwd/bundle.tar.gz"
cd "$T/cwd" || exit 1
expect_comp "sub-a sub-b" "--root completes directories" --root sub
expect_comp "sub-a sub-b sub-file" "configure --config completes files" configure --config sub
expect_comp "bundle.tar.gz" "install --offline completes files" install --offline bun
expect_comp "bundle.tar.gz" "install --offline=bun" install --offline = bun
expect_comp "bundle.tar.gz" "bundle -o completes files" bundle -o b
expect_comp "sub-a sub-b sub-file" "detect --pci-dump completes files" detect --pci-dump s
cd - >/dev/null || exit 1

# The restart mode, wherever a command takes it.
while read -r cmd; do
	"$GPUPREP" help "$cmd" >"$T/usage"
	for opt in --mode --restart-mode; do
		grep -qE -- "(^ *|\[)$opt[ =]" "$T/usage" || continue
		comp "$cmd" "$opt" ""
		if [ "$got" = "auto none service signal systemd" ]; then
			ok "$cmd $opt: the restart modes"
		else
			not_ok "$cmd $opt: the restart modes" \
				"got: '$got' (the usage must spell them: [$opt auto|systemd|service|signal|none])"
		fi
	done
done <"$T/commands"

# Nothing is left out: every long option that a usage text names is offered.
"$GPUPREP" --help >"$T/usage"
comp --
for opt in $(grep -oE -- '^ +(-[a-z], )?--[a-z][a-z0-9-]*' "$T/usage" | grep -oE -- '--[a-z0-9-]+'); do
	case " $got " in
	*" $opt "*) ;;
	*) not_ok "global option $opt is offered" "got: $got" ;;
	esac
done
ok "every global option is offered"
while read -r cmd; do
	"$GPUPREP" help "$cmd" >"$T/usage"
	comp "$cmd" --
	missing=
	for opt in $(grep -oE -- '(^ +(-[a-zA-Z0-9], )?|\[)--[a-z][a-z0-9-]*' "$T/usage" | grep -oE -- '--[a-z0-9-]+' | sort -u); do
		case " $got " in
		*" $opt "*) ;;
		*) missing+=" $opt" ;;
		esac
	done
	if [ -z "$missing" ]; then ok "$cmd: every option in its usage is offered"; else
		not_ok "$cmd: every option in its usage is offered" "missing:$missing" "got: $got"
	fi
done <"$T/commands"

done_testing
