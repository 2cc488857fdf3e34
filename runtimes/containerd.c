// SPDX-License-Identifier: GPL-2.0-or-later
/* containerd: /etc/containerd/config.toml, edited with lib/toml. */
#include "runtime.h"

#include "live.h"

const struct runtime_ops runtime_containerd = {
        .name = "containerd",
        .binary = "containerd",
        .config_path = "/etc/containerd/config.toml",
        .socket_path = "/run/containerd/containerd.sock",
        .cri_socket = "/run/containerd/containerd.sock",
        .restart = containerd_live_restart,
        .verify = containerd_live_verify,
};
