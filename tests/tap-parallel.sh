# SPDX-License-Identifier: GPL-2.0-or-later
# Run independent groups of checks of one TAP script at the same time, sourced after lib.sh.
#
#   par_run NAME FUNC ARGS...   run FUNC ARGS in the background, in its own scratch dir ($T is
#                               $T/par-NAME there, so run/$T/out do not collide)
#   par_wait                    wait for all, then report their results in the order started
#
# Inside FUNC, ok/not_ok/skip/expect_* work as usual; their results are recorded and replayed
# by par_wait, so the TAP numbering stays sequential. Process start-up is slow on some
# machines; this keeps scripts with many gpuprep runs inside meson's default timeout.

_par_names=()
_par_pids=()

par_run() {
	local name=$1
	shift
	local dir="$T/par-$name"
	mkdir -p "$dir"
	(
		T=$dir
		_par_rec="$dir/results"
		: >"$_par_rec"
		ok() { printf 'ok\t%s\n' "$1" >>"$_par_rec"; }
		skip() { printf 'skip\t%s\t%s\n' "$1" "$2" >>"$_par_rec"; }
		not_ok() {
			printf 'not_ok\t%s\n' "$1" >>"$_par_rec"
			shift
			local l
			for l in "$@"; do printf '%s\n' "$l" | sed 's/^/#\t/' >>"$_par_rec"; done
		}
		"$@"
	) &
	_par_names+=("$name")
	_par_pids+=($!)
}

par_wait() {
	local i kind desc reason
	for i in "${!_par_pids[@]}"; do
		wait "${_par_pids[$i]}" || true
		local rec="$T/par-${_par_names[$i]}/results"
		if [ ! -s "$rec" ]; then
			not_ok "${_par_names[$i]}: reported nothing"
			continue
		fi
		while IFS=$'\t' read -r kind desc reason; do
			case $kind in
			ok) ok "$desc" ;;
			not_ok) not_ok "$desc" ;;
			skip) skip "$desc" "$reason" ;;
			'#') printf '#   %s\n' "$desc${reason:+	$reason}" ;;
			esac
		done <"$rec"
	done
	_par_names=()
	_par_pids=()
}
