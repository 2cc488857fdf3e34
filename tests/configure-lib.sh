# SPDX-License-Identifier: GPL-2.0-or-later
# Shared by the configure/undo tests, sourced after lib.sh: the golden files of one runtime
# (tests/fixtures/configure/<runtime>, see its README), fresh roots holding one of them, and
# every check of one golden case. Docker's are the default; `configure_use containerd`
# switches to containerd's.
#
#   RT      the runtime (--runtime)
#   G       its golden directory
#   CFG     the main config, relative to a root
#   EXT     the extension of a case's input file in $G (NAME.$EXT)
#   DROPIN  containerd: the drop-in a case may write, relative to a root; its golden bytes
#           are NAME.drop-in (no such file: the case writes no drop-in)

configure_use() {
	RT=$1
	G="$FIXTURES/configure/$RT"
	case $RT in
	docker)
		CFG=etc/docker/daemon.json EXT=json DROPIN=
		;;
	containerd)
		CFG=etc/containerd/config.toml EXT=toml DROPIN=etc/containerd/conf.d/99-nvidia.toml
		;;
	esac
}
configure_use docker

# new_root NAME: a fresh root whose config is the case's NAME.$EXT (none for "missing").
new_root() {
	local r="$T/root-$1"
	rm -rf "$r"
	mkdir -p "$r/$(dirname "$CFG")"
	[ -f "$G/$1.$EXT" ] && cp "$G/$1.$EXT" "$r/$CFG"
	printf '%s\n' "$r"
}

_cfg_mtime() { stat -c '%y %i' "$1"; }

# configure_check_case EXPECTED: every check of one golden case: the --dry-run diff, the exact
# bytes after configure (and of the drop-in), idempotence, undo. Safe to run in parallel.
configure_check_case() {
	local exp=$1 name root before args=() in
	name=$(basename "$exp" .expected)
	in="$G/$name.$EXT"
	[ -f "$G/$name.args" ] && read -r -a args <"$G/$name.args"
	root=$(new_root "$name")

	# --dry-run: writes nothing, and its diff turns the original into the expected file.
	run "$GPUPREP" --root "$root" configure --runtime "$RT" "${args[@]}" --dry-run
	expect_rc 0 "$name: --dry-run"
	if [ -f "$in" ]; then
		expect_file_eq "$root/$CFG" "$in" "$name: --dry-run leaves the file alone"
	else
		[ ! -e "$root/$CFG" ] && ok "$name: --dry-run creates nothing" ||
			not_ok "$name: --dry-run creates nothing"
	fi
	[ ! -e "$root/var/lib/gpuprep" ] && ok "$name: --dry-run makes no backup" ||
		not_ok "$name: --dry-run makes no backup"
	if cmp -s "$exp" "$in" && [ ! -f "$G/$name.drop-in" ]; then
		expect_contains "$T/out" "$RT: already configured" "$name: --dry-run says already configured"
	else
		mkdir -p "$T/patch-$name/$(dirname "$CFG")"
		[ -f "$in" ] && cp "$in" "$T/patch-$name/$CFG"
		if (cd "$T/patch-$name" && patch -s -p1 <"$T/out" >"$T/patch.log" 2>&1); then
			expect_file_eq "$T/patch-$name/$CFG" "$exp" "$name: the --dry-run diff applies with patch"
			[ -f "$G/$name.drop-in" ] &&
				expect_file_eq "$T/patch-$name/$DROPIN" "$G/$name.drop-in" \
					"$name: the --dry-run diff creates the drop-in"
		else
			not_ok "$name: the --dry-run diff applies with patch" "$(cat "$T/patch.log" "$T/out")"
		fi
	fi

	run "$GPUPREP" --root "$root" configure --runtime "$RT" "${args[@]}"
	expect_rc 0 "$name: configure"
	expect_file_eq "$root/$CFG" "$exp" "$name: the exact bytes after configure"
	if [ -n "$DROPIN" ]; then
		if [ -f "$G/$name.drop-in" ]; then
			expect_file_eq "$root/$DROPIN" "$G/$name.drop-in" "$name: the exact bytes of the drop-in"
		else
			[ ! -e "$root/$DROPIN" ] && ok "$name: no drop-in written" ||
				not_ok "$name: no drop-in written"
		fi
	fi

	# Idempotent: nothing written the second time, not even the same bytes (a rewrite would
	# be a rename, so a new inode).
	before=$(_cfg_mtime "$root/$CFG")
	[ -f "$G/$name.drop-in" ] && before="$before $(_cfg_mtime "$root/$DROPIN")"
	run "$GPUPREP" --root "$root" configure --runtime "$RT" "${args[@]}"
	expect_rc 0 "$name: second configure"
	expect_contains "$T/out" "$RT: already configured" "$name: second run says already configured"
	local after
	after=$(_cfg_mtime "$root/$CFG")
	[ -f "$G/$name.drop-in" ] && after="$after $(_cfg_mtime "$root/$DROPIN")"
	[ "$after" = "$before" ] && ok "$name: second run leaves mtime and inode" ||
		not_ok "$name: second run leaves mtime and inode" "$before -> $after"

	# Undo puts back the original bytes, or removes a file that did not exist.
	run "$GPUPREP" --root "$root" undo --runtime "$RT"
	expect_rc 0 "$name: undo"
	if [ -f "$in" ]; then
		expect_file_eq "$root/$CFG" "$in" "$name: undo restores the original bytes"
	else
		[ ! -e "$root/$CFG" ] && ok "$name: undo removes the file it created" ||
			not_ok "$name: undo removes the file it created"
	fi
	if [ -f "$G/$name.drop-in" ]; then
		[ ! -e "$root/$DROPIN" ] && ok "$name: undo removes the drop-in" ||
			not_ok "$name: undo removes the drop-in"
	fi
}

# configure_golden EXPECTED: configure a fresh root for the case and check the golden output;
# sets name and root for the caller.
configure_golden() {
	local args=()
	name=$(basename "$1" .expected)
	[ -f "$G/$name.args" ] && read -r -a args <"$G/$name.args"
	root=$(new_root "$name")
	run "$GPUPREP" --root "$root" configure --runtime "$RT" "${args[@]}"
	expect_rc 0 "$name: configure"
	expect_file_eq "$root/$CFG" "$1" "$name: the golden output"
}

# tree_snapshot DIR: every path under DIR with its type, mode and size, sorted.
tree_snapshot() { (cd "$1" && find . -printf '%p %y %m %s\n' | LC_ALL=C sort); }

# configure_check_refusals: every NAME.stderr case is refused with exactly that stderr (the
# root as ROOT), exit 1, the file untouched, no backup made, nothing at all written under
# the root (not even the lock or /run).
configure_check_refusals() {
	local errf name root
	for errf in "$G"/*.stderr; do
		name=$(basename "$errf" .stderr)
		root=$(new_root "$name")
		tree_snapshot "$root" >"$T/tree.before"
		run "$GPUPREP" --root "$root" configure --runtime "$RT"
		expect_rc 1 "$name: refused"
		tree_snapshot "$root" >"$T/tree.after"
		expect_file_eq "$T/tree.after" "$T/tree.before" "$name: nothing written under the root"
		sed "s|$root|ROOT|g" "$T/err" >"$T/err.norm"
		expect_file_eq "$T/err.norm" "$errf" "$name: the exact error"
		expect_file_eq "$root/$CFG" "$G/$name.$EXT" "$name: the file is left as it was"
		[ -z "$(ls -A "$root/var/lib/gpuprep/backup" 2>/dev/null)" ] && ok "$name: no backup made" ||
			not_ok "$name: no backup made"
	done
}
