#!/bin/bash
# gpuprep install on an rpm system, online, with Debian's real dnf (--installroot into a
# sandbox root with its own rpmdb, at /var/lib/rpm or /usr/lib/sysimage/rpm) against a yum repository built here: rpmbuild packages
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

# rpm_state ROOT: every file but dnf's cache and logs, with its checksum.
rpm_state() {
	(cd "$1" && find . -xdev \( -type f -o -type l \) ! -path './var/cache/dnf/*' \
		! -path './var/log/*' ! -path './run/gpuprep.lock' ! -path './var/lib/dnf/*' \
		! -path './var/lib/rpm/.*' ! -name '*.sqlite-shm' ! -name '*.sqlite-wal' -print0 | sort -z | xargs -0 -r sha256sum)
}
want_all() { printf '%s %s\n' libnvidia-container-tools "$1" libnvidia-container1 "$1" nvidia-container-toolkit "$1" nvidia-container-toolkit-base "$1"; }
KEYPATH=/etc/pki/rpm-gpg/RPM-GPG-KEY-nvidia-container-toolkit
REPOFILE=/etc/yum.repos.d/nvidia-container-toolkit.repo

# --- pinned, then newest, then a no-op --------------------------------------------------------
root=$T/rocky
rpm_root "$root"
run "$GPUPREP" --root "$root" install --repo-url "$URL" --keyring "$T/repo.asc" --version 1.17.7 --dry-run
expect_rc 0 "pinned: --dry-run"
expect_contains "$T/out" "  $root$REPOFILE" "pinned: the plan writes the repo file"
expect_contains "$T/out" "  $root$KEYPATH" "pinned: the plan writes the key"
expect_contains "$T/out" "rpmdb:    /var/lib/rpm" "pinned: the node's rpm database"
expect_contains "$T/out" "  HOME=<tmp>/rpm-home dnf -y --installroot=$root --setopt=reposdir=" "pinned: dnf into the root, with its own repo dir and rpm macros"
expect_contains "$T/out" "--releasever=9 install libnvidia-container1-1.17.7-1 libnvidia-container-tools-1.17.7-1 nvidia-container-toolkit-base-1.17.7-1 nvidia-container-toolkit-1.17.7-1" \
	"pinned: the release from os-release, the four pinned"
[ -e "$root$REPOFILE" ] && not_ok "pinned: --dry-run writes nothing" || ok "pinned: --dry-run writes nothing"

run "$GPUPREP" --root "$root" install --repo-url "$URL" --keyring "$T/repo.asc" --version 1.17.7
expect_rc 0 "pinned: install 1.17.7 with dnf"
want_all 1.17.7-1 >"$T/want"
rpm_versions "$root" >"$T/got"
expect_file_eq "$T/got" "$T/want" "pinned: all four at 1.17.7-1 (rpm -q --root)"
[ -s "$root/var/lib/rpm/rpmdb.sqlite" ] && [ ! -e "$root/root/.rpmdb" ] &&
	ok "pinned: in the node's /var/lib/rpm, nothing in ~/.rpmdb (Debian rpm's default)" ||
	not_ok "pinned: in the node's /var/lib/rpm, nothing in ~/.rpmdb" "$(ls -la "$root/var/lib/rpm" "$root/root" 2>&1)"
printf '[nvidia-container-toolkit]\nname=nvidia-container-toolkit\nbaseurl=%s/stable/rpm/$basearch\nrepo_gpgcheck=1\ngpgcheck=0\nenabled=1\ngpgkey=file://%s\nsslverify=1\n' \
	"$URL" "$KEYPATH" >"$T/want.repo"
