#!/bin/bash
# gpuprep install on an rpm system: the offline path with Debian's rpm (rpm --root into a
# sandbox with its own rpmdb), from a directory and from NVIDIA's rpm release tarball; and
# the online path, with dnf, is rpm-dnf.sh.
. "$TESTS_SRC/lib.sh"
. "$TESTS_SRC/install/lib-install.sh"
. "$TESTS_SRC/install/rpm-lib.sh"

rpm_tools_or_skip "the rpm offline path"
case $(uname -m) in
x86_64 | aarch64) arch=$(uname -m) ;;
*)
	skip "the rpm offline path" "no rpm architecture mapping for $(uname -m) in this test"
	done_testing
	exit 0
	;;
esac
for v in $RPM_VERSIONS; do rpm_toolkit "$T/rpms" "$v" "$arch"; done
mk_rpm_root() { rpm_root "$1" "$arch" "${2:-}"; }
want_all() { printf '%s %s\n' libnvidia-container-tools "$1" libnvidia-container1 "$1" nvidia-container-toolkit "$1" nvidia-container-toolkit-base "$1"; }
root=$T/rocky
mk_rpm_root "$root"
run "$GPUPREP" --root "$root" install --offline "$T/rpms" --dry-run
expect_rc 0 "rpm: --dry-run from a directory"
expect_contains "$T/out" "system:   rpm $arch at '$root'" "rpm: the system is an rpm system"
expect_contains "$T/out" "  rpm --root $root --dbpath /var/lib/rpm -Uvh $T/rpms/libnvidia-container1-1.17.8-1.$arch.rpm $T/rpms/libnvidia-container-tools-1.17.8-1.$arch.rpm $T/rpms/nvidia-container-toolkit-base-1.17.8-1.$arch.rpm $T/rpms/nvidia-container-toolkit-1.17.8-1.$arch.rpm" "rpm: one rpm -Uvh with the four, in order, no -devel"
run "$GPUPREP" --root "$root" install --offline "$T/rpms"
expect_rc 0 "rpm: install from a directory"
want_all 1.17.8-1 >"$T/want"
rpm_versions "$root" >"$T/got"
expect_file_eq "$T/got" "$T/want" "rpm: all four at 1.17.8-1 (rpm -q --root)"
[ -s "$root/var/lib/rpm/rpmdb.sqlite" ] && [ ! -e "$root/root/.rpmdb" ] &&
	ok "rpm: in the node's /var/lib/rpm, nothing in ~/.rpmdb (Debian rpm's default)" ||
	not_ok "rpm: in the node's /var/lib/rpm, nothing in ~/.rpmdb" "$(ls -la "$root/var/lib/rpm" "$root/root" 2>&1)"
expect_contains "$T/out" "nvidia-container-toolkit       1.17.8-1  -" "rpm: the report"
run "$GPUPREP" --root "$root" install --offline "$T/rpms"
expect_contains "$T/out" "already installed: " "rpm: a second run is a no-op"
run "$GPUPREP" --root "$root" install --offline "$T/rpms" --version 1.17.7
expect_rc 0 "rpm: --version 1.17.7 (a downgrade with --oldpackage)"
want_all 1.17.7-1 >"$T/want"
rpm_versions "$root" >"$T/got"
expect_file_eq "$T/got" "$T/want" "rpm: all four at 1.17.7-1"

# A Fedora-like node keeps its database in /usr/lib/sysimage/rpm: rpm is told so.
root=$T/fedora
rpm_root "$root" "$arch" "" /usr/lib/sysimage/rpm
run "$GPUPREP" --root "$root" install --offline "$T/rpms" --dry-run
expect_contains "$T/out" "  rpm --root $root --dbpath /usr/lib/sysimage/rpm -Uvh" "sysimage: rpm gets the node's database"
run "$GPUPREP" --root "$root" install --offline "$T/rpms"
expect_rc 0 "sysimage: install from a directory"
rpm --root "$root" --dbpath /usr/lib/sysimage/rpm -q --qf '%{NAME} %{VERSION}-%{RELEASE}\n' $TOOLKIT | sort >"$T/got"
want_all 1.17.8-1 >"$T/want"
expect_file_eq "$T/got" "$T/want" "sysimage: all four in /usr/lib/sysimage/rpm"
[ ! -e "$root/var/lib/rpm" ] && [ ! -e "$root/root/.rpmdb" ] && ok "sysimage: no second database" ||
	not_ok "sysimage: no second database" "$(ls -d "$root/var/lib/rpm" "$root/root/.rpmdb" 2>&1)"
