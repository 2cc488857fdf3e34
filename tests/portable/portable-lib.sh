# SPDX-License-Identifier: GPL-2.0-or-later
# Sourced by tests/portable/*.sh after tests/lib.sh: where the static binaries of
# .ci/portable are. GPUPREP_PORTABLE_DIR (default: the build directory's portable/, which
# `bash .ci/portable build/portable` fills) holds gpuprep-linux-x86_64 and -aarch64.
#   portable_bin ARCH   set $bin to the static binary's path, or skip the whole script
#                       (saying why) when it has not been built
PORTABLE_DIR=${GPUPREP_PORTABLE_DIR:-${BUILD_DIR:-build}/portable}

portable_bin() {
	bin="$PORTABLE_DIR/gpuprep-linux-$1"
	if [ ! -x "$bin" ]; then
		skip "the static $1 gpuprep" \
			"no '$bin': build it with 'bash .ci/portable $PORTABLE_DIR' (or set GPUPREP_PORTABLE_DIR)"
		done_testing
		exit 0
	fi
}

# same_output NAME GOT WANT ROOT_GOT ROOT_WANT: GOT and WANT equal once each root path is
# replaced with @ROOT@, up's step times with @TIME@ and backup directories' time stamps with
# @STAMP@.
same_output() {
	sed -e "s#$4#@ROOT@#g" -e 's/  *[0-9.]* m\?s  /  @TIME@  /' -e 's/"duration_ms": [0-9.e+-]*/"duration_ms": @TIME@/' \
		-e 's#/backup/[0-9]\{8\}T[0-9]\{6\}Z#/backup/@STAMP@#g' "$2" >"$T/same.got"
	sed -e "s#$5#@ROOT@#g" -e 's/  *[0-9.]* m\?s  /  @TIME@  /' -e 's/"duration_ms": [0-9.e+-]*/"duration_ms": @TIME@/' \
		-e 's#/backup/[0-9]\{8\}T[0-9]\{6\}Z#/backup/@STAMP@#g' "$3" >"$T/same.want"
	expect_file_eq "$T/same.got" "$T/same.want" "$1"
}
