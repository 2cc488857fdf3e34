# SPDX-License-Identifier: GPL-2.0-or-later
# k3s's template renderer for the tests: tests/tools/k3s-render.go, built with the Go
# toolchain (Debian's golang-go) into the test's scratch space. It renders a containerd
# config template as k3s does, with k3s's own base template from tests/fixtures/k3s-templates.
#
#   k3s_render_require   skip the whole test (TAP plan 1..0) unless go is installed; then
#                        build the tool as $K3S_RENDER
#   K3S_BASE_V2_129, K3S_BASE_V2_132, K3S_BASE_V3_132   the base templates (see SOURCES)

K3S_TEMPLATES=$TESTS_SRC/fixtures/k3s-templates
K3S_BASE_V2_129=$K3S_TEMPLATES/v1.29.14-base.toml.tmpl
K3S_BASE_V2_132=$K3S_TEMPLATES/v1.32.8-base.toml.tmpl
K3S_BASE_V3_132=$K3S_TEMPLATES/v1.32.8-base-v3.toml.tmpl

k3s_render_require() {
	if ! command -v go >/dev/null 2>&1; then
		echo "1..0 # SKIP go is not installed (golang-go renders k3s's templates as k3s does)"
		exit 0
	fi
	K3S_RENDER=$T/k3s-render
	if ! GOCACHE=$T/go-cache GOPATH=$T/go GO111MODULE=off GOFLAGS= \
		go build -o "$K3S_RENDER" "$TESTS_SRC/tools/k3s-render.go" >"$T/go-build.log" 2>&1; then
		echo "1..1"
		echo "not ok 1 - building tests/tools/k3s-render.go"
		sed 's/^/# /' "$T/go-build.log"
		exit 1
	fi
}
