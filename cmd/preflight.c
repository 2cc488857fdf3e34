// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * gpuprep preflight: the checks an edge GPU node must pass before keadm join,
 * printed as kubeadm prints its own.
 */
#include <getopt.h>
#include <string.h>

#include "cmd.h"
#include "preflight.h"
#include "preflightout.h"

const char cmd_preflight_summary[] = "check the node before keadm join";

const char cmd_preflight_usage[] =
        "usage: gpuprep preflight [--runtime docker|containerd|crio|k3s|rke2]\n"
        "                         [--cri-socket PATH]\n"
        "                         [--cgroup-driver systemd|cgroupfs]\n"
        "                         [--ignore-preflight-errors ID,...|all] [--checks ID,...]\n"
        "\n"
        "Check the node before keadm join, and say exactly what to fix.\n"
        "\n"
        "Options:\n"
        "  --runtime NAME          the runtime to check: docker, containerd, crio, k3s or rke2\n"
        "                          (default: the one behind the CRI socket)\n"
        "  --cri-socket PATH       the endpoint keadm join will get as --remote-runtime-endpoint\n"
        "                          (unix:///path or /path; default: --runtime's own socket,\n"
        "                          else " PREFLIGHT_DEFAULT_CRI_SOCKET ")\n"
        "  --cgroup-driver DRIVER  the value keadm join will get as --cgroupdriver: systemd or\n"
        "                          cgroupfs (default " PREFLIGHT_DEFAULT_CGROUP_DRIVER ")\n"
        "  --ignore-preflight-errors ID,...|all\n"
        "                          report these checks' errors as warnings\n"
        "  --checks ID,...         run only these checks\n"
        "  -h, --help              print this help and exit\n"
        "\n"
        "Exit status: 0 no errors (warnings allowed), 1 errors, 2 usage error.\n"
        "The check ids are listed in gpuprep-preflight(1).\n";

int
cmd_preflight(struct gp_ctx *ctx, int argc, char **argv, struct gp_error *err)
{
	enum { OPT_RUNTIME = 256, OPT_CRI_SOCKET, OPT_CGROUP_DRIVER, OPT_IGNORE, OPT_CHECKS };
	static const struct option opts[] = {
	        {"runtime", required_argument, NULL, OPT_RUNTIME},
	        {"cri-socket", required_argument, NULL, OPT_CRI_SOCKET},
	        {"cgroup-driver", required_argument, NULL, OPT_CGROUP_DRIVER},
	        {"ignore-preflight-errors", required_argument, NULL, OPT_IGNORE},
	        {"checks", required_argument, NULL, OPT_CHECKS},
	        CMD_COMMON_OPTIONS,
	        {0},
	};
	struct preflight_opts po = {0};
	_cleanup_strv_ char **ignore = NULL;
	_cleanup_strv_ char **only = NULL;
	int c;

	while ((c = cmd_getopt(ctx, argc, argv, "", opts, 0, err)) > 0) {
		switch (c) {
		case OPT_RUNTIME:
			po.runtime = optarg;
			break;
		case OPT_CRI_SOCKET:
			po.cri_socket = optarg;
			break;
		case OPT_CGROUP_DRIVER:
			po.cgroup_driver = optarg;
			break;
		case OPT_IGNORE:
			/* Repeated options add up, as in kubeadm. */
			if (preflight_add_ids("--ignore-preflight-errors", optarg, &ignore,
			                      &po.ignore_all, err) < 0)
				return -1;
			break;
		case OPT_CHECKS:
			if (preflight_add_ids("--checks", optarg, &only, NULL, err) < 0)
				return -1;
			break;
		}
	}
	if (c < 0)
		return cmd_opt_exit(c);
	po.root = ctx->root; /* --root may come after the command */
	po.ignore = ignore;
	po.only = only;

	struct preflight_report rep;
	if (preflight_run(&po, &rep, err) < 0)
		return -1;
	if (ctx->json) {
		_cleanup_json_ json_t *doc = preflight_report_json(&rep);
		cmd_out_json(ctx, doc);
	} else {
		cmd_print_checks(ctx, &rep, "preflight");
		if (!preflight_report_ok(&rep))
			cmd_note(ctx,
			         "fix the errors above, or pass --ignore-preflight-errors=ID,... "
			         "to go on anyway");
	}
	int code = preflight_report_ok(&rep) ? GP_EXIT_OK : GP_EXIT_FAILURE;
	preflight_report_release(&rep);
	return code;
}
