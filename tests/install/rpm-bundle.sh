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
# The packages come largest first, as in a deb bundle.
expect_largest_first nvidia-container-toolkit_1.17.8_rpm_x86_64.bundle.tar.gz
run "$GPUPREP" bundle --format rpm --arch x86_64 --version 1.17.7 --repo-url "$REPO_URL" --keyring "$T/repo.asc" -o "$T/old.tar.gz"
expect_rc 0 "bundle: --version 1.17.7"
tar -tzf "$T/old.tar.gz" | grep -c -- '-1.17.7-1.x86_64.rpm$' >"$T/got"
echo 4 >"$T/want"
expect_file_eq "$T/got" "$T/want" "bundle: --version 1.17.7: the four at 1.17.7-1"
# -o -: the same bytes on standard output (with one SOURCE_DATE_EPOCH for both).
SOURCE_DATE_EPOCH=1767225600 run "$GPUPREP" bundle --format rpm --arch x86_64 --version 1.17.7 --repo-url "$REPO_URL" --keyring "$T/repo.asc" -o "$T/old-sde.tar.gz"
SOURCE_DATE_EPOCH=1767225600 run "$GPUPREP" bundle --format rpm --arch x86_64 --version 1.17.7 --repo-url "$REPO_URL" --keyring "$T/repo.asc" -o -
expect_rc 0 "bundle -o -"
expect_file_eq "$T/out" "$T/old-sde.tar.gz" "bundle -o -: the same bytes as the file's"
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
# A signed chain whose primary metadata names another architecture for one package (repomd.xml
# re-signed by the repository's key, every checksum made to match): refused, as rpm -qp would
# have refused the package.
mkdir -p "$T/arch"
tar -xzf "$b" -C "$T/arch"
python3 - "$T/arch" <<'PY'
import gzip, hashlib, json, os, re, sys
d = sys.argv[1]
rd = os.path.join(d, "repo", "repodata")
repomd = open(os.path.join(rd, "repomd.xml")).read()
href = re.search(r'<data type="primary">.*?<location href="repodata/([^"]+)"', repomd, re.S).group(1)
raw = gzip.decompress(open(os.path.join(rd, href), "rb").read()).decode()
pkg = re.search(r'<package type="rpm">\s*<name>libnvidia-container1</name>\s*<arch>x86_64</arch>\s*<version epoch="0" ver="1.17.8" rel="1"/>', raw)
assert pkg, "no libnvidia-container1 1.17.8 x86_64 in primary"
raw = raw[:pkg.start()] + pkg.group(0).replace("<arch>x86_64</arch>", "<arch>aarch64</arch>") + raw[pkg.end():]
gz = gzip.compress(raw.encode(), mtime=0)
open(os.path.join(rd, href), "wb").write(gz)
def swap(block, tag, old, new):
    return block.replace(f"{tag}>{old}<", f"{tag}>{new}<")
m = re.search(r'<data type="primary">.*?</data>', repomd, re.S)
block = m.group(0)
block = re.sub(r'<checksum type="sha256">[0-9a-f]+</checksum>', f'<checksum type="sha256">{hashlib.sha256(gz).hexdigest()}</checksum>', block)
block = re.sub(r'<open-checksum type="sha256">[0-9a-f]+</open-checksum>', f'<open-checksum type="sha256">{hashlib.sha256(raw.encode()).hexdigest()}</open-checksum>', block)
block = re.sub(r'<size>\d+</size>', f'<size>{len(gz)}</size>', block)
block = re.sub(r'<open-size>\d+</open-size>', f'<open-size>{len(raw.encode())}</open-size>', block)
open(os.path.join(rd, "repomd.xml"), "w").write(repomd[:m.start()] + block + repomd[m.end():])
PY
rm -f "$T/arch/repo/repodata/repomd.xml.asc"
GNUPGHOME="$T/gnupg-repo" gpg --batch --quiet --armor --detach-sign \
	-o "$T/arch/repo/repodata/repomd.xml.asc" "$T/arch/repo/repodata/repomd.xml" 2>/dev/null
