// SPDX-License-Identifier: GPL-2.0-or-later
/* gpuprep configure: make nvidia a runtime, and the default, in the runtime's config. */
#include <getopt.h>
#include <string.h>

#include "cdispec.h"
#include "devchar.h"
#include "cmd.h"
#include "configout.h"
#include "liveout.h"
#include "runtime.h"
#include "safefile.h"

const char cmd_configure_summary[] = "add the nvidia runtime to docker's, containerd's, CRI-O's, "
                                     "k3s's or RKE2's config";

const char cmd_configure_usage[] =
        "usage: gpuprep configure [--runtime docker|containerd|crio|k3s|rke2]\n"
        "                         [--config PATH]\n"
        "                         [--runtime-name NAME] [--runtime-path PATH] [--no-set-default]\n"
        "                         [--cgroup-driver systemd|cgroupfs] [--cdi] [--exec-root-tools]\n"
        "                         [--dev-char-links] [--no-dev-char-links]\n"
        "                         [--drop-in PATH]\n"
        "                         [--config-version N] [--template] [--dry-run]\n"
        "                         [--restart] [--restart-mode auto|systemd|service|signal|none]\n"
        "                         [--restart-timeout SECONDS]\n"
        "\n"
        "Edit the container runtime's config so that an nvidia runtime exists and is the\n"
        "default, keeping every other byte of the file. Backs up the original first (see\n"
        "'gpuprep undo'); a second run changes nothing.\n"
        "\n"
        "Options:\n"
        "  --runtime R            docker, containerd, crio, k3s or rke2 (default: the one\n"
        "                         installed); k3s and rke2: default-runtime in\n"
        "                         /etc/rancher/k3s/config.yaml or /etc/rancher/rke2/config.yaml\n"
        "  --config PATH          the config file (default: /etc/docker/daemon.json,\n"
        "                         /etc/containerd/config.toml or /etc/crio/crio.conf, which\n"
        "                         crio only reads, under --root)\n"
        "  --runtime-name NAME    the runtime's name (default: nvidia)\n"
        "  --runtime-path PATH    its binary (default: nvidia-container-runtime for docker,\n"
        "                         /usr/bin/nvidia-container-runtime for containerd and crio)\n"
        "  --no-set-default       add the runtime but leave the default runtime alone\n"
        "  --cgroup-driver D      systemd or cgroupfs: the cgroup driver to set\n"
        "  --cdi                  also enable CDI, and generate " CDISPEC_PATH " with the\n"
        "                         node's nvidia-ctk when missing or stale\n"
        "  --exec-root-tools      under --root, allow running the root's own nvidia-ctk here\n"
        "  --dev-char-links       create the /dev/char links to the NVIDIA device nodes with\n"
        "                         the node's nvidia-ctk, and install the udev rule that\n"
        "                         remakes them (default: when the cgroup driver is systemd)\n"
        "  --no-dev-char-links    leave /dev/char and the udev rule alone\n"
        "  --drop-in PATH         containerd, crio: write the change to this drop-in file\n"
        "                         (crio default: /etc/crio/crio.conf.d/99-nvidia.toml)\n"
        "  --config-version N     containerd: the config version for a new file (1 to 4);\n"
        "                         k3s, rke2 --template: 2 or 3, the template to write\n"
        "  --template             k3s, rke2: also write containerd's config.toml.tmpl (or\n"
        "                         config-v3.toml.tmpl) with the runtime's table\n"
        "  --dry-run              write nothing; print a unified diff of each file that would\n"
        "                         change\n"
        "  --restart              then make the daemon load it and verify, as 'gpuprep\n"
        "                         restart' does, rolling back to the backup on failure\n"
        "  --restart-mode M       --restart with auto, systemd, service, signal or none\n"
        "  --restart-timeout S    --restart waits S seconds for the daemon (default: 60)\n"
        "  -h, --help             print this help\n";

/* What restart and its verify need from configure's options. */
static void
fill_restart_opts(struct restart_opts *ro, const struct configure_opts *opts)
{
	ro->live.root = opts->root;
	ro->live.config_path = opts->config_path;
	ro->live.runtime_name = opts->runtime_name;
	ro->live.runtime_path = opts->runtime_path;
	ro->live.set_default = opts->set_default;
	ro->live.cdi = opts->cdi;
}

/*
 * --restart: restart and verify, with the rollback. When configure changed
 * nothing and the daemon already runs the config, there is nothing to do.
 */
