// SPDX-License-Identifier: GPL-2.0-or-later
/* cri-dockerd: the CRI shim that lets kubelet/edgecore use Docker Engine. */
#include "runtime.h"

#include "live.h"

static int
cri_dockerd_verify(const struct live_opts *opts, struct verify_result *ret, struct gp_error *err)
{
	return cri_dockerd_live_verify(&runtime_cri_dockerd, opts, ret, err);
}

const struct runtime_ops runtime_cri_dockerd = {
        .name = "cri-dockerd",
        .binary = "cri-dockerd",
        .config_path = NULL,
        .socket_path = "/run/cri-dockerd.sock",
        .cri_socket = "/run/cri-dockerd.sock",
        .verify = cri_dockerd_verify,
};