expect_file_eq "$root$REPOFILE" "$T/want.repo" "pinned: the repo file, as NVIDIA's (repo_gpgcheck=1, gpgkey)"
gpg --batch --with-colons --show-keys "$root$KEYPATH" 2>/dev/null | awk -F: '$1 == "fpr" {print $10; exit}' >"$T/got"
echo "$KEY_FPR" >"$T/want"
expect_file_eq "$T/got" "$T/want" "pinned: the key file holds the repository key"
[ -x "$root/usr/bin/nvidia-ctk" ] && ok "pinned: nvidia-ctk is installed in the root" || not_ok "pinned: nvidia-ctk is installed in the root"

run "$GPUPREP" --root "$root" install --repo-url "$URL" --keyring "$T/repo.asc"
expect_rc 0 "newest: install without --version"
want_all 1.17.8-1 >"$T/want"
rpm_versions "$root" >"$T/got"
expect_file_eq "$T/got" "$T/want" "newest: all four upgraded to 1.17.8-1"

before=$(rpm_state "$root")
run "$GPUPREP" --root "$root" install --repo-url "$URL" --keyring "$T/repo.asc"
expect_rc 0 "second run"
expect_contains "$T/out" "already installed: " "second run: a no-op"
expect_not_contains "$T/err" "dnf" "second run: dnf does not run"
[ "$before" = "$(rpm_state "$root")" ] && ok "second run: nothing changed" || not_ok "second run: nothing changed"
run "$GPUPREP" --root "$root" install --repo-url "$URL" --keyring "$T/repo.asc" --version 1.17.8
expect_rc 0 "second run, pinned"
expect_contains "$T/out" "already installed: " "second run, pinned: a no-op"

# --- a Fedora-like node: the database in /usr/lib/sysimage/rpm ----------------------------------
root=$T/fedora
rpm_root "$root" x86_64 "" /usr/lib/sysimage/rpm
run "$GPUPREP" --root "$root" install --repo-url "$URL" --keyring "$T/repo.asc" --dry-run
expect_contains "$T/out" "rpmdb:    /usr/lib/sysimage/rpm" "sysimage: the plan names the node's database"
run "$GPUPREP" --root "$root" install --repo-url "$URL" --keyring "$T/repo.asc"
expect_rc 0 "sysimage: install with dnf"
want_all 1.17.8-1 >"$T/want"
rpm --root "$root" --dbpath /usr/lib/sysimage/rpm -q --qf '%{NAME} %{VERSION}-%{RELEASE}\n' $TOOLKIT | sort >"$T/got"
expect_file_eq "$T/got" "$T/want" "sysimage: all four in /usr/lib/sysimage/rpm"
[ ! -e "$root/var/lib/rpm" ] && [ ! -e "$root/root/.rpmdb" ] && ok "sysimage: no second database (/var/lib/rpm, ~/.rpmdb)" ||
	not_ok "sysimage: no second database" "$(ls -d "$root/var/lib/rpm" "$root/root/.rpmdb" 2>&1)"
run "$GPUPREP" --root "$root" install --repo-url "$URL" --keyring "$T/repo.asc"
expect_contains "$T/out" "already installed: " "sysimage: a second run is a no-op"

# --- rpm's version order picks the newest: 1.1 is newer than 1.a for rpm (dpkg says the opposite)
URL_MAIN=$URL
d=$T/repo-order/stable/rpm/x86_64
for v in 1.a 1.1; do rpm_toolkit "$d" "$v" x86_64; done
createrepo_c --quiet --no-database --simple-md-filenames "$d" >/dev/null
rpm_sign_repo "$d" repo
cp "$T/repo.asc" "$T/repo-order/gpgkey"
start_httpd "$T/repo-order"
root=$T/rocky-order
rpm_root "$root"
run "$GPUPREP" --root "$root" install --repo-url "$URL" --keyring "$T/repo.asc" --dry-run
expect_rc 0 "version order: --dry-run"
expect_contains "$T/out" "version:  1.1-1" "version order: the newest is 1.1-1 in rpm's order (rpmvercmp: digits beat letters)"
run "$GPUPREP" --root "$root" install --repo-url "$URL" --keyring "$T/repo.asc" --version 1.a --dry-run
expect_rc 0 "version order: --version 1.a"
expect_contains "$T/out" "install libnvidia-container1-1.a-1 " "version order: --version 1.a pins 1.a-1"
URL=$URL_MAIN

