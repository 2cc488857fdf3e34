#!/bin/bash
# gpuprep install online on a yum-only node: the CentOS 7 fixture (its os-release, yum and no
# dnf). Debian has no yum, so yum is tested by what gpuprep hands it: the exact command line
# (--dry-run, --json), the repo file it writes into the node, and the repo file, key and rpm
# macros the command points yum at, as a `yum` first on PATH records them. That same command
# line is then carried out by Debian's dnf 4, which takes every flag given to yum here (-y,
# --installroot, --setopt=reposdir, --releasever), to show that the repository, key and
# database it names work; yum itself never runs in this test.
. "$TESTS_SRC/lib.sh"
. "$TESTS_SRC/install/lib-install.sh"
. "$TESTS_SRC/install/rpm-lib.sh"

rpm_tools_or_skip "yum on CentOS 7" createrepo_c dnf
mk_gpg_key repo
rpm_repo "$T/repo" repo x86_64
start_httpd "$T/repo"
at_exit rpm_stop_agents "$T"

KEYPATH=/etc/pki/rpm-gpg/RPM-GPG-KEY-nvidia-container-toolkit
REPOFILE=/etc/yum.repos.d/nvidia-container-toolkit.repo
PKGS="libnvidia-container1-1.17.8-1 libnvidia-container-tools-1.17.8-1 nvidia-container-toolkit-base-1.17.8-1 nvidia-container-toolkit-1.17.8-1"
want_all() { printf '%s %s\n' libnvidia-container-tools "$1" libnvidia-container1 "$1" nvidia-container-toolkit "$1" nvidia-container-toolkit-base "$1"; }

# centos7 NAME: the fixture with an rpm database where CentOS 7 keeps it (/var/lib/rpm).
centos7() {
	root=$(fixture_root centos7)
	rpm_root "$root"
	cp "$FIXTURES/nodes/centos7/etc/os-release" "$root/etc/os-release"
}

# The `yum` the commands find first on PATH: it records its arguments, the repo files of the
# reposdir it is given, the key they name and HOME's .rpmmacros, then fails (YUM_THEN=fail)
# or hands the same arguments to dnf (YUM_THEN=dnf).
mkdir -p "$T/bin"
cat >"$T/bin/yum" <<'SH'
#!/bin/bash
printf '%s\n' "$*" >>"$YUM_LOG/args"
for a in "$@"; do
	case $a in --setopt=reposdir=*) cp -r "${a#--setopt=reposdir=}" "$YUM_LOG/reposdir" ;; esac
