#!/bin/bash
# configure --cdi: /etc/cdi/nvidia.yaml from the node's own nvidia-ctk (the fixture program in
# tests/fixtures/cdi, installed into the root's /usr/bin), regenerated when the loaded driver
# differs from the spec's; preflight's cdi check says "stale"; refusing the root's program
# without --exec-root-tools; the spec in the change set, so undo removes it.
. "$TESTS_SRC/lib.sh"

R=$(fixture_root sample)
SPEC="$R/etc/cdi/nvidia.yaml"
CTK="$FIXTURES/cdi/nvidia-ctk"
export FAKE_CTK_LOG="$T/ctk.log"
: >"$FAKE_CTK_LOG"
set_driver() { sed -i "s/Kernel Module  [0-9.]*/Kernel Module  $1/" "$R/proc/driver/nvidia/version"; }

# No nvidia-ctk on the node: the runtime is configured, the spec is left to later, said why.
run "$GPUPREP" --root "$R" configure --runtime containerd --cdi --exec-root-tools
expect_rc 0 "no nvidia-ctk: configure --cdi still configures the runtime"
expect_contains "$T/err" "not generated: the node has no nvidia-ctk" "no nvidia-ctk: says so"
expect_contains "$T/err" "'up' generates the spec after its install step" "no nvidia-ctk: leaves it to up"
[ ! -e "$SPEC" ] && ok "no nvidia-ctk: no spec" || not_ok "no nvidia-ctk: no spec"
run "$GPUPREP" --root "$R" undo
expect_rc 0 "undo the first configure"

mkdir -p "$R/usr/bin" && cp "$CTK" "$R/usr/bin/nvidia-ctk"

# Under --root, the root's program is not run unless asked.
run "$GPUPREP" --root "$R" configure --runtime containerd --cdi
expect_rc 0 "without --exec-root-tools: exit 0"
expect_contains "$T/err" "not running the root's '/usr/bin/nvidia-ctk' on this machine: pass --exec-root-tools" \
	"without --exec-root-tools: says what it refused and how to allow it"
[ ! -e "$SPEC" ] && ok "without --exec-root-tools: no spec" || not_ok "without --exec-root-tools: no spec"
[ ! -s "$FAKE_CTK_LOG" ] && ok "without --exec-root-tools: nvidia-ctk did not run" ||
	not_ok "without --exec-root-tools: nvidia-ctk did not run" "$(cat "$FAKE_CTK_LOG")"
run "$GPUPREP" --root "$R" undo
expect_rc 0 "undo it"

# A dry run runs nothing and says what it would run.
run "$GPUPREP" --root "$R" configure --runtime containerd --cdi --exec-root-tools --dry-run
expect_rc 0 "dry run"
expect_contains "$T/err" "would run 'nvidia-ctk cdi generate --output=/etc/cdi/nvidia.yaml' (loaded driver 535.129.03, spec's none)" \
	"dry run: says what it would run"
[ ! -s "$FAKE_CTK_LOG" ] && ok "dry run: nvidia-ctk did not run" || not_ok "dry run: nvidia-ctk did not run"

# Generated, into the change set.
cp "$R/etc/containerd/config.toml" "$T/config0"
run "$GPUPREP" --root "$R" configure --runtime containerd --cdi --exec-root-tools
expect_rc 0 "--exec-root-tools: configure --cdi"
FAKE_CTK_LOG= sh "$CTK" cdi generate --output="$T/want.yaml"
expect_file_eq "$SPEC" "$T/want.yaml" "the spec is what nvidia-ctk wrote"
expect_contains "$T/out" "'$R/etc/cdi/nvidia.yaml'" "the spec is among the files configured"
if grep -qE '^cdi generate --output=/.*/nvidia\.yaml$' "$FAKE_CTK_LOG" && ! grep -q "$R" "$FAKE_CTK_LOG"; then
	ok "nvidia-ctk ran once, writing to a private temp file"
else not_ok "nvidia-ctk ran once, writing to a private temp file" "$(cat "$FAKE_CTK_LOG")"; fi
[ "$(stat -c %a "$SPEC")" = 644 ] && ok "the spec is mode 0644" || not_ok "the spec is mode 0644" "$(stat -c %a "$SPEC")"
run "$GPUPREP" --root "$R" preflight --checks cdi
expect_contains "$T/out" "(driver 535.129.03)" "preflight cdi: passes, with the spec's driver"

# Current: not run again.
: >"$FAKE_CTK_LOG"
run "$GPUPREP" --root "$R" configure --runtime containerd --cdi --exec-root-tools
expect_rc 0 "again"
[ ! -s "$FAKE_CTK_LOG" ] && ok "a current spec: nvidia-ctk not run again" || not_ok "a current spec: nvidia-ctk not run again"
expect_contains "$T/out" "already configured" "a current spec: already configured"

# A driver update makes it stale: preflight says so, a failed regeneration changes nothing,
# configure --cdi regenerates it.
set_driver 550.54.15
run "$GPUPREP" --root "$R" preflight --checks cdi
expect_rc 1 "stale spec: preflight fails"
expect_contains "$T/out" "stale: made for driver 535.129.03, the loaded driver is 550.54.15" "preflight cdi: stale"
cp "$SPEC" "$T/spec535"
FAKE_CTK_FAIL=1 run "$GPUPREP" --root "$R" configure --runtime containerd --cdi --exec-root-tools
expect_rc 1 "nvidia-ctk fails: exit 1"
expect_contains "$T/err" "exited with status 1" "nvidia-ctk fails: says so"
expect_contains "$T/err" "ERROR_LIBRARY_NOT_FOUND" "nvidia-ctk fails: its last lines"
expect_file_eq "$SPEC" "$T/spec535" "nvidia-ctk fails: the spec is unchanged"
FAKE_CTK_DRIVER=550.54.15 run "$GPUPREP" --root "$R" configure --runtime containerd --cdi --exec-root-tools
expect_rc 0 "stale spec: regenerated"
expect_contains "$SPEC" "libcuda.so.550.54.15" "the new spec names the loaded driver"
run "$GPUPREP" --root "$R" preflight --checks cdi
expect_rc 0 "regenerated: preflight cdi passes"

# Undo: the regenerated spec goes back to the old one, then the spec goes away.
run "$GPUPREP" --root "$R" undo
expect_rc 0 "undo the regeneration"
expect_file_eq "$SPEC" "$T/spec535" "undo: the old spec is back"
run "$GPUPREP" --root "$R" undo
expect_rc 0 "undo the first generation"
[ ! -e "$SPEC" ] && ok "undo: the spec we created is removed" || not_ok "undo: the spec we created is removed"
expect_file_eq "$R/etc/containerd/config.toml" "$T/config0" "undo: the runtime's config is back"

# up --cdi: the same, in its configure step.
U=$(fixture_root up-sample)
mkdir -p "$U/usr/bin" && cp "$CTK" "$U/usr/bin/nvidia-ctk"
run "$GPUPREP" --root "$U" up --dry-run --cdi
expect_contains "$T/out" "warning: CDI spec '/etc/cdi/nvidia.yaml' not generated: not running the root's" \
	"up --cdi without --exec-root-tools: says so in its configure step"
run "$GPUPREP" --root "$U" up --dry-run --cdi --exec-root-tools
expect_contains "$T/out" "warning: would run 'nvidia-ctk cdi generate --output=/etc/cdi/nvidia.yaml'" \
	"up --dry-run --cdi --exec-root-tools: says what it would run"
[ ! -e "$U/etc/cdi/nvidia.yaml" ] && ok "up --dry-run: no spec" || not_ok "up --dry-run: no spec"

done_testing
