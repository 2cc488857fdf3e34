#!/bin/bash
# bundle --arch arm64 --l4t r35.4: the toolkit from a repository laid out like L4T's
# (https://repo.download.nvidia.com/jetson/common: dists/r35.4/InRelease,
# dists/r35.4/main/binary-arm64/Packages, pool/...), a normal dists/ apt repository rather
# than NVIDIA's flat one, checked with the same InRelease -> Packages -> .deb chain, served
# on 127.0.0.1; and the bundle installed into an arm64 sandbox on the Jetson fixture.
. "$TESTS_SRC/lib.sh"
. "$TESTS_SRC/install/lib-install.sh"

want_all() { printf '%s %s\n' libnvidia-container-tools "$1" libnvidia-container1 "$1" nvidia-container-toolkit "$1" nvidia-container-toolkit-base "$1"; }
mk_gpg_key l4t
base=$T/srv/jetson/common
for v in 1.11.0 1.14.2; do mk_toolkit "$base/pool/main/n/nvidia-container-toolkit" "$v" arm64; done
# A JetPack package beside them, as in L4T's repository.
mk_deb "$base/pool/main/n/nvidia-l4t-init" nvidia-l4t-init 35.4.1-20230801124926 arm64 ""
mk_dists_repo "$base" r35.4 l4t
start_httpd "$T/srv"
L4T=$URL/jetson/common
cd "$T" || exit 1

run "$GPUPREP" bundle --arch arm64 --l4t r35.4 --repo-url "$L4T" -o "$T/nokey.tar.gz"
expect_rc 2 "--l4t without --keyring"
expect_contains "$T/err" "jetson-ota-public.asc" "--l4t without --keyring: where the key is"
run "$GPUPREP" bundle --arch arm64 --l4t 35.4 --repo-url "$L4T" --keyring "$T/l4t.asc"
expect_rc 2 "--l4t 35.4 (not a suite)"

run "$GPUPREP" bundle --arch arm64 --l4t r35.4 --repo-url "$L4T" --keyring "$T/l4t.asc" -o "$T/l4t.tar.gz"
expect_rc 0 "bundle --l4t r35.4"
tar -tzf "$T/l4t.tar.gz" | grep -v '/$' | sed 's|^\./||' | sort >"$T/got"
{
	echo keys/nvidia-container-toolkit-keyring.gpg
	echo manifest.json
	echo repo/dists/r35.4/InRelease
	echo repo/dists/r35.4/main/binary-arm64/Packages
	for p in libnvidia-container-tools libnvidia-container1 nvidia-container-toolkit nvidia-container-toolkit-base; do
		echo "repo/pool/main/n/nvidia-container-toolkit/${p}_1.14.2-1_arm64.deb"
	done
} | sort >"$T/want"
expect_file_eq "$T/got" "$T/want" "bundle --l4t: L4T's layout kept (dists/, pool/), the newest four"
tar -xzOf "$T/l4t.tar.gz" repo/dists/r35.4/InRelease | cmp -s - "$base/dists/r35.4/InRelease" &&
	ok "bundle --l4t: InRelease untouched" || not_ok "bundle --l4t: InRelease untouched"
tar -xzOf "$T/l4t.tar.gz" manifest.json >"$T/m"
expect_contains "$T/m" '"suite": "r35.4"' "bundle --l4t: the manifest names the suite"
expect_contains "$T/m" "\"source_url\": \"$L4T/dists/r35.4\"" "bundle --l4t: and the source"
run "$GPUPREP" bundle --arch arm64 --l4t r35.4 --repo-url "$L4T" --keyring "$T/l4t.asc" --version 1.11.0 -o "$T/l4t-old.tar.gz"
expect_rc 0 "bundle --l4t --version 1.11.0"
run "$GPUPREP" bundle --arch arm64 --l4t r36.4 --repo-url "$L4T" --keyring "$T/l4t.asc" -o "$T/none.tar.gz"
expect_rc 1 "bundle --l4t r36.4: a suite the repository lacks"
mk_gpg_key other
run "$GPUPREP" bundle --arch arm64 --l4t r35.4 --repo-url "$L4T" --keyring "$T/other.asc" -o "$T/wrong.tar.gz"
expect_rc 1 "bundle --l4t: the wrong key"
expect_contains "$T/err" "InRelease" "bundle --l4t: the wrong key: InRelease fails"
cp "$base/dists/r35.4/main/binary-arm64/Packages" "$T/Packages.orig"
sed -i 's/^Priority: optional/Priority: extra/' "$base/dists/r35.4/main/binary-arm64/Packages"
run "$GPUPREP" bundle --arch arm64 --l4t r35.4 --repo-url "$L4T" --keyring "$T/l4t.asc" -o "$T/bad.tar.gz"
expect_rc 1 "bundle --l4t: Packages changed after signing"
expect_contains "$T/err" "checksum mismatch for 'main/binary-arm64/Packages'" "bundle --l4t: Packages' checksum from InRelease"
cp "$T/Packages.orig" "$base/dists/r35.4/main/binary-arm64/Packages"

