#!/bin/bash
# gpuprep bundle: made from a signed flat repository on 127.0.0.1 for amd64 and arm64,
# with resumed and retried downloads; then installed offline from it (with no network),
# and refused when anything in it was changed.
. "$TESTS_SRC/lib.sh"
. "$TESTS_SRC/install/lib-install.sh"

host_before=$(host_dpkg_state)
for a in amd64 arm64; do for v in 1.17.7 1.17.8; do mk_toolkit "$T/pkgs-$a" "$v" "$a"; done; done
mk_gpg_key repo
repo_fpr=$KEY_FPR
mk_repo "$T/repo" repo amd64 arm64
start_httpd "$T/repo"
export SOURCE_DATE_EPOCH=1767225600
want_all() { printf '%s %s\n' libnvidia-container-tools "$1" libnvidia-container1 "$1" nvidia-container-toolkit "$1" nvidia-container-toolkit-base "$1"; }
deb_path=/stable/deb/amd64/nvidia-container-toolkit_1.17.8-1_amd64.deb
# payload BUNDLE: everything but manifest.json (whose source_url names the server's port).
payload() { tar -xzOf "$1" --exclude manifest.json | sha256sum; }
same_payload() { # GOT WANT NAME
	if [ "$(payload "$1")" = "$(payload "$2")" ]; then ok "$3"; else not_ok "$3"; fi
}

# --- amd64 -----------------------------------------------------------------------------------
b64=$T/bundles/amd64.tar.gz
mkdir -p "$T/bundles"
run "$GPUPREP" bundle --format deb --arch amd64 --repo-url "$URL" --keyring "$T/repo.asc" -o "$b64"
expect_rc 0 "bundle amd64"
expect_contains "$T/out" "nvidia-container-toolkit       1.17.8-1" "bundle: the table lists the packages"
expect_contains "$T/err" "downloaded nvidia-container-toolkit_1.17.8-1_amd64.deb" "bundle: a line per file when stderr is not a tty"
tar -tzf "$b64" | sort >"$T/members"
cat >"$T/want-members" <<EOT
keys/nvidia-container-toolkit-keyring.gpg
manifest.json
repo/InRelease
repo/Packages
repo/libnvidia-container-tools_1.17.8-1_amd64.deb
repo/libnvidia-container1_1.17.8-1_amd64.deb
repo/nvidia-container-toolkit-base_1.17.8-1_amd64.deb
repo/nvidia-container-toolkit_1.17.8-1_amd64.deb
EOT
expect_file_eq "$T/members" "$T/want-members" "bundle: manifest.json, repo/ and keys/"
mkdir -p "$T/x"
tar -C "$T/x" -xzf "$b64"
expect_file_eq "$T/x/repo/InRelease" "$T/repo/stable/deb/amd64/InRelease" "bundle: InRelease is untouched"
expect_file_eq "$T/x/repo/Packages" "$T/repo/stable/deb/amd64/Packages" "bundle: Packages is untouched"
expect_file_eq "$T/x/keys/nvidia-container-toolkit-keyring.gpg" "$T/repo.gpg" "bundle: keys/ holds the public key"
python3 - "$T/x" "$URL" "$repo_fpr" >"$T/py" 2>&1 <<'EOT'
import hashlib, json, os, sys
d, url, fpr = sys.argv[1:]
m = json.load(open(os.path.join(d, "manifest.json")))
assert m["format_version"] == 1 and m["toolkit_version"] == "1.17.8", m
assert m["package_family"] == "deb" and m["architecture"] == "amd64", m
assert m["source_url"] == url + "/stable/deb/amd64" and m["key_fingerprint"] == fpr, m
assert m["created"] == "2026-01-01T00:00:00Z", m["created"]
names = [p["name"] for p in m["packages"]]
assert names == ["libnvidia-container1", "libnvidia-container-tools", "nvidia-container-toolkit-base", "nvidia-container-toolkit"], names
for e in m["packages"] + m["files"]:
    path = os.path.join(d, e.get("file") or e.get("path"))
    data = open(path, "rb").read()
    assert len(data) == e["size"] and hashlib.sha256(data).hexdigest() == e["sha256"], e
    if "version" in e:
        assert e["version"] == "1.17.8-1", e
print("manifest ok")
EOT
if grep -q "manifest ok" "$T/py"; then ok "bundle: manifest.json names everything, with sizes and sha256"; else not_ok "bundle: manifest.json names everything, with sizes and sha256" "$(cat "$T/py")"; fi

