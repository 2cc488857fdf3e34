#!/bin/bash
# SIGTERM, SIGINT and SIGHUP while a command runs a program of the node's: gpuprep stops its
# children (each runs in a process group of its own, so a Ctrl-C on the terminal reaches
# gpuprep alone), removes its private temp dir, and ends by the signal (a shell sees 128 + N).
# The program is the root's own nvidia-ctk, hung (as a wedged driver hangs it) in
# `configure --cdi`, which gives it a temp dir to write the spec into. A signal the caller
# ignores (nohup, a non-interactive shell's background job) stays ignored. What a package
# tool does when signalled mid-install is tests/install/signals.sh.
. "$TESTS_SRC/lib.sh"

R=$(fixture_root sample)
mkdir -p "$R/usr/bin" "$T/tmp"
# The hung nvidia-ctk: says its pid (the exec keeps it), then waits far past the test.
cat >"$R/usr/bin/nvidia-ctk" <<EOF
#!/bin/sh
echo \$\$ >"$T/ctk.pid"
exec sleep 600
EOF
chmod 755 "$R/usr/bin/nvidia-ctk"
cp "$R/etc/containerd/config.toml" "$T/config.before"


# start_hung [PREFIX...]: configure --cdi in the background until nvidia-ctk runs; $gp is its pid.
start_hung() {
	rm -f "$T/ctk.pid"
	TMPDIR="$T/tmp" "$@" "$GPUPREP" --root "$R" configure --runtime containerd --cdi \
		--exec-root-tools >"$T/out" 2>"$T/err" &
	gp=$!
	if wait_for test -s "$T/ctk.pid"; then ctk=$(cat "$T/ctk.pid"); else ctk=; fi
}

# stopped_by SIG NAME PREFIX...: the whole check for one signal.
stopped_by() {
	local sig=$1 name=$2 n
	shift 2
	start_hung "$@"
	if [ -z "$ctk" ]; then
		not_ok "$name: nvidia-ctk started" "$(cat "$T/err")"
		kill -KILL "$gp" 2>/dev/null
		return
	fi
	n=$(find "$T/tmp" -maxdepth 1 -name 'gpuprep-cdi-*' | wc -l)
	[ "$n" -eq 2 ] && ok "$name: while nvidia-ctk runs, its temp dir and lock file are there" ||
		not_ok "$name: while nvidia-ctk runs, its temp dir and lock file are there" "$(ls -la "$T/tmp")"
	kill -"$sig" "$gp"
	wait "$gp"
	rc=$?
	want=$((128 + $(kill -l "$sig")))
	[ "$rc" -eq "$want" ] && ok "$name: gpuprep ends by the signal (status $want)" ||
		not_ok "$name: gpuprep ends by the signal (status $want)" "status $rc" "$(cat "$T/err")"
	wait_for proc_gone "$ctk" && ok "$name: the hung nvidia-ctk is stopped too" ||
		not_ok "$name: the hung nvidia-ctk is stopped too" "$(ps -o pid,stat,cmd -p "$ctk")"
	[ -z "$(ls -A "$T/tmp")" ] && ok "$name: the temp dir and its lock file are gone" ||
		not_ok "$name: the temp dir and its lock file are gone" "$(ls -la "$T/tmp")"
	expect_file_eq "$R/etc/containerd/config.toml" "$T/config.before" \
		"$name: the config is as it was (stopped before the change)"
	[ ! -e "$R/etc/cdi/nvidia.yaml" ] && ok "$name: no spec" || not_ok "$name: no spec"
	kill -KILL "$ctk" 2>/dev/null
}

# Each signal is given back its default first: a background job of this (non-interactive)
# shell has SIGINT ignored, and a suite started under nohup has SIGHUP ignored.
stopped_by TERM "SIGTERM" env --default-signal=TERM
stopped_by HUP "SIGHUP" env --default-signal=HUP
stopped_by INT "SIGINT (Ctrl-C)" env --default-signal=INT

# Ignored by the caller (as nohup ignores SIGHUP): left ignored, so the command goes on.
start_hung sh -c 'trap "" INT; exec "$@"' sh
if [ -n "$ctk" ]; then
	kill -INT "$gp"
	sleep 0.3
	if kill -0 "$gp" 2>/dev/null && ! proc_gone "$ctk"; then
		ok "SIGINT ignored by the caller: gpuprep and nvidia-ctk go on"
	else
		not_ok "SIGINT ignored by the caller: gpuprep and nvidia-ctk go on" "$(cat "$T/err")"
	fi
	kill -TERM "$gp"
	wait "$gp"
	kill -KILL "$ctk" 2>/dev/null
	[ -z "$(ls -A "$T/tmp")" ] && ok "then SIGTERM: the temp dir is gone" ||
		not_ok "then SIGTERM: the temp dir is gone" "$(ls -la "$T/tmp")"
else
	not_ok "SIGINT ignored by the caller: nvidia-ctk started" "$(cat "$T/err")"
	kill -KILL "$gp" 2>/dev/null
fi

# Run again with an nvidia-ctk that answers: nothing of the stopped runs is in the way.
cp "$FIXTURES/cdi/nvidia-ctk" "$R/usr/bin/nvidia-ctk"
run env TMPDIR="$T/tmp" "$GPUPREP" --root "$R" configure --runtime containerd --cdi --exec-root-tools
expect_rc 0 "after the stopped runs, configure --cdi succeeds"
[ -s "$R/etc/cdi/nvidia.yaml" ] && ok "and writes the spec" || not_ok "and writes the spec" "$(cat "$T/err")"

done_testing