python3 - "$T/arch" <<'PY'
import hashlib, json, os, sys
d = sys.argv[1]
m = json.load(open(os.path.join(d, "manifest.json")))
for f in m["files"]:
    data = open(os.path.join(d, f["path"]), "rb").read()
    f["size"], f["sha256"] = len(data), hashlib.sha256(data).hexdigest()
json.dump(m, open(os.path.join(d, "manifest.json"), "w"), indent=2)
PY
(cd "$T/arch" && tar -czf "$T/arch.tar.gz" manifest.json repo keys)
run "$GPUPREP" --root "$root" install --offline "$T/arch.tar.gz" --keyring "$T/repo.asc"
expect_rc 1 "install: a signed primary that names another architecture"
expect_contains "$T/err" "package 'libnvidia-container1' in manifest.json does not match the signed primary metadata" \
	"install: another architecture: the package is named"
[ -z "$(rpm_versions "$root")" ] && ok "install: another architecture installs nothing" || not_ok "install: another architecture installs nothing"
# --- --with-gpuprep: an rpm bundle carries a static gpuprep too --------------------------------
# static_for ARCH: a static program for ARCH: the static gpuprep of .ci/portable when it has been
# built (as tests/portable/portable-lib.sh finds it), else a tiny one compiled here (gcc -static
# for x86_64, aarch64-linux-gnu-gcc -static for aarch64); nothing (status 1) when neither can be.
PORTABLE_DIR=${GPUPREP_PORTABLE_DIR:-${BUILD_DIR:-build}/portable}
static_for() {
	local arch=$1 cc
	if [ -x "$PORTABLE_DIR/gpuprep-linux-$arch" ]; then
		printf '%s\n' "$PORTABLE_DIR/gpuprep-linux-$arch"
		return 0
	fi
	case $arch in x86_64) cc=gcc ;; aarch64) cc=aarch64-linux-gnu-gcc ;; esac
	printf 'int main(void) { return 0; }\n' >"$T/tiny.c"
	command -v "$cc" >/dev/null && "$cc" -static -O2 -o "$T/tiny-$arch" "$T/tiny.c" 2>/dev/null &&
		printf '%s\n' "$T/tiny-$arch"
}
# NAME FILE ARCH TEXT, with this bundle's repository and key
refuse_gpuprep() { refuse_with_gpuprep "$@" --format rpm --repo-url "$REPO_URL" --keyring "$T/repo.asc"; }
printf '#!/bin/sh\nexec gpuprep "$@"\n' >"$T/gpuprep.sh"
refuse_gpuprep "a script" "$T/gpuprep.sh" x86_64 "'$T/gpuprep.sh' is not an ELF program"
refuse_gpuprep "a dynamic program" /bin/true x86_64 "'/bin/true' is dynamically linked (interpreter /lib"
expect_contains "$T/err" "OUTDIR/gpuprep-linux-x86_64" "--with-gpuprep a dynamic program: the hint names the static binary"
refuse_gpuprep "a missing file" "$T/nowhere" aarch64 "cannot read '$T/nowhere': No such file or directory"
for arch in x86_64 aarch64; do
	if ! SG=$(static_for "$arch"); then
		skip "--with-gpuprep: an rpm bundle for $arch" \
			"no static $arch program: no '$PORTABLE_DIR/gpuprep-linux-$arch' (bash .ci/portable) and no static-capable compiler (gcc, gcc-aarch64-linux-gnu)"
		continue
	fi
	other=aarch64
	[ "$arch" = aarch64 ] && other=x86_64
	case $arch in x86_64) name=x86-64 ;; aarch64) name=AArch64 ;; esac
	refuse_gpuprep "$arch for $other" "$SG" "$other" "'$SG' is a program for $name, but the bundle is for $other"
	bg=$T/with-gpuprep-$arch.tar.gz
	run "$GPUPREP" bundle --format rpm --arch "$arch" --repo-url "$REPO_URL" --keyring "$T/repo.asc" --with-gpuprep "$SG" -o "$bg"
	expect_rc 0 "--with-gpuprep: the $arch rpm bundle is made"
	expect_contains "$T/err" "for rpm $arch, with gpuprep" "--with-gpuprep: $arch: the note says so"
	tar -tvzf "$bg" >"$T/wg-list"
	if grep -qE '^-rwxr-xr-x root/root .* gpuprep$' "$T/wg-list"; then ok "--with-gpuprep: $arch: 'gpuprep' at the top, mode 0755"; else
		not_ok "--with-gpuprep: $arch: 'gpuprep' at the top, mode 0755" "$(cat "$T/wg-list")"
	fi
	rm -rf "$T/airgap" && mkdir -p "$T/airgap"
	(cd "$T/airgap" && tar -xzf "$bg" gpuprep)
	if cmp -s "$T/airgap/gpuprep" "$SG" && [ -x "$T/airgap/gpuprep" ] && [ "$(ls "$T/airgap")" = gpuprep ]; then
		ok "--with-gpuprep: $arch: tar -xzf BUNDLE gpuprep gives the program, executable, byte for byte"
	else
		not_ok "--with-gpuprep: $arch: tar -xzf BUNDLE gpuprep gives the program" "$(ls -l "$T/airgap")"
	fi
	tar -xzOf "$bg" manifest.json >"$T/wg-manifest.json"
	python3 - "$T/wg-manifest.json" "$SG" >"$T/py" 2>&1 <<'PY'