# repo/ works as a file: apt repository with keys/ as its keyring.
root=$T/sb-filerepo
mk_sandbox "$root" amd64
printf 'deb [signed-by=%s/x/keys/nvidia-container-toolkit-keyring.gpg] file:%s/x/repo /\n' "$T" "$T" >"$T/file.list"
aptc=(-o Dir="$root/" -o Dir::Etc::parts=/dev/null -o Dir::State::status="$root/var/lib/dpkg/status" -o Dir::State::lists="$T/flists/" -o Dir::Etc::sourcelist="$T/file.list" -o Dir::Etc::sourceparts=- -o APT::Sandbox::User=root)
mkdir -p "$T/flists/partial"
APT_CONFIG=/dev/null apt-get "${aptc[@]}" update >"$T/apt.log" 2>&1
APT_CONFIG=/dev/null apt-cache "${aptc[@]}" madison nvidia-container-toolkit >"$T/madison" 2>&1
expect_contains "$T/madison" "nvidia-container-toolkit |   1.17.8-1 | file:$T/x/repo  Packages" "bundle: repo/ is a working file: apt repository"

run "$GPUPREP" --json bundle --arch amd64 --repo-url "$URL" --keyring "$T/repo.asc" -o "$T/again.tar.gz"
python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); m=d["manifest"]; assert d["bundle"]==sys.argv[2] and m["package_family"]=="deb" and sorted(p["file"] for p in m["packages"])==sorted("repo/%s_1.17.8-1_amd64.deb" % n for n in ("libnvidia-container-tools", "libnvidia-container1", "nvidia-container-toolkit-base", "nvidia-container-toolkit")), d' "$T/out" "$T/again.tar.gz" 2>"$T/py" &&
	ok "bundle --json: the bundle and its manifest's packages" || not_ok "bundle --json: the bundle and its manifest" "$(cat "$T/py")"
expect_file_eq "$T/again.tar.gz" "$b64" "bundle: reproducible with SOURCE_DATE_EPOCH"

# -o -: the bundle on standard output as it is made, the same bytes as the file's; the table
# and the note on stderr; no download directory left anywhere. Refused with --json (both would
# write to standard output) and onto a terminal.
mkdir -p "$T/stdout-cwd"
cd "$T/stdout-cwd" || exit 1
run "$GPUPREP" bundle --arch amd64 --repo-url "$URL" --keyring "$T/repo.asc" -o -
cd - >/dev/null || exit 1
expect_rc 0 "bundle -o -"
expect_file_eq "$T/out" "$b64" "bundle -o -: the same bytes as the file's"
expect_contains "$T/err" "gpuprep: wrote standard output: the NVIDIA container toolkit 1.17.8 for deb amd64" "bundle -o -: the note says where"
expect_contains "$T/err" "nvidia-container-toolkit-base  1.17.8-1" "bundle -o -: the table goes to stderr"
[ -z "$(ls -A "$T/stdout-cwd")" ] && [ ! -e "$T/stdout-cwd/-" ] && ok "bundle -o -: no file and no download directory in the working directory" ||
	not_ok "bundle -o -: no file and no download directory in the working directory" "$(ls -A "$T/stdout-cwd")"
run "$GPUPREP" --json bundle --arch amd64 --repo-url "$URL" --keyring "$T/repo.asc" -o -
expect_rc 2 "bundle --json -o -: refused"
expect_contains "$T/err" "--json and -o - both write to standard output" "bundle --json -o -: says why"
if command -v script >/dev/null; then
	script -qec "$GPUPREP bundle --arch amd64 --repo-url $URL --keyring $T/repo.asc -o -" /dev/null >"$T/tty.out" 2>&1
	rc=$?
	expect_rc 2 "bundle -o - onto a terminal: refused"
	expect_contains "$T/tty.out" "-o - writes the bundle to standard output, which is a terminal" "bundle -o - onto a terminal: says why"
else
	skip "bundle -o - onto a terminal: refused" "no script(1) here to give it a terminal"
fi
# A reader that is gone before the bundle is written: an error that says so, not a SIGPIPE,
# and the downloads removed.
mkdir -p "$T/tmpd"
# (A pipe whose read end is closed before gpuprep starts; SIGPIPE at its default action.)
TMPDIR=$T/tmpd python3 -c 'import os, subprocess, sys
r, w = os.pipe()
os.close(r)
sys.exit(subprocess.run(sys.argv[1:], stdout=w).returncode % 256)' \
	"$GPUPREP" bundle --arch amd64 --repo-url "$URL" --keyring "$T/repo.asc" -o - 2>"$T/err"
rc=$?
expect_rc 1 "bundle -o - into a closed pipe: fails"
expect_contains "$T/err" "gpuprep: error: writing standard output: " "bundle -o - into a closed pipe: says so"
[ -z "$(ls -A "$T/tmpd")" ] && ok "bundle -o - into a closed pipe: the downloads are removed" ||
	not_ok "bundle -o - into a closed pipe: the downloads are removed" "$(ls -A "$T/tmpd")"
