# SPDX-License-Identifier: GPL-2.0-or-later
# Sourced by the rpm tests after tests/lib.sh and tests/install/lib-install.sh: fixture rpms
# built with rpmbuild, yum repositories made by createrepo_c with repomd.xml signed by a
# throwaway key (repomd.xml.asc, as NVIDIA's repository is: repo_gpgcheck=1, gpgkey), and
# Rocky-like sandbox roots with their own rpmdb. The rpms are built once per test run, into
# $T/rpmcache, and copied from there; nothing is kept between runs.
#
#   rpm_tools_or_skip NAME [TOOL...]
#                      skips NAME (a TAP skip saying why) and exits when rpm, rpmbuild or a
#                      TOOL (createrepo_c, dnf, ...) is missing
#   rpm_toolkit OUT VERSION ARCH
#                      the four packages at VERSION-1 for ARCH (x86_64 or aarch64) with NVIDIA's
#                      Requires and the programs the real ones ship, plus a -devel to skip
#   rpm_os_pkgs OUT ARCH
#                      glibc, libcap and libseccomp 1.0-1: what the toolkit requires of the OS
#   rpm_repo REPO KEYNAME ARCH...
#                      NVIDIA's layout: REPO/stable/rpm/ARCH/ with the packages of both
#                      versions (1.17.7 and 1.17.8), repodata/ by createrepo_c, repomd.xml.asc
#                      by KEYNAME, and REPO/gpgkey (the armored key)
#   rpm_sign_repo DIR KEYNAME
#                      (re)sign DIR/repodata/repomd.xml
#   rpm_root DIR [ARCH [MISSING [DBPATH]]]
#                      a Rocky 9 root with an rpmdb holding the OS packages (all but MISSING),
#                      at DBPATH (default /var/lib/rpm, as on CentOS 7 and RHEL 8 and 9;
#                      /usr/lib/sysimage/rpm is Fedora's), never at Debian rpm's ~/.rpmdb
#   rpm_dbpath ROOT    the database ROOT has (/usr/lib/sysimage/rpm or /var/lib/rpm)
#   rpm_home ROOT      a directory to give a test's own dnf as HOME: its .rpmmacros names ROOT's
#                      database (dnf has no --dbpath; Debian's rpm would use ROOT/root/.rpmdb)
#   rpm_versions ROOT  "name version-release" of the toolkit packages installed in ROOT
RPM_VERSIONS="1.17.7 1.17.8"

rpm_tools_or_skip() {
	local name=$1 t
	shift
	for t in rpm rpmbuild "$@"; do
		if ! command -v "$t" >/dev/null; then
			skip "$name" "'$t' is not installed (Debian packages rpm, createrepo-c, dnf)"
			done_testing
			exit 0
		fi
	done
}

# The spec: one package with the programs and files given as PATH=LINE pairs in
# %{pkgfiles} (a script that runs LINE), as the real package ships a program there.
_rpm_spec() {
	cat >"$T/rpmcache/fixture.spec" <<'EOT'
Name: %{pkgname}
Version: %{pkgver}
Release: 1
Summary: gpuprep test fixture
License: GPL-2.0-or-later
AutoReqProv: no
%{?pkgrequires:Requires: %{pkgrequires}}
%description
A gpuprep test fixture.
%install
mkdir -p %{buildroot}/usr/share/doc/%{name}
echo "%{name} %{version} %{_target_cpu}" > %{buildroot}/usr/share/doc/%{name}/gpuprep-fixture
echo /usr/share/doc/%{name}/gpuprep-fixture > %{_builddir}/files.list
for f in %{?pkgfiles}; do
	p=${f%%%%=*}
	mkdir -p %{buildroot}$(dirname $p)
	printf '#!/bin/sh\n%%s\n' "$(echo ${f#*=} | tr '+' ' ')" > %{buildroot}$p
	chmod 755 %{buildroot}$p
	echo $p >> %{_builddir}/files.list
done
%files -f %{_builddir}/files.list
EOT
}

# _rpm_build NAME VERSION ARCH REQUIRES FILES: $T/rpmcache/ARCH/NAME-VERSION-1.ARCH.rpm.
_rpm_build() {
	local out="$T/rpmcache/$3/$1-$2-1.$3.rpm"
	[ -f "$out" ] && return 0
	[ -f "$T/rpmcache/fixture.spec" ] || _rpm_spec
	rpmbuild -bb --quiet --target "$3" --define "_topdir $T/rpmcache/build" \
		--define "pkgname $1" --define "pkgver $2" ${4:+--define "pkgrequires $4"} \
		${5:+--define "pkgfiles $5"} --define "_binary_payload w1.gzdio" \
		--define "__os_install_post %{nil}" --define "debug_package %{nil}" \
		"$T/rpmcache/fixture.spec" >/dev/null 2>"$T/rpmcache/build.err" ||
		{ cat "$T/rpmcache/build.err" >&2; return 1; }
	mkdir -p "$T/rpmcache/$3"
	mv "$T/rpmcache/build/RPMS/$3/$1-$2-1.$3.rpm" "$out"
}

