// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * gpuprep manifest: print the cluster side of a GPU node as YAML for
 * `kubectl apply -f -`: the NVIDIA device plugin, and a GPU test pod.
 */
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <string.h>

#include "cmd.h"
#include "manifest.h"
#include "template.h"

const char cmd_manifest_summary[] =
        "print the device plugin, a GPU test pod or the RuntimeClass as YAML for kubectl";

const char cmd_manifest_usage[] =
        "usage: gpuprep manifest device-plugin [--edge] [--time-slicing N] [--image IMAGE]\n"
        "                                      [--namespace NS] [--runtime-class NAME]\n"
        "                                      [--mig-strategy single|mixed]\n"
        "       gpuprep manifest test-pod [--node NAME] [--image IMAGE] [--namespace NS]\n"
        "                                 [--runtime-class NAME]\n"
        "       gpuprep manifest runtimeclass\n"
        "       gpuprep manifest ansible [--output DIR]\n"
        "\n"
        "Print Kubernetes objects as YAML on stdout, for 'kubectl apply -f -'; or the\n"
        "Ansible playbook that runs 'gpuprep up' on many nodes.\n"
        "\n"
        "  device-plugin        the NVIDIA device plugin DaemonSet (namespace kube-system)\n"
        "    --edge             KubeEdge: run on edge nodes only, tolerate their taint\n"
        "    --time-slicing N   advertise each GPU N times (N >= 2), with a ConfigMap\n"
        "    --mig-strategy S   how GPUs in MIG mode are advertised: single or mixed\n"
        "  test-pod             a pod that takes one GPU and runs a CUDA sample\n"
        "    --node NAME        bind the pod to the node NAME\n"
        "  runtimeclass         the RuntimeClass " MANIFEST_RUNTIME_CLASS
        " (handler " MANIFEST_RUNTIME_HANDLER "), for nodes\n"
        "                       where nvidia is not the default runtime\n"
        "  ansible              the playbook: copies gpuprep and a bundle to each host, runs\n"
        "                       'gpuprep --json up', gathers the reports (variables: see\n"
        "                       gpuprep-manifest(1))\n"
        "    -o, --output DIR   write it as a role layout in DIR (site.yml, roles/gpuprep/)\n"
        "  --runtime-class NAME run the pods with the RuntimeClass NAME (" MANIFEST_RUNTIME_CLASS
        ")\n"
        "  --image IMAGE        the container image; defaults:\n"
        "                         " MANIFEST_DEVICE_PLUGIN_IMAGE "\n"
        "                         " MANIFEST_TEST_POD_IMAGE "\n"
        "  --namespace NS       the namespace of the objects\n"
        "  -h, --help           print this help\n"
        "\n"
        "Values are quoted, so the YAML stays valid whatever they hold. The output is YAML\n"
        "only: --json is refused. See gpuprep-manifest(1).\n";

/* Write text to path, unless a different file is there: nothing is lost. */
static int
write_new(struct gp_ctx *ctx, const char *path, const char *text, struct gp_error *err)
{
	_cleanup_free_ char *old = NULL;
	size_t len = 0;
	if (read_file(path, &old, &len) == 0) {
		if (len == strlen(text) && memcmp(old, text, len) == 0)
			return 0;
		gp_error_set(err, "'%s' exists and differs from gpuprep's", path);
		return gp_error_hint(err, "move it away, or write into an empty directory");
	}
	_cleanup_free_ char *dir = xstrdup(path);
	*strrchr(dir, '/') = '\0';
	int r = mkdir_p(dir, 0755);
	if (r < 0)
		return gp_error_set_errno(err, r, "cannot create '%s'", dir);
	FILE *f = fopen(path, "wx");
	if (!f)
		return gp_error_set_errno(err, errno, "cannot create '%s'", path);
	bool ok = fputs(text, f) >= 0;
	if (fclose(f) != 0 || !ok)
		return gp_error_set_errno(err, errno, "cannot write '%s'", path);
	cmd_note(ctx, "gpuprep: wrote '%s'", path);
	return 0;
}

/* manifest ansible: one playbook on stdout, or the role layout in dir. */
static int
ansible(struct gp_ctx *ctx, const char *dir, struct gp_error *err)
{
	if (!dir) {
		_cleanup_free_ char *yaml = NULL;
		if (manifest_ansible_playbook(&yaml, err) < 0)
			return -1;
		cmd_out(ctx, yaml);
		return 0;
	}
	struct manifest_file files[MANIFEST_ANSIBLE_N_FILES];
	if (manifest_ansible_layout(files, err) < 0)
		return -1;
	for (size_t i = 0; i < MANIFEST_ANSIBLE_N_FILES; i++) {
		_cleanup_free_ char *path = xasprintf("%s/%s", dir, files[i].path);
		if (write_new(ctx, path, files[i].text, err) < 0)
			return -1;
	}
	return 0;
}

/* A value the user typed goes into the YAML quoted; it must be non-empty UTF-8. */
static int
check_value(struct gp_ctx *ctx, const char *opt, const char *value, struct gp_error *err)
{
	if (!*value)
		return cmd_usage_error(ctx, err, "%s needs a non-empty value", opt);
	_cleanup_free_ char *q = yaml_quote(value);
	if (!q)
		return cmd_usage_error(ctx, err, "the value of %s is not valid UTF-8", opt);
	return 0;
}

