#!/bin/bash
# gpuprep install --offline checks every package before dpkg runs, and extracts within bounds
# (issue 11, items 9 and 10):
#  - a corrupt, truncated, renamed, mislabelled or oversized package, or one whose SHA256 is not
#    the one the source ships, refuses the whole install: nothing is installed;
#  - from a tarball only the packages the plan picks are extracted; one of them over the size
#    limit refuses the archive without writing it, and an archive whose entries come to more
#    than 1 GiB (a 2 GiB entry of zeros, dense or sparse, in a 2 MB tarball) is refused at
#    that entry's header: every run here has `ulimit -f` at 64 MiB, so a write past that kills
#    gpuprep with SIGXFSZ, a failure.
. "$TESTS_SRC/lib.sh"
. "$TESTS_SRC/install/lib-install.sh"

host_before=$(host_dpkg_state)
mk_toolkit "$T/good" 1.17.8 amd64
mk_toolkit "$T/old" 1.17.7 amd64
mk_toolkit "$T/arm" 1.17.8 arm64
four() { printf '%s_1.17.8-1_amd64.deb\n' libnvidia-container1 libnvidia-container-tools nvidia-container-toolkit-base nvidia-container-toolkit; }

# install_capped ROOT ARGS...: gpuprep install --offline, unable to write more than 64 MiB to
# any one file, with its own TMPDIR.
install_capped() {
	local root=$1
	shift
	mkdir -p "$T/tmp"
	run bash -c 'ulimit -f 65536; exec "$@"' capped env TMPDIR="$T/tmp" "$GPUPREP" --root "$root" install --offline "$@"
}

# refused LABEL ROOT TEXT...: exit 1 (not 153, SIGXFSZ), each TEXT on stderr, a hint, nothing
# installed, nothing left in TMPDIR.
refused() {
	local label=$1 root=$2 t
	shift 2
	expect_rc 1 "$label: refused"
	for t in "$@"; do expect_contains "$T/err" "$t" "$label: says '$t'"; done
	expect_contains "$T/err" "hint: " "$label: a hint"
	if [ -z "$(installed_versions "$root")" ]; then ok "$label: nothing installed"; else not_ok "$label: nothing installed" "$(installed_versions "$root")"; fi
	if [ -z "$(ls -A "$T/tmp")" ]; then ok "$label: nothing left in TMPDIR"; else not_ok "$label: nothing left in TMPDIR" "$(ls -la "$T/tmp")"; fi
}

# case_dir NAME: a copy of the four good packages in $T/NAME; sets dir.
case_dir() {
	dir=$T/$1
	mkdir -p "$dir"
	four | while read -r f; do cp "$T/good/$f" "$dir/"; done
}

root=$T/sandbox
mk_sandbox "$root" amd64

# --- item 9: each package is checked; one bad file, nothing installed ---------------------------
case_dir garbage
printf 'not a package\n' >"$dir/nvidia-container-toolkit_1.17.8-1_amd64.deb"
install_capped "$root" "$dir"
refused "a file that is not a .deb" "$root" \
	"'$dir/nvidia-container-toolkit_1.17.8-1_amd64.deb' is not a well-formed .deb: dpkg-deb"

case_dir truncated
f=$dir/nvidia-container-toolkit-base_1.17.8-1_amd64.deb
head -c $(($(stat -c %s "$f") - 200)) "$T/good/${f##*/}" >"$f"
install_capped "$root" "$dir"
refused "a truncated .deb (3 good, 1 cut short)" "$root" "'$f' is not a well-formed .deb"

case_dir renamed
cp "$T/good/nvidia-container-toolkit-base_1.17.8-1_amd64.deb" "$dir/nvidia-container-toolkit_1.17.8-1_amd64.deb"
install_capped "$root" "$dir"
refused "a package under another's name" "$root" \
	"'$dir/nvidia-container-toolkit_1.17.8-1_amd64.deb' is the package nvidia-container-toolkit-base 1.17.8-1 (amd64), but the plan installs nvidia-container-toolkit 1.17.8-1 (amd64) from it"

case_dir oldversion
cp "$T/old/libnvidia-container1_1.17.7-1_amd64.deb" "$dir/libnvidia-container1_1.17.8-1_amd64.deb"
install_capped "$root" "$dir"
refused "a 1.17.7 package named 1.17.8" "$root" "is the package libnvidia-container1 1.17.7-1 (amd64), but the plan installs libnvidia-container1 1.17.8-1 (amd64)"

case_dir wrongarch
cp "$T/arm/libnvidia-container-tools_1.17.8-1_arm64.deb" "$dir/libnvidia-container-tools_1.17.8-1_amd64.deb"
install_capped "$root" "$dir"
refused "an arm64 package named amd64" "$root" "is the package libnvidia-container-tools 1.17.8-1 (arm64), but the plan installs libnvidia-container-tools 1.17.8-1 (amd64)"