# Straight through a pipe into install --offline -.
root=$T/sb-bundle-pipe
mk_sandbox "$root" amd64
run "$GPUPREP" --root "$root" install --offline - --keyring "$T/repo.asc" \
	< <("$GPUPREP" -q bundle --arch amd64 --repo-url "$URL" --keyring "$T/repo.asc" -o -)
expect_rc 0 "bundle -o - | install --offline -"
want_all 1.17.8-1 >"$T/want"
installed_versions "$root" >"$T/got"
expect_file_eq "$T/got" "$T/want" "bundle -o - | install --offline -: all four at 1.17.8-1"

if unshare --net true 2>/dev/null; then net=(unshare --net); else net=(); fi
# --- --with-gpuprep: the bundle carries a static gpuprep ----------------------------------------
# Refused before anything is fetched or written: not ELF, dynamic, another architecture, missing.
# NAME FILE ARCH TEXT, with this bundle's repository and key
refuse_gpuprep() { refuse_with_gpuprep "$@" --repo-url "$URL" --keyring "$T/repo.asc"; }
printf '#!/bin/sh\nexec gpuprep "$@"\n' >"$T/gpuprep.sh"
refuse_gpuprep "a script" "$T/gpuprep.sh" amd64 "'$T/gpuprep.sh' is not an ELF program"
refuse_gpuprep "a dynamic program" /bin/true amd64 "'/bin/true' is dynamically linked (interpreter /lib"
expect_contains "$T/err" "OUTDIR/gpuprep-linux-x86_64" "--with-gpuprep a dynamic program: the hint names the static binary"
refuse_gpuprep "a missing file" "$T/nowhere" amd64 "cannot read '$T/nowhere': No such file or directory"
if SG=$(static_gpuprep); then
	refuse_gpuprep "x86-64 for arm64" "$SG" arm64 "'$SG' is a program for x86-64, but the bundle is for arm64 (AArch64)"
	expect_contains "$T/err" "OUTDIR/gpuprep-linux-aarch64" "--with-gpuprep x86-64 for arm64: the hint names the aarch64 binary"
	bg=$T/bundles/with-gpuprep.tar.gz
	run "$GPUPREP" bundle --arch amd64 --repo-url "$URL" --keyring "$T/repo.asc" --with-gpuprep "$SG" -o "$bg"
	expect_rc 0 "--with-gpuprep $SG: the bundle is made"
	expect_contains "$T/err" "with gpuprep" "--with-gpuprep: the note says so"
	tar -tvzf "$bg" >"$T/wg-list"
	if grep -qE '^-rwxr-xr-x root/root .* gpuprep$' "$T/wg-list"; then ok "--with-gpuprep: 'gpuprep' at the top, mode 0755"; else
		not_ok "--with-gpuprep: 'gpuprep' at the top, mode 0755" "$(cat "$T/wg-list")"
	fi
	# The documented first step on the air-gapped node: tar -xzf BUNDLE gpuprep.
	mkdir -p "$T/airgap"
	(cd "$T/airgap" && tar -xzf "$bg" gpuprep)
	if cmp -s "$T/airgap/gpuprep" "$SG" && [ -x "$T/airgap/gpuprep" ] && [ "$(ls "$T/airgap")" = gpuprep ]; then
		ok "tar -xzf BUNDLE gpuprep: just the program, executable, byte for byte"
	else
		not_ok "tar -xzf BUNDLE gpuprep: just the program, executable, byte for byte" "$(ls -l "$T/airgap")"
	fi
	python3 - "$bg" "$SG" >"$T/py" 2>&1 <<'EOT'
import hashlib, json, os, sys, tarfile
t = tarfile.open(sys.argv[1])
m = json.load(t.extractfile("manifest.json"))
data = open(sys.argv[2], "rb").read()
e = [f for f in m["files"] if f["path"] == "gpuprep"]
assert e == [{"path": "gpuprep", "size": len(data), "sha256": hashlib.sha256(data).hexdigest()}], e
print("listed ok")
EOT
	if grep -q "listed ok" "$T/py"; then ok "--with-gpuprep: manifest.json vouches for gpuprep (size, sha256)"; else
		not_ok "--with-gpuprep: manifest.json vouches for gpuprep (size, sha256)" "$(cat "$T/py")"
	fi
	# install --offline takes the bundle with gpuprep inside, and checks it like every file.
	root=$T/sb-wg
	mk_sandbox "$root" amd64
	run "${net[@]}" "$GPUPREP" --root "$root" install --offline "$bg" --keyring "$T/repo.asc"
	expect_rc 0 "--with-gpuprep: install --offline accepts the bundle"
	want_all 1.17.8-1 >"$T/want"
	installed_versions "$root" >"$T/got"
	expect_file_eq "$T/got" "$T/want" "--with-gpuprep: all four installed"
	mkdir -p "$T/wg-x"
	tar -C "$T/wg-x" -xzf "$bg"
	printf 'x' >>"$T/wg-x/gpuprep"
	(cd "$T/wg-x" && tar --owner=0 --group=0 -czf "$T/wg-tampered.tar.gz" manifest.json repo keys gpuprep)
	root=$T/sb-wg2
	mk_sandbox "$root" amd64
	run "$GPUPREP" --root "$root" install --offline "$T/wg-tampered.tar.gz" --keyring "$T/repo.asc"
	expect_rc 1 "--with-gpuprep: a changed gpuprep in the bundle is refused"
	expect_contains "$T/err" "checksum mismatch for 'gpuprep' in bundle" "--with-gpuprep: a changed gpuprep: message"
