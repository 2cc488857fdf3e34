#!/bin/bash
# gpuprep install on an rpm system: the offline path with Debian's rpm (rpm --root into a
# sandbox with its own rpmdb), from a directory and from NVIDIA's rpm release tarball; and
# the online plan (dnf is not run: Debian has no dnf to test with).
. "$TESTS_SRC/lib.sh"
. "$TESTS_SRC/install/lib-install.sh"

if ! command -v rpm >/dev/null || ! command -v rpmbuild >/dev/null; then
	skip "the rpm offline path" "rpm and rpmbuild are not installed (Debian package 'rpm')"
	done_testing
	exit 0
fi
case $(uname -m) in
x86_64 | aarch64) arch=$(uname -m) ;;
*)
	skip "the rpm offline path" "no rpm architecture mapping for $(uname -m) in this test"
	done_testing
	exit 0
	;;
esac

cat >"$T/fixture.spec" <<'EOT'
Name: %{pkgname}
Version: %{pkgver}
Release: 1
Summary: gpuprep test fixture
License: GPL-2.0-or-later
BuildArch: %{pkgarch}
%{?pkgrequires:Requires: %{pkgrequires}}
%description
A gpuprep test fixture.
%install
mkdir -p %{buildroot}/usr/share/doc/%{name}
echo %{name} > %{buildroot}/usr/share/doc/%{name}/gpuprep-fixture
%files
/usr/share/doc/%{name}/gpuprep-fixture
EOT
# mk_rpm NAME VERSION [REQUIRES]: an rpm in $T/rpms.
mk_rpm() {
	rpmbuild -bb --quiet --define "_topdir $T/rpmbuild" --define "pkgname $1" --define "pkgver $2" \
		--define "pkgarch $arch" ${3:+--define "pkgrequires $3"} --define "_binary_payload w1.gzdio" \
		--define "__os_install_post %{nil}" --define "debug_package %{nil}" "$T/fixture.spec" 2>/dev/null
	mkdir -p "$T/rpms"
	mv "$T/rpmbuild/RPMS/$arch/$1-$2-1.$arch.rpm" "$T/rpms/"
}
for v in 1.17.7 1.17.8; do
	mk_rpm libnvidia-container1 $v "glibc libcap libseccomp"
	mk_rpm libnvidia-container-tools $v "libnvidia-container1 >= $v-1"
	mk_rpm nvidia-container-toolkit-base $v
	mk_rpm nvidia-container-toolkit $v "nvidia-container-toolkit-base = $v-1, libnvidia-container-tools >= $v-1, libseccomp"
	mk_rpm libnvidia-container-devel $v "libnvidia-container1 = $v-1"
done
for p in glibc libcap libseccomp; do mk_rpm $p 1.0; done
mkdir -p "$T/os"
mv "$T/rpms"/glibc-* "$T/rpms"/libcap-* "$T/rpms"/libseccomp-* "$T/os/"

# mk_rpm_root DIR [MISSING]: a Rocky-like root with its own rpmdb holding the OS packages.
mk_rpm_root() {
	local r=$1 p
	mkdir -p "$r/etc" "$r/bin"
	cp /bin/sh "$r/bin/sh"
	printf 'NAME="Rocky Linux"\nID="rocky"\nVERSION_ID="9.3"\nID_LIKE="rhel centos fedora"\n' >"$r/etc/os-release"
	rpm --root "$r" --initdb
	for p in glibc libcap libseccomp; do
		[ "$p" = "${2:-}" ] || rpm --root "$r" -i --quiet "$T/os/$p-1.0-1.$arch.rpm" 2>/dev/null
	done
}
rpm_versions() { rpm --root "$1" -q --qf '%{NAME} %{VERSION}-%{RELEASE}\n' $TOOLKIT 2>/dev/null | grep -v 'not installed' | sort; }
want_all() { printf '%s %s\n' libnvidia-container-tools "$1" libnvidia-container1 "$1" nvidia-container-toolkit "$1" nvidia-container-toolkit-base "$1"; }

root=$T/rocky
mk_rpm_root "$root"
run "$GPUPREP" --root "$root" install --offline "$T/rpms" --dry-run
expect_rc 0 "rpm: --dry-run from a directory"
expect_contains "$T/out" "system:   rpm $arch at '$root'" "rpm: the system is an rpm system"
expect_contains "$T/out" "  rpm --root $root -Uvh $T/rpms/libnvidia-container1-1.17.8-1.$arch.rpm $T/rpms/libnvidia-container-tools-1.17.8-1.$arch.rpm $T/rpms/nvidia-container-toolkit-base-1.17.8-1.$arch.rpm $T/rpms/nvidia-container-toolkit-1.17.8-1.$arch.rpm" "rpm: one rpm -Uvh with the four, in order, no -devel"
run "$GPUPREP" --root "$root" install --offline "$T/rpms"
expect_rc 0 "rpm: install from a directory"
want_all 1.17.8-1 >"$T/want"
rpm_versions "$root" >"$T/got"
expect_file_eq "$T/got" "$T/want" "rpm: all four at 1.17.8-1 (rpm -q --root)"
expect_contains "$T/out" "nvidia-container-toolkit       1.17.8-1  -" "rpm: the report"
run "$GPUPREP" --root "$root" install --offline "$T/rpms"
expect_contains "$T/out" "already installed: " "rpm: a second run is a no-op"
run "$GPUPREP" --root "$root" install --offline "$T/rpms" --version 1.17.7
expect_rc 0 "rpm: --version 1.17.7 (a downgrade with --oldpackage)"
want_all 1.17.7-1 >"$T/want"
rpm_versions "$root" >"$T/got"
expect_file_eq "$T/got" "$T/want" "rpm: all four at 1.17.7-1"

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

# Online: the plan (the repo file, the key, dnf with --installroot); dnf itself is not run.
mk_gpg_key repo
root=$T/rocky-online
mk_rpm_root "$root"
run "$GPUPREP" --root "$root" install --repo-url http://127.0.0.1:9/mirror --keyring "$T/repo.asc" --version 1.17.8 --dry-run
expect_rc 0 "rpm online: --dry-run with --keyring (no network needed)"
expect_contains "$T/out" "  $root/etc/yum.repos.d/nvidia-container-toolkit.repo" "rpm online: the repo file"
expect_contains "$T/out" "  $root/etc/pki/rpm-gpg/RPM-GPG-KEY-nvidia-container-toolkit" "rpm online: the key"
expect_contains "$T/out" "dnf -y --installroot=$root" "rpm online: dnf into the root"
expect_contains "$T/out" "install libnvidia-container1-1.17.8-1 libnvidia-container-tools-1.17.8-1 nvidia-container-toolkit-base-1.17.8-1 nvidia-container-toolkit-1.17.8-1" "rpm online: the four pinned"
done_testing