run "$GPUPREP" --root "$root" install --offline "$T/rpms"
expect_contains "$T/out" "already installed: " "sysimage: a second run is a no-op"

# NVIDIA's rpm release tarball layout.
top=release-v1.17.8-stable
mkdir -p "$T/stage/$top/packages/centos7/$arch" "$T/rel"
cp "$T/rpms"/*-1.17.8-1.$arch.rpm "$T/stage/$top/packages/centos7/$arch/"
tar -C "$T/stage" -czf "$T/rel/nvidia-container-toolkit_1.17.8_rpm_$arch.tar.gz" "$top"
root=$T/rocky-tar
mk_rpm_root "$root"
run "$GPUPREP" --root "$root" install --offline "$T/rel/nvidia-container-toolkit_1.17.8_rpm_$arch.tar.gz"
expect_rc 0 "rpm: install from NVIDIA's rpm release tarball"
want_all 1.17.8-1 >"$T/want"
rpm_versions "$root" >"$T/got"
expect_file_eq "$T/got" "$T/want" "rpm tarball: all four at 1.17.8-1"

# A deb tarball on an rpm system.
mkdir -p "$T/debstage/$top/packages/ubuntu18.04/amd64"
mk_toolkit "$T/debstage/$top/packages/ubuntu18.04/amd64" 1.17.8 amd64
tar -C "$T/debstage" -czf "$T/rel/nvidia-container-toolkit_1.17.8_deb_amd64.tar.gz" "$top"
run "$GPUPREP" --root "$root" install --offline "$T/rel/nvidia-container-toolkit_1.17.8_deb_amd64.tar.gz"
expect_rc 1 "rpm: a deb tarball"
expect_contains "$T/err" "has no rpm packages for $arch; it has packages for: deb amd64" "rpm: a deb tarball says what it has"

root=$T/rocky-nodeps
mk_rpm_root "$root" libseccomp
run "$GPUPREP" --root "$root" install --offline "$T/rpms"
expect_rc 1 "rpm: a missing OS package"
expect_contains "$T/err" "the toolkit needs packages that are not installed: libseccomp" "rpm: the missing package is named"

# Each rpm is checked before rpm -Uvh runs (issue 11, item 9): a damaged one or one under
# another's name refuses all four, and nothing is installed.
mkdir -p "$T/bad-rpms"
cp "$T/rpms"/*-1.17.8-1.$arch.rpm "$T/bad-rpms/"
f=$T/bad-rpms/nvidia-container-toolkit-1.17.8-1.$arch.rpm
head -c $(($(stat -c %s "$f") - 100)) "$T/rpms/${f##*/}" >"$f"
root=$T/rocky-bad
mk_rpm_root "$root"
run "$GPUPREP" --root "$root" install --offline "$T/bad-rpms"
expect_rc 1 "rpm: a truncated rpm is refused"
expect_contains "$T/err" "'$f' is not a well-formed .rpm" "rpm: the truncated rpm is named"
expect_contains "$T/err" "nothing was installed" "rpm: the hint says nothing was installed"
[ -z "$(rpm_versions "$root")" ] && ok "rpm: a truncated rpm: nothing installed" ||
	not_ok "rpm: a truncated rpm: nothing installed" "$(rpm_versions "$root")"
cp "$T/rpms/nvidia-container-toolkit-base-1.17.8-1.$arch.rpm" "$f"
run "$GPUPREP" --root "$root" install --offline "$T/bad-rpms"
expect_rc 1 "rpm: a package under another's name is refused"
expect_contains "$T/err" "'$f' is the package nvidia-container-toolkit-base 1.17.8-1 ($arch), but the plan installs nvidia-container-toolkit 1.17.8-1 ($arch) from it" "rpm: what it is and what the plan says"
[ -z "$(rpm_versions "$root")" ] && ok "rpm: a renamed rpm: nothing installed" ||
	not_ok "rpm: a renamed rpm: nothing installed" "$(rpm_versions "$root")"

done_testing
