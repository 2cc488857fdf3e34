// SPDX-License-Identifier: GPL-2.0-or-later
/* gpuprep verify: ask the live daemon whether it runs the nvidia runtime. */
#include <getopt.h>
#include <string.h>

#include "liveout.h"
#include "node.h"

const char cmd_verify_summary[] = "check that the running docker, containerd or CRI-O has the "
                                  "nvidia runtime";

const char cmd_verify_usage[] =
        "usage: gpuprep verify [--runtime docker|containerd|crio|k3s|rke2|cri-dockerd]\n"
        "                      [--socket PATH] [--config PATH]\n"
        "                      [--runtime-name NAME] [--runtime-path PATH] [--no-set-default]\n"
        "                      [--cdi] [--smoke IMAGE [--smoke-cmd CMD]] [--timeout SECONDS]\n"
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
        "  -h, --help           print this help\n";

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

int
cmd_verify(struct gp_ctx *ctx, int argc, char **argv, struct gp_error *err)
{
	static const struct option options[] = {
	        CMD_LIVE_OPTIONS,
	        {"smoke", required_argument, NULL, LIVE_OPT_SMOKE},
	        {"smoke-cmd", required_argument, NULL, LIVE_OPT_SMOKE_CMD},
	        CMD_COMMON_OPTIONS,
	        {0},
	};
	struct live_opts o = {
	        .runtime_name = LIVE_DEFAULT_RUNTIME_NAME,
	        .set_default = true,
	};
	const char *runtime = NULL;
	_cleanup_strv_ char **smoke_cmd = NULL;
	int c;
	while ((c = cmd_getopt(ctx, argc, argv, "", options, 0, err)) > 0) {
		int r = cmd_live_option(ctx, c, optarg, &o, &runtime, err);
		if (r < 0)
			return -1;
		if (r > 0)
			continue;
		switch (c) {
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