static int
configure_restart(struct gp_ctx *ctx, const struct runtime_ops *ops, bool changed,
                  struct restart_opts *ro, struct restart_report *ret, struct gp_error *err)
{
	int r = cmd_restart_do(ctx, ops, ro, changed, ret, err);
	if (r == 0 && ret->not_needed)
		cmd_note(ctx, "%s already runs this config: no restart needed", ops->name);
	return r;
}

static int
configure_restart_print(struct gp_ctx *ctx, const struct runtime_ops *ops, bool changed,
                        struct restart_opts *ro, const struct configure_opts *opts,
                        struct gp_error *err)
{
	fill_restart_opts(ro, opts);
	_cleanup_(restart_report_release) struct restart_report rep = {0};
	int r = configure_restart(ctx, ops, changed, ro, &rep, err);
	cmd_print_restart(ctx, ops, &rep);
	return r;
}

int
cmd_configure(struct gp_ctx *ctx, int argc, char **argv, struct gp_error *err)
{
	enum {
		OPT_RUNTIME = 256,
		OPT_CONFIG,
		OPT_RUNTIME_NAME,
		OPT_RUNTIME_PATH,
		OPT_NO_SET_DEFAULT,
		OPT_CGROUP_DRIVER,
		OPT_CDI,
		OPT_DROP_IN,
		OPT_CONFIG_VERSION,
		OPT_DRY_RUN,
		OPT_RESTART,
		OPT_RESTART_MODE,
		OPT_RESTART_TIMEOUT,
		OPT_EXEC_ROOT_TOOLS,
		OPT_DEV_CHAR,
		OPT_NO_DEV_CHAR,
		OPT_TEMPLATE,
	};
	static const struct option options[] = {
	        {"runtime", required_argument, NULL, OPT_RUNTIME},
	        {"config", required_argument, NULL, OPT_CONFIG},
	        {"runtime-name", required_argument, NULL, OPT_RUNTIME_NAME},
	        {"runtime-path", required_argument, NULL, OPT_RUNTIME_PATH},
	        {"no-set-default", no_argument, NULL, OPT_NO_SET_DEFAULT},
	        {"cgroup-driver", required_argument, NULL, OPT_CGROUP_DRIVER},
	        {"cdi", no_argument, NULL, OPT_CDI},
	        {"drop-in", required_argument, NULL, OPT_DROP_IN},
	        {"config-version", required_argument, NULL, OPT_CONFIG_VERSION},
	        {"dry-run", no_argument, NULL, OPT_DRY_RUN},
	        {"restart", no_argument, NULL, OPT_RESTART},
	        {"restart-mode", required_argument, NULL, OPT_RESTART_MODE},
	        {"restart-timeout", required_argument, NULL, OPT_RESTART_TIMEOUT},
	        {"exec-root-tools", no_argument, NULL, OPT_EXEC_ROOT_TOOLS},
	        {"dev-char-links", no_argument, NULL, OPT_DEV_CHAR},
	        {"no-dev-char-links", no_argument, NULL, OPT_NO_DEV_CHAR},
	        {"template", no_argument, NULL, OPT_TEMPLATE},
	        CMD_COMMON_OPTIONS,
	        {0},
	};
	struct configure_opts opts = {
	        .runtime_name = "nvidia",
	        .set_default = true,
	};
	const char *runtime = NULL;
	bool dry_run = false;
	bool restart = false, exec_root = false;
	enum devchar_mode dev_char = DEVCHAR_AUTO;
	struct restart_opts ro = {0};
	int c;
	while ((c = cmd_getopt(ctx, argc, argv, "", options, 0, err)) > 0) {
		switch (c) {
		case OPT_RUNTIME:
			runtime = optarg;
			break;
		case OPT_CONFIG:
			if (optarg[0] != '/')
				return cmd_usage_error(ctx, err, "--config takes an absolute path");
			opts.config_path = optarg;
			break;
		case OPT_RUNTIME_NAME:
			if (!*optarg)
				return cmd_usage_error(ctx, err,
				                       "--runtime-name must not be empty");
			opts.runtime_name = optarg;
			break;
		case OPT_RUNTIME_PATH:
			opts.runtime_path = optarg;
			break;
		case OPT_NO_SET_DEFAULT:
			opts.set_default = false;
			break;
		case OPT_CGROUP_DRIVER:
			if (cmd_parse_cgroup_driver(ctx, optarg, &opts.cgroup_driver, err) < 0)
				return -1;
			break;
		case OPT_CDI:
			opts.cdi = true;
			break;
		case OPT_DROP_IN:
			if (optarg[0] != '/')
				return cmd_usage_error(ctx, err,
				                       "--drop-in takes an absolute path");
			opts.drop_in = optarg;
			break;
		case OPT_CONFIG_VERSION: {
			char *end;
			long v = strtol(optarg, &end, 10);
			if (*end || end == optarg || v < 1 || v > 4)
				return cmd_usage_error(
				        ctx, err, "--config-version takes 1, 2, 3 or 4, not '%s'",
				        optarg);
			opts.config_version = (int)v;
			break;
		}
		case OPT_DRY_RUN:
			dry_run = true;
			break;
		case OPT_RESTART:
			restart = true;
			break;
		case OPT_EXEC_ROOT_TOOLS:
			exec_root = true;
			break;
		case OPT_DEV_CHAR:
		case OPT_NO_DEV_CHAR:
			dev_char = c == OPT_DEV_CHAR ? DEVCHAR_ON : DEVCHAR_OFF;
			break;
		case OPT_TEMPLATE:
			opts.template = true;
			break;
		case OPT_RESTART_MODE:
			if (svc_mode_parse(optarg, &ro.mode, err) < 0)
				return -1;
			restart = true;
			break;
		case OPT_RESTART_TIMEOUT:
			if (cmd_parse_timeout(ctx, "--restart-timeout", optarg, &ro.live.timeout_ms,
			                      err) < 0)
				return -1;
			restart = true;
			break;
		}
	}
	if (c < 0)
		return cmd_opt_exit(c);
	opts.root = ctx->root; /* --root may come after the command */
	if (restart && dry_run)
		return cmd_usage_error(ctx, err,
		                       "--dry-run changes nothing, so there is nothing to "
		                       "restart: drop --restart");

	const struct runtime_ops *ops = NULL;
	if (cmd_pick_runtime(ctx, runtime, &ops, err) < 0)
		return -1;
	if (!ops->configure) {
		gp_error_set(err, "configuring %s is not supported yet", ops->name);
		return gp_error_hint(err, "edit '%s' by hand for now", ops->config_path);
	}
	if (restart && !ops->restart) {
		gp_error_set(err, "gpuprep cannot restart %s", ops->name);
		return gp_error_hint(err, "drop --restart, and restart it by hand");
	}

	_cleanup_(cdispec_plan_release) struct cdispec_plan cdi = {0};
	if (opts.cdi && cmd_configure_cdi_spec(ctx, &opts, exec_root, dry_run, &cdi, err) < 0)
		return -1;
	_cleanup_(devchar_plan_release) struct devchar_plan dc = {0};
	if (devchar_wanted(opts.root, ops, opts.config_path, opts.cgroup_driver, dev_char) &&
	    cmd_configure_dev_char(ctx, &opts, exec_root, dry_run, dev_char == DEVCHAR_ON, &dc,
	                           err) < 0)
		return -1;
	_cleanup_(configure_result_release) struct configure_result res = {0};
	if (runtime_configure(ops, &opts, dry_run ? RUNTIME_CONFIGURE_DRY_RUN : 0,
	                      safefile_lock_timeout_ms(), &res, err) < 0)
		return -1;

	for (size_t i = 0; res.warnings && res.warnings[i]; i++)
		cmd_warn(ctx, "%s", res.warnings[i]);

	bool changed = changeset_changes(&res.changes);
	_cleanup_free_ char *diff = changeset_diff(&res.changes);
	_cleanup_free_ char *backup = res.backup_dir ? gp_path(ctx->root, res.backup_dir) : NULL;
	if (ctx->json) {
		_cleanup_json_ json_t *doc =
		        cmd_configure_json(ctx, ops, &opts, &res, dry_run, diff, backup);
		int r = 0;
		if (restart) {
			fill_restart_opts(&ro, &opts);
			_cleanup_(restart_report_release) struct restart_report rep = {0};
			r = configure_restart(ctx, ops, changed, &ro, &rep, err);
			json_object_set_new(doc, "restart",
			                    cmd_restart_json(ctx, ops, &rep, r == 0));
		}
		cmd_out_json(ctx, doc);
		return r;
	}

	cmd_configure_print(ctx, ops, &res, dry_run, diff, backup);
	if (restart)
		return configure_restart_print(ctx, ops, changed, &ro, &opts, err);
	if (changed && !dry_run)
		cmd_note(ctx, "restart %s to load the new config (or run configure with --restart)",
		         ops->name);
	return 0;
}
