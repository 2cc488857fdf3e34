#!/bin/bash
# gpuprep bundle --format rpm: the four packages from a signed yum repository built here
# (rpmbuild, createrepo_c, repomd.xml.asc by a throwaway key, served on 127.0.0.1), checked
# key -> repomd.xml -> primary -> each .rpm; the bundle is also a yum repository (Debian's
# dnf installs from it); install --offline BUNDLE checks the chain again and runs rpm -Uvh.
. "$TESTS_SRC/lib.sh"
. "$TESTS_SRC/install/lib-install.sh"
. "$TESTS_SRC/install/rpm-lib.sh"

rpm_tools_or_skip "rpm bundles" createrepo_c dnf
mk_gpg_key repo
rpm_repo "$T/repo" repo x86_64 aarch64
start_httpd "$T/repo"
REPO_URL=$URL
at_exit rpm_stop_agents "$T"
want_all() { printf '%s %s\n' libnvidia-container-tools "$1" libnvidia-container1 "$1" nvidia-container-toolkit "$1" nvidia-container-toolkit-base "$1"; }
cd "$T" || exit 1

# --- making them ----------------------------------------------------------------------------
for arch in x86_64 aarch64; do
	run "$GPUPREP" bundle --format rpm --arch "$arch" --repo-url "$REPO_URL" --keyring "$T/repo.asc"
	expect_rc 0 "bundle: $arch"
	b=nvidia-container-toolkit_1.17.8_rpm_$arch.bundle.tar.gz
	expect_contains "$T/err" "wrote '$b': the NVIDIA container toolkit 1.17.8 for rpm $arch" "bundle: $arch: the note"
	tar -tzf "$b" | grep -v '/$' | sed 's|^\./||' | sort >"$T/got"
	{
		echo keys/nvidia-container-toolkit-keyring.gpg
		echo manifest.json
		for p in libnvidia-container-tools libnvidia-container1 nvidia-container-toolkit nvidia-container-toolkit-base; do
			echo "repo/$p-1.17.8-1.$arch.rpm"
		done
		(cd "$T/repo/stable/rpm/$arch" && ls repodata | sed 's|^|repo/repodata/|')
	} | sort >"$T/want"
	expect_file_eq "$T/got" "$T/want" "bundle: $arch: the four rpms, repodata/ whole, the key, the manifest"
	mkdir -p "$T/x-$arch"
	tar -xzf "$b" -C "$T/x-$arch"
	cmp -s "$T/x-$arch/repo/repodata/repomd.xml" "$T/repo/stable/rpm/$arch/repodata/repomd.xml" &&
		cmp -s "$T/x-$arch/repo/repodata/repomd.xml.asc" "$T/repo/stable/rpm/$arch/repodata/repomd.xml.asc" &&
		ok "bundle: $arch: repomd.xml and its signature untouched" || not_ok "bundle: $arch: repomd.xml and its signature untouched"
	python3 -c 'import json,sys; m=json.load(open(sys.argv[1])); print(m["package_family"], m["architecture"], m["toolkit_version"], m["key_fingerprint"]); [print(p["name"], p["version"], p["file"]) for p in m["packages"]]' \
		"$T/x-$arch/manifest.json" >"$T/got"
	{
		echo "rpm $arch 1.17.8 $KEY_FPR"
		for p in libnvidia-container1 libnvidia-container-tools nvidia-container-toolkit-base nvidia-container-toolkit; do
			echo "$p 1.17.8-1 repo/$p-1.17.8-1.$arch.rpm"
		done
	} >"$T/want"
	expect_file_eq "$T/got" "$T/want" "bundle: $arch: the manifest"
	rpm -qp --qf '%{ARCH}\n' "$T/x-$arch"/repo/*.rpm | sort -u >"$T/got"
	echo "$arch" >"$T/want"
	expect_file_eq "$T/got" "$T/want" "bundle: $arch: the rpms are $arch"
done
run "$GPUPREP" bundle --format rpm --arch x86_64 --version 1.17.7 --repo-url "$REPO_URL" --keyring "$T/repo.asc" -o "$T/old.tar.gz"
expect_rc 0 "bundle: --version 1.17.7"
tar -tzf "$T/old.tar.gz" | grep -c -- '-1.17.7-1.x86_64.rpm$' >"$T/got"
echo 4 >"$T/want"
expect_file_eq "$T/got" "$T/want" "bundle: --version 1.17.7: the four at 1.17.7-1"
run "$GPUPREP" bundle --format rpm --arch x86_64 --version 1.99 --repo-url "$REPO_URL" --keyring "$T/repo.asc"
expect_rc 1 "bundle: an unknown version"
expect_contains "$T/err" "version 1.99-1 is not in '$REPO_URL/stable/rpm/x86_64'; it has 1.17.8-1, 1.17.7-1" "bundle: an unknown version: what there is"
run "$GPUPREP" bundle --format rpm --arch amd64 --repo-url "$REPO_URL" --keyring "$T/repo.asc"
expect_rc 2 "bundle: --arch amd64 with --format rpm"
expect_contains "$T/err" "is not an rpm architecture name" "bundle: rpm arch names"
run "$GPUPREP" bundle --format apk
expect_rc 2 "bundle: --format apk"
mk_gpg_key other
run "$GPUPREP" bundle --format rpm --arch x86_64 --repo-url "$REPO_URL" --keyring "$T/other.asc" -o "$T/wrong.tar.gz"
expect_rc 1 "bundle: the wrong key"
expect_contains "$T/err" "repodata/repomd.xml" "bundle: the wrong key: repomd.xml's signature fails"
[ -e "$T/wrong.tar.gz" ] && not_ok "bundle: the wrong key: no bundle" || ok "bundle: the wrong key: no bundle"
cp -a "$T/repo" "$T/repo-bad"
printf 'XXXXXXXX' | dd of="$T/repo-bad/stable/rpm/x86_64/libnvidia-container1-1.17.8-1.x86_64.rpm" bs=1 seek=1500 conv=notrunc status=none
start_httpd "$T/repo-bad"
run "$GPUPREP" bundle --format rpm --arch x86_64 --repo-url "$URL" --keyring "$T/repo.asc" -o "$T/bad.tar.gz"
expect_rc 1 "bundle: a tampered package in the repository"
expect_contains "$T/err" "does not match the metadata" "bundle: a tampered package: named"
expect_contains "$T/err" "hint: the download does not match the signed repository metadata" "bundle: a tampered package: the hint"
[ -e "$T/bad.tar.gz" ] && not_ok "bundle: a tampered package: no bundle" || ok "bundle: a tampered package: no bundle"

# --- the bundle is a yum repository: Debian's dnf installs from it --------------------------
root=$T/rocky-dnf
rpm_root "$root"
mkdir -p "$T/dnf-repos"
printf '[bundle]\nname=bundle\nbaseurl=file://%s/repo\nrepo_gpgcheck=1\ngpgcheck=0\ngpgkey=file://%s\n' \
	"$T/x-x86_64" "$T/repo.asc" >"$T/dnf-repos/bundle.repo"
run env HOME="$(rpm_home "$root")" dnf -y -q --installroot="$root" --releasever=9 --setopt=reposdir="$T/dnf-repos" install nvidia-container-toolkit
expect_rc 0 "yum repository: dnf installs from the extracted bundle (repo_gpgcheck=1)"
want_all 1.17.8-1 >"$T/want"
rpm_versions "$root" >"$T/got"
expect_file_eq "$T/got" "$T/want" "yum repository: all four at 1.17.8-1"

# --- install --offline BUNDLE ---------------------------------------------------------------
b=$T/nvidia-container-toolkit_1.17.8_rpm_x86_64.bundle.tar.gz
root=$T/rocky
rpm_root "$root"
run "$GPUPREP" --root "$root" install --offline "$b" --keyring "$T/repo.asc" --dry-run
expect_rc 0 "install: --dry-run"
expect_contains "$T/out" "rpm --root $root --dbpath /var/lib/rpm -Uvh" "install: one rpm -Uvh, with the node's database"
run "$GPUPREP" --root "$root" install --offline "$b" --keyring "$T/repo.asc"
expect_rc 0 "install: from the bundle"
rpm_versions "$root" >"$T/got"
expect_file_eq "$T/got" "$T/want" "install: all four at 1.17.8-1"
run "$GPUPREP" --root "$root" install --offline "$b" --keyring "$T/repo.asc"
expect_rc 0 "install: again"
expect_contains "$T/out" "already installed: " "install: again: a no-op"
root=$T/rocky-pinned
rpm_root "$root"
run "$GPUPREP" --root "$root" install --offline "$b"
expect_rc 1 "install: without --keyring, the bundled key must be NVIDIA's"
expect_contains "$T/err" "wrong key fingerprint" "install: the pinned key: the error"
expect_contains "$T/err" "give it with --keyring FILE" "install: the pinned key: the hint"
run "$GPUPREP" --root "$root" install --offline "$T/nvidia-container-toolkit_1.17.8_rpm_aarch64.bundle.tar.gz" --keyring "$T/repo.asc"
expect_rc 1 "install: an aarch64 bundle on x86_64"
expect_contains "$T/err" "is for rpm aarch64; this system is rpm x86_64" "install: the architecture is named"
expect_contains "$T/err" "gpuprep bundle --format rpm --arch x86_64" "install: the architecture: the hint"
[ -z "$(rpm_versions "$root")" ] && ok "install: refused bundles install nothing" || not_ok "install: refused bundles install nothing"

# A bundle changed after it was made: a package swapped, its manifest entry made to match.
mkdir -p "$T/tamper"
tar -xzf "$b" -C "$T/tamper"
f=$T/tamper/repo/libnvidia-container1-1.17.8-1.x86_64.rpm
cp "$T/repo/stable/rpm/x86_64/libnvidia-container1-1.17.7-1.x86_64.rpm" "$f"
python3 - "$T/tamper/manifest.json" "$f" <<'PY'
import hashlib, json, os, sys
m = json.load(open(sys.argv[1]))
data = open(sys.argv[2], "rb").read()
for p in m["packages"]:
    if p["name"] == "libnvidia-container1":
        p["sha256"] = hashlib.sha256(data).hexdigest()
        p["size"] = len(data)
json.dump(m, open(sys.argv[1], "w"), indent=2)
PY
(cd "$T/tamper" && tar -czf "$T/tampered.tar.gz" manifest.json repo keys)
run "$GPUPREP" --root "$root" install --offline "$T/tampered.tar.gz" --keyring "$T/repo.asc"
expect_rc 1 "install: a tampered bundle"
expect_contains "$T/err" "package 'libnvidia-container1' in manifest.json does not match the signed primary metadata" "install: a tampered bundle: the package is named"
[ -z "$(rpm_versions "$root")" ] && ok "install: a tampered bundle installs nothing" || not_ok "install: a tampered bundle installs nothing"
# repomd.xml changed after signing.
sed -i 's|<revision>|<revision>9|' "$T/tamper/repo/repodata/repomd.xml"
python3 - "$T/tamper/manifest.json" "$T/tamper/repo/repodata/repomd.xml" <<'PY'
import hashlib, json, sys
m = json.load(open(sys.argv[1]))
data = open(sys.argv[2], "rb").read()
for f in m["files"]:
    if f["path"] == "repo/repodata/repomd.xml":
        f["sha256"] = hashlib.sha256(data).hexdigest()
        f["size"] = len(data)
json.dump(m, open(sys.argv[1], "w"), indent=2)
PY
(cd "$T/tamper" && tar -czf "$T/tampered2.tar.gz" manifest.json repo keys)
run "$GPUPREP" --root "$root" install --offline "$T/tampered2.tar.gz" --keyring "$T/repo.asc"
expect_rc 1 "install: repomd.xml changed in the bundle"
expect_contains "$T/err" "repodata/repomd.xml" "install: repomd.xml changed: named"
done_testing