import hashlib, json, sys
m = json.load(open(sys.argv[1]))
data = open(sys.argv[2], "rb").read()
e = [f for f in m["files"] if f["path"] == "gpuprep"]
assert e == [{"path": "gpuprep", "size": len(data), "sha256": hashlib.sha256(data).hexdigest()}], e
assert m["package_family"] == "rpm", m["package_family"]
print("listed ok")
PY
	if grep -q "listed ok" "$T/py"; then ok "--with-gpuprep: $arch: manifest.json vouches for gpuprep (size, sha256)"; else
		not_ok "--with-gpuprep: $arch: manifest.json vouches for gpuprep" "$(cat "$T/py")"
	fi
done
if [ -e "$T/with-gpuprep-x86_64.tar.gz" ]; then
	# install --offline takes it, checking gpuprep like every other file.
	root=$T/rocky-wg
	rpm_root "$root"
	run "$GPUPREP" --root "$root" install --offline "$T/with-gpuprep-x86_64.tar.gz" --keyring "$T/repo.asc"
	expect_rc 0 "--with-gpuprep: install --offline accepts the rpm bundle"
	want_all 1.17.8-1 >"$T/want"
	rpm_versions "$root" >"$T/got"
	expect_file_eq "$T/got" "$T/want" "--with-gpuprep: all four installed"
	rm -rf "$T/wg-x" && mkdir -p "$T/wg-x"
	tar -xzf "$T/with-gpuprep-x86_64.tar.gz" -C "$T/wg-x"
	printf 'x' >>"$T/wg-x/gpuprep"
	(cd "$T/wg-x" && tar --owner=0 --group=0 -czf "$T/wg-tampered.tar.gz" manifest.json repo keys gpuprep)
	root=$T/rocky-wg2
	rpm_root "$root"
	run "$GPUPREP" --root "$root" install --offline "$T/wg-tampered.tar.gz" --keyring "$T/repo.asc"
	expect_rc 1 "--with-gpuprep: a changed gpuprep in the rpm bundle is refused"
	expect_contains "$T/err" "checksum mismatch for 'gpuprep' in bundle" "--with-gpuprep: a changed gpuprep: message"
	[ -z "$(rpm_versions "$root")" ] && ok "--with-gpuprep: a changed gpuprep: nothing installed" ||
		not_ok "--with-gpuprep: a changed gpuprep: nothing installed"
fi
done_testing
