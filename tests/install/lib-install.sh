# SPDX-License-Identifier: GPL-2.0-or-later
# Sourced by tests/install/*.sh after tests/lib.sh: fixture packages built with dpkg-deb,
# sandbox roots for dpkg/apt, a flat apt repository signed by a throwaway key, and an
# HTTP server on 127.0.0.1. Nothing here touches the host's own package database.
INSTALL_SRC="$TESTS_SRC/install"
TOOLKIT="libnvidia-container1 libnvidia-container-tools nvidia-container-toolkit-base nvidia-container-toolkit"

# mk_deb OUTDIR NAME VERSION ARCH [DEPENDS]: a small real package with one file.
mk_deb() {
	local out=$1 name=$2 ver=$3 arch=$4 deps=${5:-}
	local d="$T/build/$name-$ver-$arch"
	mkdir -p "$d/DEBIAN" "$d/usr/share/doc/$name" "$out"
	printf '%s %s %s\n' "$name" "$ver" "$arch" >"$d/usr/share/doc/$name/gpuprep-fixture"
	{
		printf 'Package: %s\nVersion: %s\nArchitecture: %s\n' "$name" "$ver" "$arch"
		printf 'Maintainer: gpuprep tests <tests@example.invalid>\n'
		[ -n "$deps" ] && printf 'Depends: %s\n' "$deps"
		printf 'Section: utils\nPriority: optional\nDescription: gpuprep test fixture\n'
	} >"$d/DEBIAN/control"
	dpkg-deb --root-owner-group -Zgzip -b "$d" "$out/${name}_${ver}_${arch}.deb" >/dev/null
}

# mk_toolkit OUTDIR UPSTREAM ARCH: the four packages at UPSTREAM-1 with NVIDIA's real
# Depends relations, plus a -dev, a -dbg and operator-extensions that must be skipped.
mk_toolkit() {
	local out=$1 v=$2 arch=$3
	mk_deb "$out" libnvidia-container1 "$v-1" "$arch" "libc6 (>= 2.7), libcap2, libseccomp2"
	mk_deb "$out" libnvidia-container-tools "$v-1" "$arch" "libnvidia-container1 (>= $v-1), libc6 (>= 2.7)"
	mk_deb "$out" nvidia-container-toolkit-base "$v-1" "$arch" ""
	mk_deb "$out" nvidia-container-toolkit "$v-1" "$arch" \
		"nvidia-container-toolkit-base (= $v-1), libnvidia-container-tools (>= $v-1), libnvidia-container-tools (<< 2.0.0), libseccomp2"
	mk_deb "$out" libnvidia-container-dev "$v-1" "$arch" "libnvidia-container1 (= $v-1)"
	mk_deb "$out" libnvidia-container1-dbg "$v-1" "$arch" "libnvidia-container1 (= $v-1)"
	mk_deb "$out" nvidia-container-toolkit-operator-extensions "$v-1" "$arch" "nvidia-container-toolkit (= $v-1)"
}

# mk_sandbox DIR ARCH [MISSING_DEP]: a Debian system image for dpkg --root and apt: an
# os-release, a /bin/sh whose ELF header says ARCH, and a dpkg status declaring the OS
# packages the toolkit needs (all but MISSING_DEP) as installed.
mk_sandbox() {
	local r=$1 arch=$2 missing=${3:-} p
	mkdir -p "$r/etc/apt/sources.list.d" "$r/etc/apt/preferences.d" "$r/usr/share/keyrings" \
		"$r/var/lib/dpkg/info" "$r/var/lib/dpkg/updates" "$r/var/lib/apt/lists/partial" \
		"$r/var/cache/apt/archives/partial" "$r/var/log/apt" "$r/bin"
	printf 'PRETTY_NAME="Debian GNU/Linux 12 (bookworm)"\nID=debian\nVERSION_ID="12"\n' >"$r/etc/os-release"
	case $arch in
	amd64) cp /bin/sh "$r/bin/sh" ;;
	# An ELF64 little-endian header with e_machine 183 (AArch64): all osinfo reads.
	arm64) printf '\177ELF\002\001\001\000\000\000\000\000\000\000\000\000\002\000\267\000' >"$r/bin/sh" ;;
	esac
	: >"$r/var/lib/dpkg/status"
	: >"$r/var/lib/dpkg/available"
	for p in libc6:2.36-9 libcap2:1:2.66-4 libseccomp2:2.5.4-1; do
		[ "${p%%:*}" = "$missing" ] && continue
		printf 'Package: %s\nStatus: install ok installed\nPriority: optional\nVersion: %s\nArchitecture: %s\nMulti-Arch: same\nMaintainer: x <x@example.invalid>\nDescription: declared by the test\n\n' \
			"${p%%:*}" "${p#*:}" "$arch" >>"$r/var/lib/dpkg/status"
		: >"$r/var/lib/dpkg/info/${p%%:*}:$arch.list"
	done
	if [ "$arch" != "$(dpkg --print-architecture)" ]; then
		dpkg --root="$r" --add-architecture "$arch"
	fi
}