# Installed into the Jetson fixture (JetPack 5.1, an arm64 node by its SoC) as a sandbox.
root=$(fixture_root jetson-agx-xavier-jp51)
mk_sandbox "$root" arm64
run "$GPUPREP" --root "$root" install --offline "$T/l4t.tar.gz" --keyring "$T/l4t.asc"
expect_rc 0 "install --offline the L4T bundle on the JetPack 5 fixture"
want_all 1.14.2-1 >"$T/want"
installed_versions "$root" >"$T/got"
expect_file_eq "$T/got" "$T/want" "install: all four at 1.14.2-1 from L4T's repository"
mkdir -p "$T/tamper"
tar -xzf "$T/l4t.tar.gz" -C "$T/tamper"
sed -i 's/^Priority: optional/Priority: extra/' "$T/tamper/repo/dists/r35.4/main/binary-arm64/Packages"
python3 - "$T/tamper/manifest.json" "$T/tamper/repo/dists/r35.4/main/binary-arm64/Packages" <<'PY'
import hashlib, json, sys
m = json.load(open(sys.argv[1]))
data = open(sys.argv[2], "rb").read()
for f in m["files"]:
    if f["path"].endswith("/Packages"):
        f["sha256"] = hashlib.sha256(data).hexdigest()
        f["size"] = len(data)
json.dump(m, open(sys.argv[1], "w"), indent=2)
PY
(cd "$T/tamper" && tar -czf "$T/tampered.tar.gz" manifest.json repo keys)
root=$(fixture_root jetson-agx-xavier-jp51)
mk_sandbox "$root" arm64
run "$GPUPREP" --root "$root" install --offline "$T/tampered.tar.gz" --keyring "$T/l4t.asc"
expect_rc 1 "install: an L4T bundle whose Packages changed"
expect_contains "$T/err" "checksum mismatch for 'main/binary-arm64/Packages'" "install: the chain is checked again"

# Online on a Jetson: install uses the node's own L4T source (dists/ layout, L4T's key from
# trusted.gpg.d) and adds no second NVIDIA repository.
root=$(fixture_root jetson-agx-xavier-jp51)
mk_sandbox "$root" arm64
printf 'deb %s r35.4 main\n' "$L4T" >"$root/etc/apt/sources.list.d/nvidia-l4t-apt-source.list"
mkdir -p "$root/etc/apt/trusted.gpg.d"
cp "$T/l4t.asc" "$root/etc/apt/trusted.gpg.d/jetson-ota-public.asc"
run "$GPUPREP" --root "$root" install --dry-run
expect_rc 0 "online on a Jetson: --dry-run"
expect_contains "$T/out" "$L4T/dists/r35.4" "online on a Jetson: the source is L4T's repository"
expect_contains "$T/out" "/etc/apt/sources.list.d/nvidia-l4t-apt-source.list" "online on a Jetson: its source entry is reused"
expect_not_contains "$T/out" "nvidia-container-toolkit.list" "online on a Jetson: no second NVIDIA repository"
run "$GPUPREP" --root "$root" install
expect_rc 0 "online on a Jetson: install from L4T's repository with apt"
installed_versions "$root" >"$T/got"
expect_file_eq "$T/got" "$T/want" "online on a Jetson: all four at 1.14.2-1"
[ -e "$root/etc/apt/sources.list.d/nvidia-container-toolkit.list" ] &&
	not_ok "online on a Jetson: no nvidia-container-toolkit.list written" ||
	ok "online on a Jetson: no nvidia-container-toolkit.list written"
run "$GPUPREP" --root "$root" install
expect_rc 0 "online on a Jetson: again"
expect_contains "$T/out" "already installed: " "online on a Jetson: again: a no-op"
rm "$root/etc/apt/trusted.gpg.d/jetson-ota-public.asc"
run "$GPUPREP" --root "$root" install --version 1.11.0
expect_rc 1 "online on a Jetson: L4T's key missing"
expect_contains "$T/err" "give its key with --keyring FILE, or use --repo-url" "online on a Jetson: L4T's key missing: the hint"
done_testing