# --- failures: each stops before dnf runs or is reported with a hint, and changes nothing ------
fresh() {
	root=$T/rocky-$1
	rpm_root "$root"
	before=$(rpm_state "$root")
}
unchanged() {
	if [ "$before" = "$(rpm_state "$root")" ]; then ok "$1: nothing written, nothing installed"; else
		not_ok "$1: nothing written, nothing installed" "$(diff <(echo "$before") <(rpm_state "$root") | head -20)"
	fi
}
fresh unknown
run "$GPUPREP" --root "$root" install --repo-url "$URL" --keyring "$T/repo.asc" --version 1.99.0
expect_rc 1 "unknown version"
expect_contains "$T/err" "gpuprep: error: version 1.99.0-1 is not in '$URL/stable/rpm/x86_64'; it has 1.17.8-1, 1.17.7-1" "unknown version: what it has"
expect_contains "$T/err" "hint: pick one of those with --version" "unknown version: the hint"
unchanged "unknown version"

mk_gpg_key other
fresh wrongkey
run "$GPUPREP" --root "$root" install --repo-url "$URL" --keyring "$T/other.asc"
expect_rc 1 "wrong key"
expect_contains "$T/err" "repodata/repomd.xml" "wrong key: the signature of repomd.xml is what fails"
expect_contains "$T/err" "hint:" "wrong key: a hint"
unchanged "wrong key"

# A repository whose repomd.xml changed after signing.
cp -a "$T/repo" "$T/repo-md"
sed -i 's|<revision>|<revision>1|' "$T/repo-md/stable/rpm/x86_64/repodata/repomd.xml"
start_httpd "$T/repo-md"
fresh badmd
run "$GPUPREP" --root "$root" install --repo-url "$URL" --keyring "$T/repo.asc"
expect_rc 1 "repomd.xml changed after signing"
expect_contains "$T/err" "repodata/repomd.xml" "repomd.xml changed: named"
unchanged "repomd.xml changed after signing"

# A repository with no signature at all.
cp -a "$T/repo" "$T/repo-nosig"
rm "$T/repo-nosig/stable/rpm/x86_64/repodata/repomd.xml.asc"
start_httpd "$T/repo-nosig"
fresh nosig
run "$GPUPREP" --root "$root" install --repo-url "$URL" --keyring "$T/repo.asc"
expect_rc 1 "unsigned repository"
expect_contains "$T/err" "gpuprep installs only from a signed repository" "unsigned repository: the hint"
unchanged "unsigned repository"

# A tampered package: the metadata is intact and signed, the file is not what it lists (once
# longer than listed, once the same size with other bytes).
for how in longer same-size; do
	cp -a "$T/repo" "$T/repo-$how"
	f=$T/repo-$how/stable/rpm/x86_64/nvidia-container-toolkit-base-1.17.8-1.x86_64.rpm
	case $how in
	longer) printf 'tampered' >>"$f" ;;
	same-size) printf 'XXXXXXXX' | dd of="$f" bs=1 seek=2000 conv=notrunc status=none ;;
	esac
	start_httpd "$T/repo-$how"
	fresh "tampered-$how"
	run "$GPUPREP" --root "$root" install --repo-url "$URL" --keyring "$T/repo.asc"
	expect_rc 1 "tampered package ($how)"
	expect_contains "$T/err" "hint: a downloaded package does not match the repository index" "tampered package ($how): the hint"
	rpm_versions "$root" >"$T/got"
	[ -s "$T/got" ] && not_ok "tampered package ($how): nothing installed" "$(cat "$T/got")" || ok "tampered package ($how): nothing installed"
	[ -e "$root$REPOFILE" ] && not_ok "tampered package ($how): the repo file is rolled back" || ok "tampered package ($how): the repo file is rolled back"
done

done_testing