done
key=$(sed -n 's|^gpgkey=file://||p' "$YUM_LOG"/reposdir/*.repo 2>/dev/null | head -1)
[ -n "$key" ] && cp "$key" "$YUM_LOG/key"
cp "$HOME/.rpmmacros" "$YUM_LOG/rpmmacros" 2>/dev/null
[ "$YUM_THEN" = dnf ] && exec dnf "$@"
echo "Error: Cannot retrieve repository metadata (repomd.xml) for repository: nvidia-container-toolkit" >&2
exit 1
SH
chmod 755 "$T/bin/yum"
yumrun() {
	local then=$1
	shift
	rm -rf "$T/yum"
	mkdir -p "$T/yum"
	run env PATH="$T/bin:$PATH" YUM_LOG="$T/yum" YUM_THEN="$then" "$@"
}

# --- the plan -------------------------------------------------------------------------------
centos7
run "$GPUPREP" --root "$root" install --repo-url "$URL" --keyring "$T/repo.asc" --dry-run
expect_rc 0 "plan: --dry-run"
expect_contains "$T/out" "system:   rpm x86_64 at '$root'" "plan: an rpm system"
expect_contains "$T/out" "rpmdb:    /var/lib/rpm" "plan: CentOS 7's rpm database"
grep -xF "  HOME=<tmp>/rpm-home yum -y --installroot=$root --setopt=reposdir=<tmp>/yum.repos.d --releasever=7 install $PKGS" \
	"$T/out" >/dev/null && ok "plan: the one command, exactly: yum, not dnf, into the root, release 7, the four pinned" ||
	not_ok "plan: the one command, exactly" "$(sed -n '/^commands:/,$p' "$T/out")"
printf '  %s\n' "$root$KEYPATH" "$root$REPOFILE" >"$T/want"
sed -n '/^files to write:/,/^commands:/p' "$T/out" | sed '1d;$d' >"$T/got"
expect_file_eq "$T/got" "$T/want" "plan: writes the key and the repo file, nothing else"
[ -e "$root$REPOFILE" ] && not_ok "plan: --dry-run writes nothing" || ok "plan: --dry-run writes nothing"

run "$GPUPREP" --root "$root" --json install --repo-url "$URL" --keyring "$T/repo.asc" --dry-run
expect_rc 0 "plan: --json"
python3 - "$T/out" >"$T/got" <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))
print(d["package_family"], d["architecture"], d["version"], d["rpm_dbpath"], d["action"])
for f in d["files"]:
    print(f["path"])
for c in d["commands"]:
    print(c)
PY
{
	echo "rpm x86_64 1.17.8-1 /var/lib/rpm install"
	printf '%s\n' "$KEYPATH" "$REPOFILE"
	echo "HOME=<tmp>/rpm-home yum -y --installroot=$root --setopt=reposdir=<tmp>/yum.repos.d --releasever=7 install $PKGS"
} >"$T/want"
expect_file_eq "$T/got" "$T/want" "plan: --json: the family, the database, the files and the yum command"

run "$GPUPREP" --root "$root" install --repo-url "$URL" --keyring "$T/repo.asc" --version 1.17.7 --dry-run
expect_contains "$T/out" "--releasever=7 install libnvidia-container1-1.17.7-1 libnvidia-container-tools-1.17.7-1 nvidia-container-toolkit-base-1.17.7-1 nvidia-container-toolkit-1.17.7-1" \
	"plan: --version 1.17.7 pins the four at 1.17.7-1"

# A node with dnf beside yum (RHEL 8 and 9, where yum is dnf) gets dnf.
cp -a "$root" "$T/rhel8"
printf '#!/bin/sh\nexit 1\n' >"$T/rhel8/usr/bin/dnf"
chmod 755 "$T/rhel8/usr/bin/dnf"
run "$GPUPREP" --root "$T/rhel8" install --repo-url "$URL" --keyring "$T/repo.asc" --dry-run
expect_contains "$T/out" "  HOME=<tmp>/rpm-home dnf -y --installroot=$T/rhel8 " "dnf beside yum: dnf"

# --- what yum is given: the repo file, the key, the database ----------------------------------
yumrun fail "$GPUPREP" --root "$root" install --repo-url "$URL" --keyring "$T/repo.asc"
expect_rc 1 "yum fails"
expect_contains "$T/err" "gpuprep: error: 'yum -y --installroot=$root --setopt=reposdir=" "yum fails: the command is named"
expect_contains "$T/err" "hint: " "yum fails: a hint"
printf '%s\n' "-y --installroot=$root --setopt=reposdir=REPOS --releasever=7 install $PKGS" >"$T/want"
sed "s|--setopt=reposdir=[^ ]*|--setopt=reposdir=REPOS|" "$T/yum/args" >"$T/got"
expect_file_eq "$T/got" "$T/want" "yum's arguments, as run"
ls "$T/yum/reposdir" >"$T/got"
echo nvidia-container-toolkit.repo >"$T/want"
expect_file_eq "$T/got" "$T/want" "yum's reposdir holds NVIDIA's repo file alone"
printf '[nvidia-container-toolkit]\nname=nvidia-container-toolkit\nbaseurl=%s/stable/rpm/$basearch\nrepo_gpgcheck=1\ngpgcheck=0\nenabled=1\ngpgkey=file://%s\nsslverify=1\n' \
	"$URL" "$root$KEYPATH" >"$T/want"
expect_file_eq "$T/yum/reposdir/nvidia-container-toolkit.repo" "$T/want" \
	"yum's repo file: repo_gpgcheck=1, the key under the root"
gpg --batch --with-colons --show-keys "$T/yum/key" 2>/dev/null | awk -F: '$1 == "fpr" {print $10; exit}' >"$T/got"
echo "$KEY_FPR" >"$T/want"
expect_file_eq "$T/got" "$T/want" "the key yum is pointed at is the repository's"
echo "%_dbpath /var/lib/rpm" >"$T/want"
expect_file_eq "$T/yum/rpmmacros" "$T/want" "yum's rpm macros name the node's database"
[ ! -e "$root$REPOFILE" ] && [ ! -e "$root$KEYPATH" ] && ok "yum fails: the repo file and key are rolled back" ||
	not_ok "yum fails: the repo file and key are rolled back"

# --- the same command line, carried out by dnf ----------------------------------------------
yumrun dnf "$GPUPREP" --root "$root" install --repo-url "$URL" --keyring "$T/repo.asc"
expect_rc 0 "yum's command line, through dnf, installs"
want_all 1.17.8-1 >"$T/want"
rpm --root "$root" --dbpath /var/lib/rpm -q --qf '%{NAME} %{VERSION}-%{RELEASE}\n' $TOOLKIT | sort >"$T/got"
expect_file_eq "$T/got" "$T/want" "all four at 1.17.8-1 in /var/lib/rpm"
[ ! -e "$root/root/.rpmdb" ] && ok "nothing in the root's ~/.rpmdb (Debian rpm's default)" ||
	not_ok "nothing in the root's ~/.rpmdb" "$(ls -la "$root/root/.rpmdb")"
printf '[nvidia-container-toolkit]\nname=nvidia-container-toolkit\nbaseurl=%s/stable/rpm/$basearch\nrepo_gpgcheck=1\ngpgcheck=0\nenabled=1\ngpgkey=file://%s\nsslverify=1\n' \
	"$URL" "$KEYPATH" >"$T/want"
expect_file_eq "$root$REPOFILE" "$T/want" "the node's repo file, as the node's yum reads it (gpgkey in the node)"
yumrun dnf "$GPUPREP" --root "$root" install --repo-url "$URL" --keyring "$T/repo.asc"
expect_rc 0 "second run"
expect_contains "$T/out" "already installed: " "second run: a no-op"
[ ! -e "$T/yum/args" ] && ok "second run: yum does not run" || not_ok "second run: yum does not run" "$(cat "$T/yum/args")"
done_testing
