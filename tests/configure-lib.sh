# SPDX-License-Identifier: GPL-2.0-or-later
# Shared by the configure/undo tests, sourced after lib.sh: the docker golden files
# (tests/fixtures/configure/docker, see its README) and fresh roots holding one of them.
G="$FIXTURES/configure/docker"
CFG=etc/docker/daemon.json

# new_root NAME: a fresh root whose daemon.json is the case's NAME.json (none for "missing").
new_root() {
	local r="$T/root-$1"
	rm -rf "$r"
	mkdir -p "$r/etc/docker"
	[ -f "$G/$1.json" ] && cp "$G/$1.json" "$r/$CFG"
	printf '%s\n' "$r"
}
