#!/bin/bash
# Every daemon.json that `gpuprep configure --runtime docker` writes for the golden cases is
# loaded by a real dockerd (Debian's docker.io, private mount namespace, socket in the temp
# dir): `docker info` shows the default runtime, each runtime's path and the cgroup driver the
# file asks for. The unknown-key case proves the warning: dockerd refuses that file.
. "$TESTS_SRC/lib.sh"
. "$TESTS_SRC/configure-lib.sh"
. "$TESTS_SRC/daemons/dockerd-lib.sh"

if ! dockerd_usable; then
	skip "dockerd loads gpuprep's daemon.json" "$DOCKERD_WHY"
	done_testing
	exit
fi

for exp in "$G"/*.expected; do
	configure_golden "$exp"

	# Newer than Debian's dockerd 20.10, as configure warns on such a node: bip6 (Docker 28.0)
	# and a UTF-8 byte order mark (23.0). dockerd 20.10 refuses them; ../shared's 28.1.1
	# --validate accepts them.
	case $name in
	bip6 | bom)
		want=$([ "$name" = bip6 ] && echo "don't match any configuration option: bip6" ||
			echo "invalid character")
		dver=$(dockerd --version | sed -n 's/^Docker version \([0-9]*\)\..*/\1/p')
		if [ "${dver:-0}" -lt 23 ]; then
			if dockerd_start "$root/$CFG"; then
				not_ok "$name: dockerd $dver refuses the file, as configure warned"
				dockerd_stop
			else
				dockerd_log >"$T/log"
				expect_contains "$T/log" "$want" "$name: dockerd $dver refuses the file, as configure warned"
			fi
		fi
		d28=${SHARED_DIR:-}/bin/dockerd-28.1.1
		if [ -x "$d28" ]; then
			run "$d28" --validate --config-file "$root/$CFG"
			expect_rc 0 "$name: dockerd 28.1.1 --validate accepts the file"
		else
			skip "$name: dockerd 28.1.1 --validate" "$d28 is absent (../shared/bin is not in a plain clone)"
		fi
		continue
		;;
	esac

	if [ "$name" = unknown-key ]; then
		if dockerd_start "$root/$CFG"; then
			not_ok "$name: dockerd refuses the unknown key gpuprep warned about"
			dockerd_stop
		else
			dockerd_log >"$T/log"
			expect_contains "$T/log" "don't match any configuration option: cgroup-driver" \
				"$name: dockerd refuses the unknown key gpuprep warned about"
		fi
		continue
	fi

	if ! dockerd_start "$root/$CFG"; then
		not_ok "$name: dockerd starts on the file" "$(dockerd_log | tail -20)"
		continue
	fi
	ok "$name: dockerd starts on the file"

	# What the file asks for, read from the file itself.
	/usr/bin/python3 - "$root/$CFG" >"$T/want" <<'EOF'
import json, sys
d = json.load(open(sys.argv[1]))
print("default", d.get("default-runtime", "runc"))
for name, rt in d.get("runtimes", {}).items():
    print("runtime", name, rt["path"])
for o in d.get("exec-opts", []):
    k, _, v = o.partition("=")
    if k.strip().lower() == "native.cgroupdriver":
        print("cgroup", v.strip())
EOF
	dockerd_docker info >"$T/info" 2>&1
	dockerd_docker info --format '{{json .}}' >"$T/info.json" 2>&1
	while read -r what a b; do
		case $what in
		default)
			expect_contains "$T/info" "Default Runtime: $a" "$name: docker info shows Default Runtime: $a" ;;
		runtime)
			got=$(/usr/bin/python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["Runtimes"].get(sys.argv[2], {}).get("path"))' "$T/info.json" "$a")
			[ "$got" = "$b" ] && ok "$name: docker info shows runtime $a with path $b" ||
				not_ok "$name: docker info shows runtime $a with path $b" "got '$got'" "$(cat "$T/info.json")"
			;;
		cgroup)
			expect_contains "$T/info" "Cgroup Driver: $a" "$name: docker info shows Cgroup Driver: $a" ;;
		esac
	done <"$T/want"
	dockerd_stop
done

done_testing