else
	for t in "x86-64 for arm64" "the bundle is made" "mode 0755" "tar -xzf BUNDLE gpuprep" "manifest" \
		"install --offline accepts" "all four installed" "a changed gpuprep"; do
		skip "--with-gpuprep: $t" "no static x86_64 program here (busybox-static, or a static GPUPREP)"
	done
fi

# Installed offline, with no network at all.
root=$T/sb-amd64
mk_sandbox "$root" amd64
run "${net[@]}" "$GPUPREP" --root "$root" install --offline "$b64" --keyring "$T/repo.asc"
expect_rc 0 "install --offline from the amd64 bundle${net:+ (unshare --net)}"
want_all 1.17.8-1 >"$T/want"
installed_versions "$root" >"$T/got"
expect_file_eq "$T/got" "$T/want" "bundle install: all four at 1.17.8-1"
expect_contains "$T/err" "from bundle '$b64'" "bundle install: the source is named"
run "$GPUPREP" --root "$root" install --offline "$b64" --keyring "$T/repo.asc"
expect_contains "$T/out" "already installed: " "bundle install: a second run is a no-op"
# '-': from standard input, here a pipe, which a bundle needs read only once.
root=$T/sb-pipe
mk_sandbox "$root" amd64
run "$GPUPREP" --root "$root" install --offline - --keyring "$T/repo.asc" < <(cat "$b64")
expect_rc 0 "install --offline - from a pipe (a bundle)"
installed_versions "$root" >"$T/got"
expect_file_eq "$T/got" "$T/want" "bundle from a pipe: all four at 1.17.8-1"
expect_contains "$T/err" "from bundle '/dev/stdin'" "bundle from a pipe: the source is standard input"

# A bundle's signed index vouches for its packages: gpuprep runs no dpkg-deb on them (dpkg -i
# does, for itself); the same packages from a directory, vouched for by nobody, are read by
# dpkg-deb first. A dpkg-deb on PATH notes who ran it: "gpuprep" for the program under test
# (by /proc/PID/exe, whatever its name), "dpkg" for dpkg.
mkdir -p "$T/spy"
gexe=$(readlink -f "$GPUPREP")
printf '#!/bin/sh\nwho=$(readlink /proc/$PPID/exe)\ncase $who in %s) who=gpuprep ;; */dpkg) who=dpkg ;; esac\necho "$who $1" >>"%s"\nexec /usr/bin/dpkg-deb "$@"\n' \
	"$gexe" "$T/spy.log" >"$T/spy/dpkg-deb"
chmod 755 "$T/spy/dpkg-deb"
root=$T/sb-spy
mk_sandbox "$root" amd64
: >"$T/spy.log"
PATH=$T/spy:$PATH run "$GPUPREP" --root "$root" install --offline "$b64" --keyring "$T/repo.asc"
expect_rc 0 "bundle install with dpkg-deb watched"
if grep -q "^dpkg " "$T/spy.log" && ! grep -q "^gpuprep " "$T/spy.log"; then
	ok "bundle install: dpkg ran dpkg-deb, gpuprep did not (the signed index vouches)"
else
	not_ok "bundle install: dpkg ran dpkg-deb, gpuprep did not (the signed index vouches)" "$(cat "$T/spy.log")"
fi
root=$T/sb-spy-dir
mk_sandbox "$root" amd64
: >"$T/spy.log"
PATH=$T/spy:$PATH run "$GPUPREP" --root "$root" install --offline "$T/x/repo" --keyring "$T/repo.asc"
expect_rc 0 "directory install with dpkg-deb watched"
if [ "$(grep -c "^gpuprep --contents" "$T/spy.log")" = 4 ] && [ "$(grep -c "^gpuprep --field" "$T/spy.log")" = 4 ]; then
	ok "directory install: gpuprep reads each of the four with dpkg-deb first"
else
	not_ok "directory install: gpuprep reads each of the four with dpkg-deb first" "$(cat "$T/spy.log")"
fi
run "$GPUPREP" --root "$root" install --offline "$b64" --keyring "$T/repo.asc" --version 1.17.7
expect_rc 1 "bundle install: a version the bundle does not have"
expect_contains "$T/err" "version 1.17.7-1 is not in bundle '$b64'; it has 1.17.8-1" "bundle install: says which version it has"