# nothing_written OUT NAME: neither OUT nor its .download exists.
nothing_written() { # OUT NAME
	if [ ! -e "$1" ] && [ ! -e "$1.download" ]; then ok "$2: nothing written"; else
		not_ok "$2: nothing written" "$(ls -ld "$1"* 2>&1)"
	fi
}

# refuse_with_gpuprep NAME FILE ARCH TEXT BUNDLE-ARGS...: `bundle --arch ARCH --with-gpuprep FILE`
# (and BUNDLE-ARGS: the repository, key, format) is refused with TEXT in its error and a hint,
# before anything is fetched (the HTTP server's log, HTTPD_LOG, does not grow) or written.
refuse_with_gpuprep() {
	local out=$T/wg-$RANDOM.tar.gz before
	before=$(wc -l <"$HTTPD_LOG")
	run "$GPUPREP" bundle "${@:5}" --arch "$3" --with-gpuprep "$2" -o "$out"
	expect_rc 1 "--with-gpuprep $1: refused"
	expect_contains "$T/err" "gpuprep: error: --with-gpuprep: $4" "--with-gpuprep $1: message"
	expect_contains "$T/err" "hint: " "--with-gpuprep $1: a hint"
	nothing_written "$out" "--with-gpuprep $1"
	if [ "$(wc -l <"$HTTPD_LOG")" = "$before" ]; then ok "--with-gpuprep $1: nothing fetched"; else
		not_ok "--with-gpuprep $1: nothing fetched" "$(tail -3 "$HTTPD_LOG")"
	fi
}

# mk_dists_repo BASE SUITE KEY: BASE's pool/ as a dists/ apt repository laid out like L4T's
# (dists/SUITE/main/binary-arm64/Packages, a Release whose InRelease is signed by KEY's
# throwaway key from mk_gpg_key).
mk_dists_repo() {
	local base=$1 suite=$2 key=$3
	mkdir -p "$base/dists/$suite/main/binary-arm64"
	(cd "$base" && apt-ftparchive packages pool >"dists/$suite/main/binary-arm64/Packages" 2>/dev/null &&
		apt-ftparchive -o APT::FTPArchive::Release::Suite="$suite" -o APT::FTPArchive::Release::Components=main \
			-o APT::FTPArchive::Release::Architectures=arm64 release "dists/$suite" >"$T/Release" 2>/dev/null &&
		mv "$T/Release" "dists/$suite/Release" &&
		GNUPGHOME="$T/gnupg-$key" gpg --batch --quiet --clearsign -o "dists/$suite/InRelease" "dists/$suite/Release" 2>/dev/null)
}

# installed_versions ROOT: "name version" for the toolkit packages installed in ROOT.
installed_versions() {
	dpkg-query --admindir="$1/var/lib/dpkg" -W -f='${Package} ${Version} ${db:Status-Abbrev}\n' $TOOLKIT 2>/dev/null |
		awk '$3 == "ii" {print $1, $2}'
}

# mk_gpg_key NAME [ALGO]: a throwaway signing key (ed25519, or ALGO as gpg --quick-gen-key
# takes it) in $T/gnupg-NAME; sets KEY_FPR, writes
# $T/NAME.asc (armored) and $T/NAME.gpg (binary).
mk_gpg_key() {
	local home="$T/gnupg-$1"
	mkdir -p -m 700 "$home"
	GNUPGHOME=$home gpg --batch --quiet --passphrase '' --quick-gen-key "gpuprep test $1 <$1@example.invalid>" "${2:-ed25519}" sign never 2>/dev/null
	KEY_FPR=$(GNUPGHOME=$home gpg --batch --with-colons --list-keys 2>/dev/null | awk -F: '$1 == "fpr" {print $10; exit}')
	GNUPGHOME=$home gpg --batch --armor --export >"$T/$1.asc" 2>/dev/null
	GNUPGHOME=$home gpg --batch --export >"$T/$1.gpg" 2>/dev/null
}

