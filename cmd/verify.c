// SPDX-License-Identifier: GPL-2.0-or-later
/* gpuprep verify: ask the live daemon whether it runs the nvidia runtime. */
#include <getopt.h>
#include <string.h>

#include "afterjoin.h"
#include "liveout.h"
#include "node.h"
#include "preflightout.h"

const char cmd_verify_summary[] = "check that the running docker, containerd or CRI-O has the "
                                  "nvidia runtime";

const char cmd_verify_usage[] =
        "usage: gpuprep verify [--runtime docker|containerd|crio|k3s|rke2|cri-dockerd]\n"
        "                      [--socket PATH] [--config PATH]\n"
        "                      [--runtime-name NAME] [--runtime-path PATH] [--no-set-default]\n"
        "                      [--cdi] [--smoke IMAGE [--smoke-cmd CMD]] [--timeout SECONDS]\n"
        "       gpuprep verify --after-join [--edgecore-config PATH]\n"
        "                      [--device-plugin-config FILE]\n"
        "\n"
        "Ask the running daemon, not the file: docker through GET /info on its socket,\n"
        "containerd (and any CRI runtime) through the CRI's Status call, CRI-O through\n"
        "GET /config and GET /info on its socket. Checks that the\n"
        "runtime is registered with the expected binary, is the default, that the binary is\n"
        "executable, and that the daemon runs what its config file says (\"restart needed\"\n"
        "when it does not). One row per check; exit 1 when any fails.\n"
        "\n"
        "Options:\n"
        "  --runtime R          docker, containerd, crio, k3s, rke2 or cri-dockerd (default:\n"
        "                       the one whose socket is in place)\n"
        "  --socket PATH        the daemon's socket (default: /run/docker.sock,\n"
        "                       /run/containerd/containerd.sock or /var/run/crio/crio.sock,\n"
        "                       under --root)\n"
        "  --config PATH        its config file (default: /etc/docker/daemon.json,\n"
        "                       /etc/containerd/config.toml or /etc/crio/crio.conf and its\n"
        "                       crio.conf.d, under --root)\n"
        "  --runtime-name NAME  the runtime's name (default: nvidia)\n"
        "  --runtime-path PATH  the binary it should run (default: the config file's, else\n"
        "                       nvidia-container-runtime for docker,\n"
        "                       /usr/bin/nvidia-container-runtime for containerd and crio)\n"
        "  --no-set-default     do not expect it to be the default runtime\n"
        "  --cdi                expect CDI to be enabled (containerd)\n"
        "  --smoke IMAGE        also run IMAGE with the runtime and NVIDIA_VISIBLE_DEVICES=all\n"
        "                       (skipped when the node has no NVIDIA GPU)\n"
        "  --smoke-cmd CMD      the command to run in it (default: nvidia-smi -L, which must\n"
        "                       list a GPU); split on spaces\n"
        "  --timeout SECONDS    how long the smoke container may run (default: 60)\n"
        "  --after-join         instead, prove the node can run GPU pods after keadm join (or\n"
        "                       kubeadm join) and the device plugin's rollout: edgecore (or\n"
        "                       kubelet) runs, its cgroup driver and runtime endpoint agree\n"
        "                       with the live runtime, NVIDIA's device plugin registered,\n"
        "                       and it offers the GPUs detect sees; one line per check, as\n"
        "                       preflight prints them\n"
        "  --edgecore-config PATH\n"
        "                       edgecore's config (default: edgecore's --config, else\n"
        "                       " AFTERJOIN_EDGECORE_CONFIG ", under --root)\n"
        "  --device-plugin-config FILE\n"
        "                       the device plugin's ConfigMap (or the config file in it),\n"
        "                       for its time-slicing replicas; read as given, not under\n"
        "                       --root\n"
        "  -h, --help           print this help\n"
        "\n"
        "Exit status: 0 every check passed (skips allowed), 1 a check failed or the\n"
        "daemon (with --after-join: --device-plugin-config) cannot be read, 2 usage\n"
        "error.\n";

/* Split CMD on blanks into a vector (NULL when it holds no word). */
static char **
split_words(const char *s)
{
	char **v = NULL;
	_cleanup_free_ char *copy = xstrdup(s);
	char *save = NULL;
	for (char *w = strtok_r(copy, " \t", &save); w; w = strtok_r(NULL, " \t", &save))
		v = strv_push(v, w);
	return v;
}

static int
node_has_gpu(struct gp_ctx *ctx, bool *ret, struct gp_error *err)
{
	struct node_info info;
	struct node_detect_options o = {.root = ctx->root, .skip_nvml = true};
	if (node_detect(&o, &info, err) < 0)
		return gp_error_prefix(err, "looking for a GPU for the smoke test");
	*ret = node_gpu_count(&info) > 0;
	node_info_release(&info);
	return 0;
}