# Without --keyring the bundle's key must be NVIDIA's.
root=$T/sb-nokey
mk_sandbox "$root" amd64
run "$GPUPREP" --root "$root" install --offline "$b64"
expect_rc 1 "a bundle signed by another key, without --keyring"
expect_contains "$T/err" "wrong key fingerprint: 'keys/nvidia-container-toolkit-keyring.gpg' in bundle '$b64' has $repo_fpr, expected C95B321B61E88C1809C4F759DDCAE044F796ECB0" "bundle without --keyring: message"
expect_contains "$T/err" "hint: a bundle made from a private mirror needs that mirror's key" "bundle without --keyring: hint"

# --- InRelease's signature is checked while the packages are still being read -----------------
# The key and InRelease come before the packages in the archive, so gpgv can start early.
tar -tzf "$b64" >"$T/order"
if python3 - "$T/order" <<'EOT'; then ok "bundle: the key and InRelease come before the packages"; else not_ok "bundle: the key and InRelease come before the packages" "$(cat "$T/order")"; fi
import sys
names = open(sys.argv[1]).read().split()
debs = [i for i, n in enumerate(names) if n.endswith(".deb")]
sys.exit(not (debs and names.index("keys/nvidia-container-toolkit-keyring.gpg") < min(debs) and names.index("repo/InRelease") < min(debs)))
EOT
# The packages come largest first. (Here nvidia-container-toolkit, last in the toolkit's
# order, has the longest control file, so that order is not largest first.)
expect_largest_first "$b64"
# The bundle comes through a FIFO whose writer holds its last bytes back until gpgv (a gpgv
# on PATH that leaves a mark) has started: an install that ran gpgv only once it had read
# the whole bundle would never see them, and the writer gives up after 30 s.
mkdir -p "$T/gspy"
printf '#!/bin/sh
: >"%s"
exec /usr/bin/gpgv "$@"
' "$T/gpgv-started" >"$T/gspy/gpgv"
chmod 755 "$T/gspy/gpgv"
early_install() { # NAME BUNDLE [ARGS...]: install BUNDLE through the FIFO
	local name=$1 bundle=$2 size
	shift 2
	rm -f "$T/gpgv-started" "$T/fifo-verdict" "$T/fifo.tar.gz"
	mkfifo "$T/fifo.tar.gz"
	size=$(stat -c %s "$bundle")
	(
		head -c $((size - 64)) "$bundle"
		for _ in $(seq 300); do [ -e "$T/gpgv-started" ] && break; sleep 0.1; done
		if [ -e "$T/gpgv-started" ]; then echo early; else echo late; fi >"$T/fifo-verdict"
		tail -c 64 "$bundle"
	) >"$T/fifo.tar.gz" &
	local writer=$!
	root=$T/sb-early-$RANDOM
	mk_sandbox "$root" amd64
	PATH=$T/gspy:$PATH run "$GPUPREP" --root "$root" install --offline "$T/fifo.tar.gz" "$@"
	wait "$writer"
	expect_rc 0 "$name: installed through a FIFO"
	expect_contains "$T/fifo-verdict" "early" "$name: gpgv started before the bundle was read to its end"
	want_all 1.17.8-1 >"$T/want"
	installed_versions "$root" >"$T/got"
	expect_file_eq "$T/got" "$T/want" "$name: all four at 1.17.8-1"
}
# libarchive reads some way ahead before it extracts anything, so this bundle is made from a
# copy of the repository whose first package carries a MiB more.
big=$T/repo/big/stable/deb/amd64
mkdir -p "$big"
cp "$T"/pkgs-amd64/*_1.17.8-1_amd64.deb "$big/"
cp -a "$T/build/libnvidia-container1-1.17.8-1-amd64" "$T/build/big"
head -c 1048576 /dev/urandom >"$T/build/big/usr/share/doc/libnvidia-container1/padding"
dpkg-deb --root-owner-group -Zgzip -b "$T/build/big" "$big/libnvidia-container1_1.17.8-1_amd64.deb" >/dev/null
sign_repo "$big" repo
cp "$T/repo.asc" "$T/repo/big/gpgkey"
run "$GPUPREP" bundle --arch amd64 --repo-url "$URL/big" --keyring "$T/repo.asc" -o "$T/bundles/big.tar.gz"
expect_rc 0 "bundle with a MiB more"
early_install "early gpgv" "$T/bundles/big.tar.gz" --keyring "$T/repo.asc"
# Without --keyring the bundle's own key is used as soon as it is out (pinned to NVIDIA's:
# here the same refusal as above, from the gpgv that started early).
root=$T/sb-nokey-early
mk_sandbox "$root" amd64
rm -f "$T/gpgv-started"
PATH=$T/gspy:$PATH run "$GPUPREP" --root "$root" install --offline "$b64"
expect_rc 1 "without --keyring, gpgv started early: refused"
expect_contains "$T/err" "wrong key fingerprint: 'keys/nvidia-container-toolkit-keyring.gpg' in bundle '$b64' has $repo_fpr, expected C95B321B61E88C1809C4F759DDCAE044F796ECB0" "without --keyring, gpgv started early: the same message"
if [ -e "$T/gpgv-started" ]; then ok "without --keyring: gpgv ran"; else not_ok "without --keyring: gpgv ran"; fi
# A bundle from an earlier gpuprep (the key last): the same checks, gpgv just starts later.
(cd "$T/x" && tar --owner=0 --group=0 -czf "$T/key-last.tar.gz" manifest.json repo keys)
root=$T/sb-key-last
mk_sandbox "$root" amd64
run "$GPUPREP" --root "$root" install --offline "$T/key-last.tar.gz"
expect_rc 1 "a bundle with its key last, without --keyring: refused"
expect_contains "$T/err" "wrong key fingerprint: 'keys/nvidia-container-toolkit-keyring.gpg' in bundle '$T/key-last.tar.gz' has $repo_fpr" "a bundle with its key last: the same message"
run "$GPUPREP" --root "$root" install --offline "$T/key-last.tar.gz" --keyring "$T/repo.asc"
expect_rc 0 "a bundle with its key last, with --keyring: installed"
# InRelease twice, the same bytes: what gpgv was started on is dropped and the last is checked.
(cd "$T/x" && tar --owner=0 --group=0 -cf "$T/twice.tar" manifest.json keys repo && tar --owner=0 --group=0 -rf "$T/twice.tar" repo/InRelease)
gzip -n "$T/twice.tar"
root=$T/sb-twice
mk_sandbox "$root" amd64
run "$GPUPREP" --root "$root" install --offline "$T/twice.tar.gz" --keyring "$T/repo.asc"
expect_rc 0 "InRelease twice (the same bytes): installed"

# --- tampered bundles are refused --------------------------------------------------------------
retar() { (cd "$1" && tar --owner=0 --group=0 -czf "$2" manifest.json repo keys); }
# rehash DIR LIST KEY: manifest.json's size and sha256 of each entry of LIST ("packages" or
# "files", named by KEY: "file" or "path") made to match the files in DIR as they are now.
rehash() {
	python3 - "$@" <<'EOT'
import hashlib, json, os, sys
d, lst, key = sys.argv[1:]
m = json.load(open(os.path.join(d, "manifest.json")))
for e in m[lst]:
    data = open(os.path.join(d, e[key]), "rb").read()
    e["size"], e["sha256"] = len(data), hashlib.sha256(data).hexdigest()
json.dump(m, open(os.path.join(d, "manifest.json"), "w"), indent=2)
EOT
}
refuse() { # NAME BUNDLE TEXT
	local r=$T/sb-refuse-$RANDOM
	mk_sandbox "$r" amd64
	run "$GPUPREP" --root "$r" install --offline "$2" --keyring "$T/repo.asc"
	expect_rc 1 "tampered bundle refused: $1"
	expect_contains "$T/err" "$3" "tampered bundle: $1: message"
	if [ -z "$(installed_versions "$r")" ]; then ok "tampered bundle: $1: nothing installed"; else not_ok "tampered bundle: $1: nothing installed"; fi
}
cp -a "$T/x" "$T/t1"
printf 'x' >>"$T/t1/repo/nvidia-container-toolkit_1.17.8-1_amd64.deb"
retar "$T/t1" "$T/t1.tar.gz"
refuse "a changed .deb" "$T/t1.tar.gz" "checksum mismatch for 'repo/nvidia-container-toolkit_1.17.8-1_amd64.deb' in bundle '$T/t1.tar.gz'"
cp -a "$T/x" "$T/t2"
printf 'extra\n' >"$T/t2/repo/extra.sh"
retar "$T/t2" "$T/t2.tar.gz"
refuse "an extra file" "$T/t2.tar.gz" "'repo/extra.sh' is not listed in manifest.json"
cp -a "$T/t1" "$T/t3"
rehash "$T/t3" packages file
retar "$T/t3" "$T/t3.tar.gz"
refuse "a changed .deb with a matching manifest" "$T/t3.tar.gz" "package 'nvidia-container-toolkit' in manifest.json does not match the signed Packages index"
cp -a "$T/x" "$T/t4"
rm "$T/t4/repo/Packages"
retar "$T/t4" "$T/t4.tar.gz"
refuse "a missing file" "$T/t4.tar.gz" "'repo/Packages' is listed in manifest.json but missing"
cp -a "$T/x" "$T/t5"
printf '{"format_version": 1,' >"$T/t5/manifest.json"
retar "$T/t5" "$T/t5.tar.gz"
refuse "a broken manifest" "$T/t5.tar.gz" "manifest.json: 1:"
mkdir -p "$T/t6"
(cd "$T/x" && tar -czf "$T/t6.tar.gz" manifest.json repo keys --transform 's,^repo/InRelease,../InRelease,')
refuse "a ../ entry" "$T/t6.tar.gz" "leaves the archive with '..'"
# The same member twice, the second with one byte changed (same size): the later one is the
# file on disk, and the one checked.
deb=repo/nvidia-container-toolkit_1.17.8-1_amd64.deb
mkdir -p "$T/t7/repo"
cp "$T/x/$deb" "$T/t7/$deb"
python3 -c 'import sys; b = bytearray(open(sys.argv[1], "rb").read()); b[-1] ^= 1; open(sys.argv[1], "wb").write(b)' "$T/t7/$deb"
(cd "$T/x" && tar --owner=0 --group=0 -cf "$T/t7.tar" manifest.json repo keys)
tar -C "$T/t7" --owner=0 --group=0 -rf "$T/t7.tar" "$deb"
gzip -n "$T/t7.tar"
refuse "a good .deb, then a changed one of the same name" "$T/t7.tar.gz" "checksum mismatch for '$deb' in bundle '$T/t7.tar.gz'"
# A signed index whose entry for a package names another architecture: refused, as the
# package tools would have refused it.
cp -a "$T/x" "$T/t8"
python3 - "$T/t8/repo/Packages" <<'EOT'
import sys
p = sys.argv[1]
stanzas = open(p).read().split("\n\n")
for i, st in enumerate(stanzas):
    if st.startswith("Package: nvidia-container-toolkit\n"):
        stanzas[i] = st.replace("Architecture: amd64", "Architecture: arm64")
open(p, "w").write("\n\n".join(stanzas))
EOT
(cd "$T/t8/repo" && apt-ftparchive release . >"$T/t8.Release" 2>/dev/null && rm InRelease &&
	GNUPGHOME="$T/gnupg-repo" gpg --batch --quiet --clearsign -o InRelease "$T/t8.Release" 2>/dev/null)
rehash "$T/t8" files path
retar "$T/t8" "$T/t8.tar.gz"
refuse "a signed index that names another architecture" "$T/t8.tar.gz" "package 'nvidia-container-toolkit' in manifest.json does not match the signed Packages index"

# --- arm64 --------------------------------------------------------------------------------------
barm=$T/bundles/arm64.tar.gz
run "$GPUPREP" bundle --format deb --arch arm64 --repo-url "$URL" --keyring "$T/repo.asc" --version 1.17.7 -o "$barm"
expect_rc 0 "bundle arm64, pinned to 1.17.7"
tar -xzOf "$barm" manifest.json >"$T/m-arm"
expect_contains "$T/m-arm" '"architecture": "arm64"' "bundle arm64: manifest architecture"
expect_contains "$T/m-arm" '"file": "repo/nvidia-container-toolkit_1.17.7-1_arm64.deb"' "bundle arm64: the arm64 packages at 1.17.7-1"
run "$GPUPREP" --root "$T/sb-amd64" install --offline "$barm" --keyring "$T/repo.asc" --dry-run
expect_rc 1 "an arm64 bundle on an amd64 system"
expect_contains "$T/err" "bundle '$barm' is for deb arm64; this system is deb amd64" "arm64 bundle on amd64: message"
root=$T/sb-arm64
mk_sandbox "$root" arm64
run "$GPUPREP" --root "$root" install --offline "$barm" --keyring "$T/repo.asc" --dry-run
expect_rc 0 "arm64 bundle: --dry-run plan for an arm64 system"
expect_contains "$T/out" "system:   deb arm64 at '$root'" "arm64 bundle: the plan is for arm64"
run "$GPUPREP" --root "$root" install --offline "$barm" --keyring "$T/repo.asc"
expect_rc 0 "arm64 bundle: installed into an arm64 root (dpkg with arm64 as a foreign architecture)"
want_all 1.17.7-1 >"$T/want"
installed_versions "$root" >"$T/got"
expect_file_eq "$T/got" "$T/want" "arm64 bundle: all four at 1.17.7-1"
root=$T/sb-arm64-plain
mk_sandbox "$root" arm64
rm -f "$root/var/lib/dpkg/arch"
run "$GPUPREP" --root "$root" install --offline "$barm" --keyring "$T/repo.asc"
expect_rc 1 "an arm64 root that this host's dpkg cannot install into"
expect_contains "$T/err" "the system at '$root' is arm64, but this host's dpkg is $(dpkg --print-architecture)" "cross-architecture root: message"

# --- downloads: retry with backoff, resume with Range ----------------------------------------------
stop_httpd
start_httpd "$T/repo" --fail-once "$deb_path=503" --drop-once "/stable/deb/amd64/libnvidia-container1_1.17.8-1_amd64.deb=300"
run "$GPUPREP" -v bundle --arch amd64 --repo-url "$URL" --keyring "$T/repo.asc" -o "$T/retry.tar.gz"
expect_rc 0 "bundle with a 503 and a dropped connection"
expect_contains "$T/err" "retrying (2/5) in 0.5 s: downloading '$URL$deb_path': HTTP 503" "-v: the 503's retry is said"
same_payload "$T/retry.tar.gz" "$b64" "retried bundle: the same packages and index"
grep -F "GET $deb_path" "$HTTPD_LOG" >"$T/reqs"
printf 'GET %s - 503\nGET %s - 200\n' "$deb_path" "$deb_path" >"$T/want-reqs"
expect_file_eq "$T/reqs" "$T/want-reqs" "a 503 is retried"
grep -F "GET /stable/deb/amd64/libnvidia-container1_1.17.8-1_amd64.deb" "$HTTPD_LOG" >"$T/reqs"
printf 'GET /stable/deb/amd64/libnvidia-container1_1.17.8-1_amd64.deb - 200\nGET /stable/deb/amd64/libnvidia-container1_1.17.8-1_amd64.deb bytes=300- 206\n' >"$T/want-reqs"
expect_file_eq "$T/reqs" "$T/want-reqs" "a dropped transfer resumes with a Range request"

# A server that ignores Range: the download starts over.
stop_httpd
start_httpd "$T/repo" --no-range --drop-once "$deb_path=200"
run "$GPUPREP" bundle --arch amd64 --repo-url "$URL" --keyring "$T/repo.asc" -o "$T/norange.tar.gz"
expect_rc 0 "bundle from a server without ranges"
same_payload "$T/norange.tar.gz" "$b64" "no ranges: the same packages and index"

# An interrupted earlier run: its partial file is resumed.
stop_httpd
start_httpd "$T/repo"
mkdir -p "$T/resume.tar.gz.download"
head -c 100 "$T/repo$deb_path" >"$T/resume.tar.gz.download/nvidia-container-toolkit_1.17.8-1_amd64.deb.part"
run "$GPUPREP" bundle --arch amd64 --repo-url "$URL" --keyring "$T/repo.asc" -o "$T/resume.tar.gz"
expect_rc 0 "bundle after an interrupted run"
expect_contains "$HTTPD_LOG" "GET $deb_path bytes=100- 206" "the earlier partial download is resumed"
same_payload "$T/resume.tar.gz" "$b64" "resumed bundle: the same packages and index"
if [ ! -e "$T/resume.tar.gz.download" ]; then ok "the download directory is removed once the bundle is written"; else not_ok "the download directory is removed once the bundle is written"; fi

# --- failures ----------------------------------------------------------------------------------------
cp -a "$T/repo" "$T/repo-bad"
printf 'x' >>"$T/repo-bad$deb_path"
stop_httpd
start_httpd "$T/repo-bad"
run "$GPUPREP" bundle --arch amd64 --repo-url "$URL" --keyring "$T/repo.asc" -o "$T/bad.tar.gz"
expect_rc 1 "a package that does not match the signed index"
expect_contains "$T/err" "downloading '$URL$deb_path': larger than the $(stat -c %s "$T/repo$deb_path") bytes the index lists" "bad package: message"
if [ ! -e "$T/bad.tar.gz" ]; then ok "bad package: no bundle written"; else not_ok "bad package: no bundle written"; fi
run "$GPUPREP" bundle --arch amd64 --repo-url "$URL" -o "$T/bad.tar.gz"
expect_rc 1 "bundle without --keyring from a repository with another key"
expect_contains "$T/err" "wrong key fingerprint: '$URL/gpgkey' has $repo_fpr" "bundle: the pinned fingerprint is checked"
run "$GPUPREP" bundle --arch amd64 --repo-url "$URL" --keyring "$T/repo.asc" --version 2.0.0 -o "$T/bad.tar.gz"
expect_rc 1 "bundle: an unknown version"
expect_contains "$T/err" "version 2.0.0-1 is not in '$URL/stable/deb/amd64'; it has 1.17.8-1, 1.17.7-1" "bundle: an unknown version lists the versions"
run "$GPUPREP" bundle --format rpm --arch amd64 -o "$T/bad.tar.gz"
expect_rc 2 "bundle --format rpm is a usage error"
run "$GPUPREP" bundle --arch vax -o "$T/bad.tar.gz"
expect_rc 2 "bundle --arch with an unknown name"

if [ "$host_before" = "$(host_dpkg_state)" ]; then ok "the host's dpkg database is untouched"; else not_ok "the host's dpkg database is untouched"; fi
done_testing
