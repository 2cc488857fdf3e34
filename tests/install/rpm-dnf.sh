#!/bin/bash
# gpuprep install on an rpm system, online, with Debian's real dnf (--installroot into a
# sandbox root with its own rpmdb) against a yum repository built here: rpmbuild packages
# at two versions, createrepo_c, repomd.xml signed by a throwaway key, served on 127.0.0.1.
. "$TESTS_SRC/lib.sh"
. "$TESTS_SRC/install/lib-install.sh"
. "$TESTS_SRC/install/rpm-lib.sh"

rpm_tools_or_skip "rpm online through dnf" createrepo_c dnf
mk_gpg_key repo
rpm_repo "$T/repo" repo x86_64 aarch64
start_httpd "$T/repo"
at_exit rpm_stop_agents "$T"

# The fixture repository itself: signed as NVIDIA's is, both versions, both architectures.
for arch in x86_64 aarch64; do
	d=$T/repo/stable/rpm/$arch
	GNUPGHOME="$T/gnupg-repo" gpg --batch --verify "$d/repodata/repomd.xml.asc" "$d/repodata/repomd.xml" 2>/dev/null
	rc=$?
	expect_rc 0 "fixture repo: $arch: repomd.xml.asc verifies"
	rpm -qp --qf '%{NAME} %{VERSION} %{ARCH}\n' "$d"/*.rpm | sort >"$T/got"
	for v in $RPM_VERSIONS; do
		for p in libnvidia-container-devel libnvidia-container-tools libnvidia-container1 nvidia-container-toolkit nvidia-container-toolkit-base; do
			echo "$p $v $arch"
		done
	done | sort >"$T/want"
	expect_file_eq "$T/got" "$T/want" "fixture repo: $arch: the five packages at both versions"
done
rpm -qpl "$T/repo/stable/rpm/x86_64/nvidia-container-toolkit-base-1.17.8-1.x86_64.rpm" >"$T/out"
expect_contains "$T/out" /usr/bin/nvidia-ctk "fixture repo: toolkit-base ships nvidia-ctk"
expect_contains "$T/out" /usr/bin/nvidia-container-runtime "fixture repo: toolkit-base ships nvidia-container-runtime"

# dnf itself reads it with repo_gpgcheck=1 and the key (no gpuprep involved).
rpm_root "$T/probe"
mkdir -p "$T/probe-repos"
printf '[t]\nname=t\nbaseurl=%s/stable/rpm/$basearch\nrepo_gpgcheck=1\ngpgcheck=0\ngpgkey=file://%s\n' \
	"$URL" "$T/repo.asc" >"$T/probe-repos/t.repo"
run dnf -q -y --installroot="$T/probe" --releasever=9 --setopt=reposdir="$T/probe-repos" \
	list --available --showduplicates nvidia-container-toolkit
expect_rc 0 "fixture repo: dnf lists it with repo_gpgcheck=1"
expect_contains "$T/out" "1.17.7-1" "fixture repo: dnf sees 1.17.7-1"
expect_contains "$T/out" "1.17.8-1" "fixture repo: dnf sees 1.17.8-1"
done_testing
