// SPDX-License-Identifier: GPL-2.0-or-later
/* gpuprep up: from a fresh node to GPU-ready in one idempotent run, and the keadm join flags. */
#include <getopt.h>
#include <string.h>

#include "cmd.h"
#include "preflight.h"
#include "safefile.h"
#include "upout.h"

const char cmd_up_summary[] = "take the node from fresh to GPU-ready: preflight, install, "
                              "configure, restart, verify";

const char cmd_up_usage[] =
        "usage: gpuprep up [--runtime docker|containerd|crio|k3s|rke2]\n"
        "                  [--toolkit-version V]\n"
        "                  [--offline PATH] [--repo-url URL] [--keyring FILE]\n"
        "                  [--cgroup-driver systemd|cgroupfs]\n"
        "                  [--cri-socket ENDPOINT] [--cdi] [--exec-root-tools]\n"
        "                  [--dev-char-links] [--no-dev-char-links]\n"
        "                  [--no-set-default]\n"
        "                  [--restart-mode auto|systemd|service|signal|none] [--smoke IMAGE]\n"
        "                  [--ignore-preflight-errors ID,...|all] [--dry-run]\n"
        "\n"
        "Run every step that makes the node ready for keadm join, in order: preflight (the\n"
        "checks that can pass before install), install the NVIDIA container toolkit,\n"
        "configure the runtime, restart it, verify the running daemon, and preflight again\n"
        "with every check. A step with nothing to do says \"already done\"; on a ready node\n"
        "nothing is installed, written or restarted. Stops at the first failed step, says\n"
        "what was changed and how to undo it; a failure after configure rolls back. Ends\n"
        "with the keadm join flags that match the node.\n"
        "\n"
        "Options:\n"
        "  --runtime R            docker, containerd, crio, k3s or rke2 (default: the one\n"
        "                         installed)\n"
        "  --toolkit-version V    install toolkit V (default: keep an installed one, else the\n"
        "                         newest)\n"
        "  --version V            the same as --toolkit-version V\n"
        "  --offline PATH         install from a bundle, release tarball or directory; opens\n"
        "                         no network connection; '-': from standard input\n"
        "  --repo-url URL         a mirror of NVIDIA's repository\n"
        "  --keyring FILE         trust this key instead of NVIDIA's pinned one\n"
        "  --cgroup-driver D      systemd or cgroupfs: set it in the runtime, and pass it to\n"
        "                         keadm (default: what the runtime uses)\n"
        "  --cri-socket ENDPOINT  the endpoint keadm join will get (default: the runtime's)\n"
        "  --cdi                  also enable CDI, and generate /etc/cdi/nvidia.yaml with the\n"
        "                         node's nvidia-ctk when missing or stale\n"
        "  --exec-root-tools      under --root, allow running the root's own nvidia-ctk here\n"
        "  --dev-char-links       in the configure step, create the /dev/char links to the\n"
        "                         NVIDIA device nodes with the node's nvidia-ctk and install\n"
        "                         the udev rule that remakes them (default: when the cgroup\n"
        "                         driver is systemd)\n"
        "  --no-dev-char-links    leave /dev/char and the udev rule alone\n"
        "  --no-set-default       add the nvidia runtime, but keep the default runtime\n"
        "  --restart-mode M       auto (default), systemd, service, signal or none\n"
        "  --smoke IMAGE          verify by running IMAGE with the nvidia runtime\n"
        "  --ignore-preflight-errors ID,...|all\n"
        "                         report these checks' errors as warnings\n"
        "  --dry-run              print the whole plan (versions, config diff, restart\n"
        "                         method, checks); change nothing\n"
        "  -h, --help             print this help\n"
        "\n"
        "Exit status: 0 ready, 1 a step failed, 2 usage error, 3 no NVIDIA GPU (nothing\n"
        "was changed). See gpuprep-up(1).\n";