rpm_toolkit() {
	local out=$1 v=$2 arch=$3 c="$T/rpmcache/$3"
	mkdir -p "$out" "$T/rpmcache"
	# Programs are PATH=LINE with '+' for spaces (the list is split on spaces).
	_rpm_build libnvidia-container1 "$v" "$arch" "glibc libcap libseccomp" \
		"/usr/lib64/libnvidia-container.so.1=exit+1"
	_rpm_build libnvidia-container-tools "$v" "$arch" "libnvidia-container1 >= $v-1" \
		"/usr/bin/nvidia-container-cli=exit+0"
	_rpm_build nvidia-container-toolkit-base "$v" "$arch" "" \
		'/usr/bin/nvidia-container-runtime=exec+runc+"$@" /usr/bin/nvidia-ctk=exit+0'
	_rpm_build nvidia-container-toolkit "$v" "$arch" \
		"nvidia-container-toolkit-base = $v-1, libnvidia-container-tools >= $v-1, libnvidia-container-tools < 2.0.0, libseccomp" \
		"/usr/bin/nvidia-container-runtime-hook=exit+0 /usr/bin/nvidia-cdi-hook=exit+0"
	_rpm_build libnvidia-container-devel "$v" "$arch" "libnvidia-container1 = $v-1" ""
	cp "$c"/libnvidia-container1-"$v"-1.*.rpm "$c"/libnvidia-container-tools-"$v"-1.*.rpm \
		"$c"/nvidia-container-toolkit-base-"$v"-1.*.rpm "$c"/nvidia-container-toolkit-"$v"-1.*.rpm \
		"$c"/libnvidia-container-devel-"$v"-1.*.rpm "$out/"
}

rpm_os_pkgs() {
	local out=$1 arch=$2 p
	mkdir -p "$out" "$T/rpmcache"
	for p in glibc libcap libseccomp; do
		_rpm_build "$p" 1.0 "$arch" "" ""
		cp "$T/rpmcache/$arch/$p-1.0-1.$arch.rpm" "$out/"
	done
}

rpm_sign_repo() {
	rm -f "$1/repodata/repomd.xml.asc"
	GNUPGHOME="$T/gnupg-$2" gpg --batch --quiet --armor --detach-sign \
		-o "$1/repodata/repomd.xml.asc" "$1/repodata/repomd.xml" 2>/dev/null
}

rpm_repo() {
	local repo=$1 key=$2 arch d v
	shift 2
	for arch in "$@"; do
		d="$repo/stable/rpm/$arch"
		for v in $RPM_VERSIONS; do rpm_toolkit "$d" "$v" "$arch"; done
		createrepo_c --quiet --no-database --simple-md-filenames "$d" >/dev/null
		rpm_sign_repo "$d" "$key"
	done
	cp "$T/$key.asc" "$repo/gpgkey"
}

rpm_root() {
	local r=$1 arch=${2:-x86_64} missing=${3:-} db=${4:-/var/lib/rpm} p
	mkdir -p "$r/etc/yum.repos.d" "$r/bin" "$r/usr/bin"
	case $arch in
	x86_64) cp /bin/sh "$r/bin/sh" ;;
	# An ELF64 little-endian header with e_machine 183 (AArch64): all osinfo reads.
	aarch64) printf '\177ELF\002\001\001\000\000\000\000\000\000\000\000\000\002\000\267\000' >"$r/bin/sh" ;;
	esac
	printf 'NAME="Rocky Linux"\nID="rocky"\nVERSION_ID="9.3"\nID_LIKE="rhel centos fedora"\nPLATFORM_ID="platform:el9"\n' >"$r/etc/os-release"
	rpm --root "$r" --dbpath "$db" --initdb
	rpm_os_pkgs "$T/rpmcache/os-$arch" "$arch"
	for p in glibc libcap libseccomp; do
		[ "$p" = "$missing" ] ||
			rpm --root "$r" --dbpath "$db" -i --quiet --ignorearch --nodeps "$T/rpmcache/os-$arch/$p-1.0-1.$arch.rpm" 2>/dev/null
	done
}

rpm_dbpath() {
	if [ -e "$1/usr/lib/sysimage/rpm/rpmdb.sqlite" ]; then echo /usr/lib/sysimage/rpm; else echo /var/lib/rpm; fi
}

rpm_home() {
	local h
	h=$(mktemp -d "$T/rpm-home.XXXXXX")
	echo "%_dbpath $(rpm_dbpath "$1")" >"$h/.rpmmacros"
	printf '%s\n' "$h"
}

rpm_versions() {
	rpm --root "$1" --dbpath "$(rpm_dbpath "$1")" -q --qf '%{NAME} %{VERSION}-%{RELEASE}\n' $TOOLKIT 2>/dev/null |
		grep -v 'not installed' | sort
}

# rpm_stop_agents DIR: stop the gpg-agents of the test keys and those dnf started for its
# repository keyrings under DIR (each by its own socket), so none outlives the test.
rpm_stop_agents() {
	local d
	{
		find "$1" -maxdepth 1 -type d -name 'gnupg-*'
		find "$1" -type d -name pubring
	} 2>/dev/null | while read -r d; do
		gpgconf --homedir "$d" --kill gpg-agent 2>/dev/null
	done
}
