#!/bin/bash
# tests/integration/ansible.sh with a live runtime on every host (FLEET_LIVE=1): each of the 8
# hosts gets its own real containerd or dockerd on its root's socket path and an init script
# there, so `gpuprep up` restarts it and verifies the running daemon, and every host ends
# "ready". In a private mount namespace with a tmpfs on /run (private-run.sh), as containerd
# 1.6 keeps its shims' sockets in /run/containerd whatever its config says.
export FLEET_LIVE=1
. "${TESTS_SRC:?TESTS_SRC must point at tests/}/daemons/private-run.sh"
. "$TESTS_SRC/integration/ansible.sh"