int
cmd_up(struct gp_ctx *ctx, int argc, char **argv, struct gp_error *err)
{
	enum {
		OPT_RUNTIME = 256,
		OPT_VERSION,
		OPT_OFFLINE,
		OPT_REPO_URL,
		OPT_KEYRING,
		OPT_CGROUP_DRIVER,
		OPT_CRI_SOCKET,
		OPT_CDI,
		OPT_EXEC_ROOT_TOOLS,
		OPT_DEV_CHAR,
		OPT_NO_DEV_CHAR,
		OPT_NO_SET_DEFAULT,
		OPT_RESTART_MODE,
		OPT_SMOKE,
		OPT_IGNORE,
		OPT_DRY_RUN,
	};
	static const struct option options[] = {
	        {"runtime", required_argument, NULL, OPT_RUNTIME},
	        {"toolkit-version", required_argument, NULL, OPT_VERSION},
	        {"version", required_argument, NULL, OPT_VERSION}, /* the same */
	        {"offline", required_argument, NULL, OPT_OFFLINE},
	        {"repo-url", required_argument, NULL, OPT_REPO_URL},
	        {"keyring", required_argument, NULL, OPT_KEYRING},
	        {"cgroup-driver", required_argument, NULL, OPT_CGROUP_DRIVER},
	        {"cri-socket", required_argument, NULL, OPT_CRI_SOCKET},
	        {"cdi", no_argument, NULL, OPT_CDI},
	        {"exec-root-tools", no_argument, NULL, OPT_EXEC_ROOT_TOOLS},
	        {"dev-char-links", no_argument, NULL, OPT_DEV_CHAR},
	        {"no-dev-char-links", no_argument, NULL, OPT_NO_DEV_CHAR},
	        {"no-set-default", no_argument, NULL, OPT_NO_SET_DEFAULT},
	        {"restart-mode", required_argument, NULL, OPT_RESTART_MODE},
	        {"smoke", required_argument, NULL, OPT_SMOKE},
	        {"ignore-preflight-errors", required_argument, NULL, OPT_IGNORE},
	        {"dry-run", no_argument, NULL, OPT_DRY_RUN},
	        CMD_COMMON_OPTIONS,
	        {0},
	};
	struct up_opts o = {
	        .set_default = true,
	        .lock_timeout_ms = safefile_lock_timeout_ms(),
	};
	_cleanup_strv_ char **ignore = NULL;
	int c;
	while ((c = cmd_getopt(ctx, argc, argv, "", options, 0, err)) > 0) {
		switch (c) {
		case OPT_RUNTIME:
			o.runtime = optarg;
			break;
		case OPT_VERSION:
			o.version = optarg;
			break;
		case OPT_OFFLINE:
			if (cmd_offline_path(ctx, optarg, &o.offline, err) < 0)
				return -1;
			break;
		case OPT_REPO_URL:
			if (cmd_check_repo_url(ctx, optarg, err) < 0)
				return -1;
			o.repo_url = optarg;
			break;
		case OPT_KEYRING:
			o.keyring = optarg;
			break;
		case OPT_CGROUP_DRIVER:
			if (cmd_parse_cgroup_driver(ctx, optarg, &o.cgroup_driver, err) < 0)
				return -1;
			break;
		case OPT_CRI_SOCKET:
			o.cri_socket = optarg;
			break;
		case OPT_CDI:
			o.cdi = true;
			break;
		case OPT_EXEC_ROOT_TOOLS:
			o.exec_root_tools = true;
			break;
		case OPT_DEV_CHAR:
		case OPT_NO_DEV_CHAR:
			o.dev_char = c == OPT_DEV_CHAR ? DEVCHAR_ON : DEVCHAR_OFF;
			break;
		case OPT_NO_SET_DEFAULT:
			o.set_default = false;
			break;
		case OPT_RESTART_MODE:
			if (svc_mode_parse(optarg, &o.restart_mode, err) < 0)
				return -1;
			break;
		case OPT_SMOKE:
			if (!*optarg)
				return cmd_usage_error(ctx, err, "--smoke takes an image name");
			o.smoke_image = optarg;
			break;
		case OPT_IGNORE:
			if (preflight_add_ids("--ignore-preflight-errors", optarg, &ignore,
			                      &o.ignore_all, err) < 0)
				return -1;
			break;
		case OPT_DRY_RUN:
			o.dry_run = true;
			break;
		}
	}
	if (c < 0)
		return cmd_opt_exit(c);
	o.root = ctx->root; /* --root may come after the command */
	if (o.offline && o.repo_url)
		return cmd_usage_error(ctx, err, "--offline and --repo-url exclude each other");
	o.ignore = ignore;

	struct up_out out;
	struct live_progress lp;
	cmd_up_out_init(&out, ctx, &o, &lp);

	_cleanup_(up_report_release) struct up_report rep = {0};
	int r = up_run(&o, &rep, err);
	cmd_up_out_release(&out);
	/* Usage errors come before any step: nothing to report. */
	if (r < 0 && err->code == GP_EXIT_USAGE)
		return -1;
	if (ctx->json) {
		_cleanup_json_ json_t *doc = up_report_json(&rep, ctx->root, o.dry_run, err);
		cmd_out_json(ctx, doc);
	} else {
		cmd_up_print_end(ctx, &rep, o.dry_run, r);
	}
	return r;
}
