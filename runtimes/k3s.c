// SPDX-License-Identifier: GPL-2.0-or-later
/* k3s: its embedded containerd, whose config k3s regenerates from config.toml.tmpl. */
#include "runtime.h"

#include "live.h"

const struct runtime_ops runtime_k3s = {
        .name = "k3s",
        .binary = "k3s",
        .config_path = "/var/lib/rancher/k3s/agent/etc/containerd/config.toml",
        .socket_path = "/run/k3s/containerd/containerd.sock",
        .cri_socket = "/run/k3s/containerd/containerd.sock",
        .verify = k3s_live_verify,
};