/* verify --after-join: the afterjoin checks, printed as preflight prints its own. */
static int
verify_after_join(struct gp_ctx *ctx, const struct afterjoin_opts *o, struct gp_error *err)
{
	struct preflight_report rep;
	if (afterjoin_run(o, &rep, err) < 0)
		return -1;
	if (ctx->json) {
		_cleanup_json_ json_t *doc = preflight_report_json(&rep);
		json_object_set_new(doc, "phase", json_string("after-join"));
		/* As verify's own document has it: gpuprep report reads it. */
		json_object_set_new(doc, "ok", json_boolean(preflight_report_ok(&rep)));
		cmd_out_json(ctx, doc);
	} else {
		cmd_print_checks(ctx, &rep, "verify --after-join");
		if (!preflight_report_ok(&rep))
			cmd_note(ctx, "fix the errors above, then run gpuprep verify --after-join "
			              "again");
	}
	int code = preflight_report_ok(&rep) ? GP_EXIT_OK : GP_EXIT_FAILURE;
	preflight_report_release(&rep);
	return code;
}

int
cmd_verify(struct gp_ctx *ctx, int argc, char **argv, struct gp_error *err)
{
	enum { OPT_AFTER_JOIN = 0x3000, OPT_EDGECORE_CONFIG, OPT_DP_CONFIG };
	static const struct option options[] = {
	        CMD_LIVE_OPTIONS,
	        {"smoke", required_argument, NULL, LIVE_OPT_SMOKE},
	        {"smoke-cmd", required_argument, NULL, LIVE_OPT_SMOKE_CMD},
	        {"after-join", no_argument, NULL, OPT_AFTER_JOIN},
	        {"edgecore-config", required_argument, NULL, OPT_EDGECORE_CONFIG},
	        {"device-plugin-config", required_argument, NULL, OPT_DP_CONFIG},
	        CMD_COMMON_OPTIONS,
	        {0},
	};
	struct live_opts o = {
	        .runtime_name = LIVE_DEFAULT_RUNTIME_NAME,
	        .set_default = true,
	};
	const char *runtime = NULL;
	_cleanup_strv_ char **smoke_cmd = NULL;
	struct afterjoin_opts aj = {0};
	bool after_join = false, live_option = false;
	int c;
	while ((c = cmd_getopt(ctx, argc, argv, "", options, 0, err)) > 0) {
		int r = cmd_live_option(ctx, c, optarg, &o, &runtime, err);
		if (r < 0)
			return -1;
		live_option =
		        live_option || r > 0 || c == LIVE_OPT_SMOKE || c == LIVE_OPT_SMOKE_CMD;
		if (r > 0)
			continue;
		switch (c) {
		case OPT_AFTER_JOIN:
			after_join = true;
			break;
		case OPT_EDGECORE_CONFIG:
			if (optarg[0] != '/')
				return cmd_usage_error(ctx, err,
				                       "--edgecore-config takes an absolute path");
			aj.edgecore_config = optarg;
			break;
		case OPT_DP_CONFIG:
			aj.device_plugin_config = optarg;
			break;
		case LIVE_OPT_SMOKE:
			o.smoke_image = optarg;
			break;
		case LIVE_OPT_SMOKE_CMD:
			strv_free(smoke_cmd);
			smoke_cmd = split_words(optarg);
			if (!smoke_cmd)
				return cmd_usage_error(ctx, err, "--smoke-cmd must not be empty");
			break;
		}
	}
	if (c < 0)
		return cmd_opt_exit(c);
	o.root = ctx->root; /* --root may come after the command */
	if (!after_join && (aj.edgecore_config || aj.device_plugin_config))
		return cmd_usage_error(ctx, err, "--%s needs --after-join",
		                       aj.edgecore_config ? "edgecore-config"
		                                          : "device-plugin-config");
	if (after_join && live_option)
		return cmd_usage_error(ctx, err,
		                       "--after-join takes only --edgecore-config and "
		                       "--device-plugin-config: it finds the runtime in the node "
		                       "agent's config");
	if (after_join) {
		aj.root = ctx->root;
		return verify_after_join(ctx, &aj, err);
	}
	if (smoke_cmd && !o.smoke_image)
		return cmd_usage_error(ctx, err, "--smoke-cmd needs --smoke IMAGE");
	o.smoke_cmd = smoke_cmd;

	const struct runtime_ops *ops = NULL;
	if (cmd_pick_live_runtime(ctx, runtime, false, &ops, err) < 0)
		return -1;
	if (o.smoke_image && node_has_gpu(ctx, &o.smoke_has_gpu, err) < 0)
		return -1;

	struct cmd_progress p;
	cmd_progress_init(&p, ctx);
	o.progress = &p.live;
	_cleanup_(verify_result_release) struct verify_result v = {0};
	int r = runtime_verify(ops, &o, &v, err);
	cmd_progress_release(&p);
	if (r < 0)
		return -1;

	if (ctx->json) {
		_cleanup_json_ json_t *doc = verify_result_to_json(&v, ops->name);
		cmd_out_json(ctx, doc);
	} else {
		cmd_print_verify(ctx, &v);
	}
	return verify_ok(&v) ? 0 : 1;
}
