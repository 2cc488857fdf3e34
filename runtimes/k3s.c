// SPDX-License-Identifier: GPL-2.0-or-later
/* k3s: its embedded containerd, whose config k3s regenerates from config.toml.tmpl. */
#include "runtime.h"

#include "live.h"

/* k3s writes a containerd config.toml of its own: containerd's inspect reads it. */
static int
k3s_verify(const struct live_opts *opts, struct verify_result *ret, struct gp_error *err)
{
	return containerd_live_verify(&runtime_k3s, &runtime_containerd, opts, ret, err);
}

const struct runtime_ops runtime_k3s = {
        .name = "k3s",
        .binary = "k3s",
        .config_path = "/var/lib/rancher/k3s/agent/etc/containerd/config.toml",
        .socket_path = "/run/k3s/containerd/containerd.sock",
        .cri_socket = "/run/k3s/containerd/containerd.sock",
        .verify = k3s_verify,
};
