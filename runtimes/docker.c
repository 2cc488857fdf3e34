// SPDX-License-Identifier: GPL-2.0-or-later
/* Docker Engine: /etc/docker/daemon.json, edited with jansson. */
#include "runtime.h"

const struct runtime_ops runtime_docker = {
        .name = "docker",
        .binary = "dockerd",
        .config_path = "/etc/docker/daemon.json",
        .socket_path = "/run/docker.sock",
        .cri_socket = NULL, /* docker needs cri-dockerd for CRI */
};
