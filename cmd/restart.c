// SPDX-License-Identifier: GPL-2.0-or-later
/* gpuprep restart: bring the runtime back on its new config, verify, roll back on failure. */
#include <getopt.h>
#include <string.h>

#include "liveout.h"

const char cmd_restart_summary[] = "reload or restart docker, containerd or CRI-O, verify, roll "
                                   "back "
                                   "on failure";

const char cmd_restart_usage[] =
        "usage: gpuprep restart [--runtime docker|containerd|crio|k3s|rke2]\n"
        "                       [--mode auto|systemd|service|signal|none] [--full]\n"
        "                       [--timeout SECONDS] [--socket PATH] [--config PATH]\n"
        "                       [--runtime-name NAME] [--runtime-path PATH] [--no-set-default]\n"
        "                       [--cdi]\n"
        "\n"
        "Make the daemon load its config: dockerd is reloaded with SIGHUP when only\n"
        "runtimes, default-runtime or features changed since 'gpuprep configure' (no\n"
        "container stops), and restarted otherwise; containerd and CRI-O are always restarted\n"
        "through their service manager (their containers keep running through their shims\n"
        "or conmon; CRI-O loads runtimes only when it starts). Then wait\n"
        "until it answers and verify it as 'gpuprep verify' does. When it does not come\n"
        "back or verify fails, put back the backup configure took, restart it again the\n"
        "same way, check it runs the old config, and exit 1.\n"
        "\n"
        "Options:\n"
        "  --runtime R          docker, containerd, crio, k3s or rke2 (default: the one whose\n"
        "                       socket is in place); k3s and rke2 through the unit that\n"
        "                       runs: k3s or k3s-agent, rke2-server or rke2-agent\n"
        "  --mode M             auto (default): systemd when it runs, else the init script\n"
        "                       /etc/init.d/<name>; systemd; service; signal (dockerd\n"
        "                       reload only); none (only say what to run)\n"
        "  --full               restart dockerd even where a reload would do\n"
        "  --timeout SECONDS    how long to wait for the daemon (default: 60)\n"
        "  --socket PATH        the daemon's socket (default: its usual one, under --root)\n"
        "  --config PATH        its config file (default: its usual one, under --root)\n"
        "  --runtime-name NAME  verify: the runtime's name (default: nvidia)\n"
        "  --runtime-path PATH  verify: the binary it should run\n"
        "  --no-set-default     verify: do not expect it to be the default runtime\n"
        "  --cdi                verify: expect CDI to be enabled (containerd)\n"
        "  -h, --help           print this help\n";

int
cmd_restart(struct gp_ctx *ctx, int argc, char **argv, struct gp_error *err)
{
	static const struct option options[] = {
	        CMD_LIVE_OPTIONS,
	        {"mode", required_argument, NULL, LIVE_OPT_MODE},
	        {"full", no_argument, NULL, LIVE_OPT_FULL},
	        CMD_COMMON_OPTIONS,
	        {0},
	};
	struct restart_opts o = {
	        .live =
	                {
	                        .runtime_name = LIVE_DEFAULT_RUNTIME_NAME,
	                        .set_default = true,
	                },
	};
	const char *runtime = NULL;
	int c;
	while ((c = cmd_getopt(ctx, argc, argv, "", options, 0, err)) > 0) {
		int r = cmd_live_option(ctx, c, optarg, &o.live, &runtime, err);
		if (r < 0)
			return -1;
		if (r > 0)
			continue;
		switch (c) {
		case LIVE_OPT_MODE:
			if (svc_mode_parse(optarg, &o.mode, err) < 0)
				return -1;
			break;
		case LIVE_OPT_FULL:
			o.full = true;
			break;
		}
	}
	if (c < 0)
		return cmd_opt_exit(c);
	o.live.root = ctx->root; /* --root may come after the command */

	const struct runtime_ops *ops = NULL;
	if (cmd_pick_live_runtime(ctx, runtime, true, &ops, err) < 0)
		return -1;
	return cmd_restart_run(ctx, ops, &o, err);
}

int
cmd_restart_do(struct gp_ctx *ctx, const struct runtime_ops *ops, struct restart_opts *o,
               bool changed, struct restart_report *ret, struct gp_error *err)
{
	struct cmd_progress p;
	cmd_progress_init(&p, ctx);
	o->live.progress = &p.live;
	int r = runtime_restart_if_needed(ops, o, changed, ret, err);
	cmd_progress_release(&p);
	o->live.progress = NULL;
	return r;
}

int
cmd_restart_run(struct gp_ctx *ctx, const struct runtime_ops *ops, struct restart_opts *o,
                struct gp_error *err)
{
	_cleanup_(restart_report_release) struct restart_report rep = {0};
	int r = cmd_restart_do(ctx, ops, o, true, &rep, err);
	if (ctx->json) {
		_cleanup_json_ json_t *doc = cmd_restart_json(ctx, ops, &rep, r == 0);
		cmd_out_json(ctx, doc);
	} else {
		cmd_print_restart(ctx, ops, &rep);
	}
	return r;
}