static int
parse_replicas(struct gp_ctx *ctx, const char *s, unsigned *ret, struct gp_error *err)
{
	char *end;
	errno = 0;
	long n = strtol(s, &end, 10);
	if (*s < '0' || *s > '9' || errno || *end || n < 2 || n > INT_MAX)
		return cmd_usage_error(ctx, err,
		                       "--time-slicing takes a whole number from 2 to %d, not '%s'",
		                       INT_MAX, s);
	*ret = (unsigned)n;
	return 0;
}

int
cmd_manifest(struct gp_ctx *ctx, int argc, char **argv, struct gp_error *err)
{
	enum {
		OPT_EDGE = 256,
		OPT_TIME_SLICING,
		OPT_IMAGE,
		OPT_NAMESPACE,
		OPT_NODE,
		OPT_RUNTIME_CLASS,
		OPT_MIG_STRATEGY,
		OPT_OUTPUT,
	};
	static const struct option opts[] = {
	        {"edge", no_argument, NULL, OPT_EDGE},
	        {"time-slicing", required_argument, NULL, OPT_TIME_SLICING},
	        {"image", required_argument, NULL, OPT_IMAGE},
	        {"namespace", required_argument, NULL, OPT_NAMESPACE},
	        {"node", required_argument, NULL, OPT_NODE},
	        {"runtime-class", required_argument, NULL, OPT_RUNTIME_CLASS},
	        {"mig-strategy", required_argument, NULL, OPT_MIG_STRATEGY},
	        {"output", required_argument, NULL, 'o'},
	        CMD_COMMON_OPTIONS,
	        {0},
	};
	const char *image = NULL, *namespace = NULL, *node = NULL, *time_slicing = NULL;
	const char *runtime_class = NULL, *mig = NULL;
	const char *output = NULL;
	bool edge = false;
	int c;

	while ((c = cmd_getopt(ctx, argc, argv, "o:", opts, 1, err)) > 0) {
		switch (c) {
		case 'o':
			if (check_value(ctx, "--output", optarg, err) < 0)
				return -1;
			output = optarg;
			break;
		case OPT_EDGE:
			edge = true;
			break;
		case OPT_TIME_SLICING:
			time_slicing = optarg;
			break;
		case OPT_IMAGE:
			if (check_value(ctx, "--image", optarg, err) < 0)
				return -1;
			image = optarg;
			break;
		case OPT_NAMESPACE:
			if (check_value(ctx, "--namespace", optarg, err) < 0)
				return -1;
			namespace = optarg;
			break;
		case OPT_NODE:
			if (check_value(ctx, "--node", optarg, err) < 0)
				return -1;
			node = optarg;
			break;
		case OPT_RUNTIME_CLASS:
			if (check_value(ctx, "--runtime-class", optarg, err) < 0)
				return -1;
			runtime_class = optarg;
			break;
		case OPT_MIG_STRATEGY:
			if (!manifest_mig_strategy_valid(optarg))
				return cmd_usage_error(
				        ctx, err, "--mig-strategy takes single or mixed, not '%s'",
				        optarg);
			mig = optarg;
			break;
		}
	}
	if (c < 0)
		return cmd_opt_exit(c);
	if (optind >= argc) {
		cmd_usage_error(ctx, err,
		                "no manifest given: name device-plugin, test-pod, "
		                "runtimeclass or ansible");
		return gp_error_hint(err, "for example: gpuprep manifest device-plugin | kubectl "
		                          "apply -f -");
	}
	if (ctx->json) {
		cmd_usage_error(ctx, err, "manifest prints YAML only; --json is not supported");
		return gp_error_hint(err, "leave out --json: 'kubectl apply -f -' reads the YAML");
	}

	const char *kind = argv[optind];
	_cleanup_free_ char *yaml = NULL;
	if (output && strcmp(kind, "ansible") != 0)
		return cmd_usage_error(ctx, err, "--output applies to ansible only");
	if (strcmp(kind, "ansible") == 0) {
		if (image || namespace || node || edge || time_slicing || runtime_class || mig)
			return cmd_usage_error(ctx, err,
			                       "ansible takes only --output; the playbook's "
			                       "variables hold up's options");
		return ansible(ctx, output, err);
	}
	if (strcmp(kind, "device-plugin") == 0) {
		struct manifest_device_plugin m = {.image = image,
		                                   .namespace = namespace,
		                                   .edge = edge,
		                                   .runtime_class = runtime_class,
		                                   .mig_strategy = mig};
		if (node)
			return cmd_usage_error(ctx, err, "--node applies to test-pod only");
		if (time_slicing && parse_replicas(ctx, time_slicing, &m.replicas, err) < 0)
			return -1;
		if (manifest_device_plugin_render(&m, &yaml, err) < 0)
			return -1;
	} else if (strcmp(kind, "test-pod") == 0) {
		struct manifest_test_pod m = {.image = image,
		                              .namespace = namespace,
		                              .node = node,
		                              .runtime_class = runtime_class};
		if (edge || time_slicing || mig)
			return cmd_usage_error(ctx, err, "%s applies to device-plugin only",
			                       edge           ? "--edge"
			                       : time_slicing ? "--time-slicing"
			                                      : "--mig-strategy");
		if (manifest_test_pod_render(&m, &yaml, err) < 0)
			return -1;
	} else if (strcmp(kind, "runtimeclass") == 0) {
		if (edge || time_slicing || mig || image || namespace || node || runtime_class)
			return cmd_usage_error(ctx, err, "runtimeclass takes no options");
		if (manifest_runtimeclass_render(&yaml, err) < 0)
			return -1;
	} else {
		return cmd_usage_error(ctx, err,
		                       "unknown manifest '%s' (device-plugin, test-pod, "
		                       "runtimeclass or ansible)",
		                       kind);
	}
	cmd_out(ctx, yaml);
	return 0;
}
