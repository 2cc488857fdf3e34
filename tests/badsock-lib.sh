# SPDX-License-Identifier: GPL-2.0-or-later
# Misbehaving peers on unix sockets (tests/tools/badsock.py) for the bad-socket tests, sourced
# after lib.sh.
#   badsock_start MODE...   start one peer per mode as $BADSOCK_DIR/MODE.sock ($T/p unless
#                           set; stopped at exit); skips the whole test without python3, and
#                           ends it when the peers do not come up
badsock_start() {
	local i
	if ! command -v python3 >/dev/null; then
		echo "1..0 # SKIP python3 is needed for the misbehaving peers"
		exit 0
	fi
	mkdir -p "${BADSOCK_DIR:=$T/p}"
	python3 "$TESTS_SRC/tools/badsock.py" "$BADSOCK_DIR" "$@" >"$T/ready" 2>"$T/peer.err" &
	at_exit "kill $!; wait $! 2>/dev/null"
	for ((i = 0; i < 600; i++)); do
		grep -q ready "$T/ready" 2>/dev/null && return 0
		sleep 0.05
	done
	not_ok "the misbehaving peers start" "$(cat "$T/peer.err")"
	done_testing
	exit
}