# mk_repo REPO KEYNAME ARCH...: NVIDIA's flat layout REPO/stable/deb/ARCH/ with the packages
# from $T/pkgs-ARCH, Packages and Release by apt-ftparchive, InRelease clearsigned by KEYNAME,
# and REPO/gpgkey (the armored key).
mk_repo() {
	local repo=$1 key=$2 arch d
	shift 2
	for arch in "$@"; do
		d="$repo/stable/deb/$arch"
		mkdir -p "$d"
		cp "$T/pkgs-$arch"/*.deb "$d/"
		sign_repo "$d" "$key"
	done
	cp "$T/$key.asc" "$repo/gpgkey"
}

# sign_repo DIR KEYNAME: (re)generate Packages, Release and InRelease in DIR.
sign_repo() {
	(cd "$1" && apt-ftparchive packages . >Packages 2>/dev/null &&
		apt-ftparchive release . >"$T/Release.tmp" 2>/dev/null && mv "$T/Release.tmp" Release &&
		rm -f InRelease &&
		GNUPGHOME="$T/gnupg-$2" gpg --batch --quiet --clearsign -o InRelease Release 2>/dev/null)
}

# start_httpd DIR [httpd.py options]: serve DIR on 127.0.0.1; sets PORT, URL and
# HTTPD_LOG. The server is stopped by PID when the test exits.
start_httpd() {
	local dir=$1 pid
	shift
	local n=$RANDOM
	HTTPD_LOG="$T/httpd-$n.log"
	: >"$HTTPD_LOG"
	python3 "$INSTALL_SRC/httpd.py" --root "$dir" --log "$HTTPD_LOG" "$@" >"$T/httpd-$n.port" &
	pid=$!
	at_exit "kill $pid 2>/dev/null; wait $pid 2>/dev/null"
	HTTPD_PID=$pid
	for _ in $(seq 200); do
		[ -s "$T/httpd-$n.port" ] && break
		sleep 0.05
	done
	PORT=$(head -1 "$T/httpd-$n.port")
	URL="http://127.0.0.1:$PORT"
	# HTTPS by name, as repositories are (the server still listens on 127.0.0.1 only).
	case " $* " in *" --tls "*) URL="https://localhost:$PORT" ;; esac
}

stop_httpd() {
	kill "$HTTPD_PID" 2>/dev/null
	wait "$HTTPD_PID" 2>/dev/null
}

# tree_state ROOT: a listing of every file (with its checksum) under ROOT, to compare
# before and after a failed run. Lock files (dpkg's, and gpuprep's own empty
# /run/gpuprep.lock) are not state.
tree_state() {
	(cd "$1" && find . -xdev \( -type f -o -type l \) ! -path './var/lib/dpkg/lock*' ! -path './var/lib/dpkg/triggers/Lock' ! -path './run/gpuprep.lock' -print0 |
		sort -z | xargs -0 -r sha256sum)
}

# host_dpkg_state: the host's own dpkg database, which no test may change.
host_dpkg_state() {
	sha256sum /var/lib/dpkg/status 2>/dev/null
	ls /var/lib/dpkg/info 2>/dev/null | wc -l
}

# static_gpuprep: print a static x86_64 program to carry with bundle --with-gpuprep: $GPUPREP
# itself when it is the static build (CI runs the suites again with it), else busybox-static's
# /bin/busybox as a stand-in; nothing (and status 1) when neither is, or not on x86_64.
static_gpuprep() {
	[ "$(uname -m)" = x86_64 ] || return 1
	local f
	for f in "$GPUPREP" /bin/busybox; do
		if [ -f "$f" ] && readelf -h "$f" 2>/dev/null | grep -q 'Machine: *Advanced Micro Devices X86-64' &&
			! readelf -ld "$f" 2>/dev/null | grep -qE 'INTERP|\(NEEDED\)'; then
			printf '%s\n' "$f"
			return 0
		fi
	done
	return 1
}

# expect_largest_first BUNDLE: the bundle's four packages (.deb or .rpm) come largest first. An
# install hashes them on threads as they are written, and the largest one's hash is the long
# pole. The check means something only where the toolkit's own order is not largest first; it
# fails, saying so, where it is (it could not tell the orders apart).
expect_largest_first() {
	tar -tvzf "$1" >"$T/order-v"
	if python3 - "$T/order-v" <<'EOT'; then
import re, sys
rows = [l.split() for l in open(sys.argv[1])]
# (size, package name): name_VERSION_ARCH.deb, or name-VERSION-RELEASE.ARCH.rpm
pkgs = [(int(r[2]), re.sub(r"(_[^/]*\.deb|-[^-]+-[^-]+\.[^.]+\.rpm)$", "", r[-1].split("/")[-1]))
        for r in rows if r[-1].endswith((".deb", ".rpm"))]
toolkit = ["libnvidia-container1", "libnvidia-container-tools", "nvidia-container-toolkit-base", "nvidia-container-toolkit"]
own = [s for s, _ in sorted(pkgs, key=lambda p: toolkit.index(p[1]))]
if own == sorted(own, reverse=True):
    print("# the toolkit's own order is largest first here: the check cannot tell", own)
    sys.exit(1)
sizes = [s for s, _ in pkgs]
sys.exit(not (len(pkgs) == 4 and sizes == sorted(sizes, reverse=True)))
EOT
		ok "bundle: the packages come largest first"
	else
		not_ok "bundle: the packages come largest first" "$(cat "$T/order-v")"
	fi
}
