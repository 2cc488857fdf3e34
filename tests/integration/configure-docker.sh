#!/bin/bash
# gpuprep configure --runtime docker on golden daemon.json files: the exact bytes after,
# idempotence (a second run writes nothing), --dry-run diffs, undo. (Refusals, warnings,
# --json and options: configure-options.sh.)
. "$TESTS_SRC/lib.sh"
. "$TESTS_SRC/configure-lib.sh"
. "$TESTS_SRC/tap-parallel.sh"

mtime() { stat -c '%y %i' "$1"; }

# check_case EXPECTED: every check of one golden case (run in parallel with the others).
check_case() {
	local exp=$1 name root before args=()
	name=$(basename "$exp" .expected)
	[ -f "$G/$name.args" ] && read -r -a args <"$G/$name.args"
	root=$(new_root "$name")

	# --dry-run: writes nothing, and its diff turns the original into the expected file.
	run "$GPUPREP" --root "$root" configure --runtime docker "${args[@]}" --dry-run
	expect_rc 0 "$name: --dry-run"
	if [ -f "$G/$name.json" ]; then
		expect_file_eq "$root/$CFG" "$G/$name.json" "$name: --dry-run leaves the file alone"
	else
		[ ! -e "$root/$CFG" ] && ok "$name: --dry-run creates nothing" ||
			not_ok "$name: --dry-run creates nothing"
	fi
	[ ! -e "$root/var/lib/gpuprep" ] && ok "$name: --dry-run makes no backup" ||
		not_ok "$name: --dry-run makes no backup"
	if cmp -s "$exp" "$G/$name.json"; then
		expect_contains "$T/out" "docker: already configured" "$name: --dry-run says already configured"
	else
		mkdir -p "$T/patch-$name/etc/docker"
		[ -f "$G/$name.json" ] && cp "$G/$name.json" "$T/patch-$name/$CFG"
		if (cd "$T/patch-$name" && patch -s -p1 <"$T/out" >"$T/patch.log" 2>&1); then
			expect_file_eq "$T/patch-$name/$CFG" "$exp" "$name: the --dry-run diff applies with patch"
		else
			not_ok "$name: the --dry-run diff applies with patch" "$(cat "$T/patch.log" "$T/out")"
		fi
	fi

	run "$GPUPREP" --root "$root" configure --runtime docker "${args[@]}"
	expect_rc 0 "$name: configure"
	expect_file_eq "$root/$CFG" "$exp" "$name: the exact bytes after configure"

	# Idempotent: nothing written the second time, not even the same bytes (a rewrite would
	# be a rename, so a new inode).
	before=$(mtime "$root/$CFG")
	run "$GPUPREP" --root "$root" configure --runtime docker "${args[@]}"
	expect_rc 0 "$name: second configure"
	expect_contains "$T/out" "docker: already configured" "$name: second run says already configured"
	[ "$(mtime "$root/$CFG")" = "$before" ] && ok "$name: second run leaves mtime and inode" ||
		not_ok "$name: second run leaves mtime and inode" "$before -> $(mtime "$root/$CFG")"

	# Undo puts back the original bytes, or removes a file that did not exist.
	run "$GPUPREP" --root "$root" undo --runtime docker
	expect_rc 0 "$name: undo"
	if [ -f "$G/$name.json" ]; then
		expect_file_eq "$root/$CFG" "$G/$name.json" "$name: undo restores the original bytes"
	else
		[ ! -e "$root/$CFG" ] && ok "$name: undo removes the file it created" ||
			not_ok "$name: undo removes the file it created"
	fi
}
for exp in "$G"/*.expected; do
	par_run "$(basename "$exp" .expected)" check_case "$exp"
done
par_wait

done_testing