case_dir oversized
truncate -s 129M "$dir/libnvidia-container1_1.17.8-1_amd64.deb" # sparse: no disk used
install_capped "$root" "$dir"
refused "a 129 MiB package" "$root" "'$dir/libnvidia-container1_1.17.8-1_amd64.deb' is 129 MiB, more than the 128 MiB a toolkit package may be"

# A directory that ships checksums: a wrong one refuses, the right ones install.
case_dir sums
(cd "$dir" && sha256sum *.deb >SHA256SUMS)
sed -i "s/^[0-9a-f]\{64\}  nvidia-container-toolkit_/$(printf '%064d' 0)  nvidia-container-toolkit_/" "$dir/SHA256SUMS"
install_capped "$root" "$dir"
refused "a directory whose SHA256SUMS disagrees" "$root" \
	"checksum mismatch for 'nvidia-container-toolkit_1.17.8-1_amd64.deb': '$dir/SHA256SUMS' lists SHA256 $(printf '%064d' 0)"
(cd "$dir" && sha256sum *.deb >SHA256SUMS)
install_capped "$root" "$dir" --dry-run
expect_rc 0 "a directory whose SHA256SUMS agrees: the plan is made"

# --- item 10: bounded extraction ---------------------------------------------------------------
rel=release-v1.17.8-stable/packages/ubuntu18.04/amd64
good_entries() { four | while read -r f; do [ "$f" = "$1" ] || printf 'file:%s/%s=%s/%s\n' "$rel" "$f" "$T/good" "$f"; done; }
big=nvidia-container-toolkit-base_1.17.8-1_amd64.deb

# A 2 GiB entry of zeros, named as a package the plan needs, in a 2 MB tarball.
mapfile -t entries < <(good_entries "$big")
python3 "$INSTALL_SRC/mktar.py" "$T/zeros.tar.gz" "zeros:$rel/$big=2G" "${entries[@]}"
[ "$(stat -c %s "$T/zeros.tar.gz")" -lt $((4 << 20)) ] && ok "the 2 GiB tarball is small" || not_ok "the 2 GiB tarball is small"
install_capped "$root" "$T/zeros.tar.gz"
refused "a needed 2 GiB entry" "$root" \
	"'$T/zeros.tar.gz': refusing the archive: with '$rel/$big' (2 GiB) its files come to more than 1 GiB"

# The same as a sparse entry (GNU tar --sparse): a tiny tarball that says 2 GiB.
mkdir -p "$T/sparse/$rel"
four | while read -r f; do [ "$f" = "$big" ] || cp "$T/good/$f" "$T/sparse/$rel/"; done
truncate -s 2G "$T/sparse/$rel/$big"
tar --sparse -C "$T/sparse" -czf "$T/sparse.tar.gz" release-v1.17.8-stable
rm -rf "$T/sparse"
install_capped "$root" "$T/sparse.tar.gz"
refused "a needed 2 GiB sparse entry" "$root" "with '$rel/$big' (2 GiB) its files come to more than 1 GiB"

# A needed entry under the archive's bound but over a package's: refused by its header, unread.
mapfile -t entries < <(good_entries "$big")
python3 "$INSTALL_SRC/mktar.py" "$T/big.tar.gz" "${entries[@]}" "zeros:$rel/$big=300M"
install_capped "$root" "$T/big.tar.gz"
refused "a needed 300 MiB entry" "$root" \
	"'$T/big.tar.gz': refusing the archive: '$rel/$big' is 300 MiB, more than the 128 MiB a toolkit package may be"

# Entries the plan does not pick are never extracted: a 300 MiB -dev package and an old
# version beside the four (either would kill gpuprep under the 64 MiB cap if written).
mapfile -t entries < <(good_entries none)
python3 "$INSTALL_SRC/mktar.py" "$T/extra.tar.gz" "${entries[@]}" \
	"zeros:$rel/libnvidia-container-dev_1.17.8-1_amd64.deb=300M" \
	"zeros:release-v1.17.7-stable/packages/ubuntu18.04/amd64/nvidia-container-toolkit_1.17.7-1_amd64.deb=300M"
install_capped "$root" "$T/extra.tar.gz"
expect_rc 0 "a tarball with big entries the plan does not need: installs"
printf '%s 1.17.8-1\n' libnvidia-container-tools libnvidia-container1 nvidia-container-toolkit nvidia-container-toolkit-base >"$T/want"
installed_versions "$root" >"$T/got"
expect_file_eq "$T/got" "$T/want" "only the four were used, all installed"
if [ -z "$(ls -A "$T/tmp")" ]; then ok "nothing left in TMPDIR"; else not_ok "nothing left in TMPDIR" "$(ls -la "$T/tmp")"; fi

if [ "$host_before" = "$(host_dpkg_state)" ]; then ok "the host's dpkg database is untouched"; else not_ok "the host's dpkg database is untouched"; fi
done_testing
