// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Option parsing every command shares: the getopt_long loop with its common
 * tail (-h, a bad option, a leftover argument), usage errors, and the option
 * values more than one command takes.
 */
#include <getopt.h>
#include <stdarg.h>
#include <string.h>

#include "cmd.h"

int
cmd_usage_error(struct gp_ctx *ctx, struct gp_error *err, const char *fmt, ...)
{
	(void)ctx;
	va_list ap;
	va_start(ap, fmt);
	_cleanup_free_ char *m = xvasprintf(fmt, ap);
	va_end(ap);
	return gp_error_set_code(err, GP_EXIT_USAGE, "%s", m);
}

int
cmd_bad_option(struct gp_ctx *ctx, char **argv, struct gp_error *err)
{
	const char *bad = argv[optind - 1];
	if (optopt && !(bad && bad[0] == '-' && bad[1] == '-'))
		return cmd_usage_error(ctx, err, "unknown option or missing argument '-%c'",
		                       optopt);
	return cmd_usage_error(ctx, err, "unknown or incomplete option '%s'", bad ? bad : "?");
}

int
cmd_getopt(struct gp_ctx *ctx, int argc, char **argv, const char *shortopts,
           const struct option *longopts, int max_operands, struct gp_error *err)
{
	/* ':' first: a missing value is told apart from an unknown option. */
	char spec[64];
	snprintf(spec, sizeof(spec), ":h%s", shortopts);
	int c = getopt_long(argc, argv, spec, longopts, NULL);
	switch (c) {
	case -1:
		if (argc - optind > max_operands)
			return cmd_usage_error(ctx, err, "unexpected argument '%s'",
			                       argv[optind + max_operands]);
		return 0;
	case 'h':
		cmd_help(ctx);
		return CMD_OPT_HELP;
	case '?':
	case ':':
		return cmd_bad_option(ctx, argv, err);
	default:
		return c;
	}
}

int
cmd_check_repo_url(struct gp_ctx *ctx, const char *url, struct gp_error *err)
{
	if (url && !str_startswith(url, "http://") && !str_startswith(url, "https://"))
		return cmd_usage_error(ctx, err,
		                       "--repo-url '%s' is not an http:// or https:// URL", url);
	return 0;
}

int
cmd_parse_cgroup_driver(struct gp_ctx *ctx, const char *arg, enum cgroup_driver *ret,
                        struct gp_error *err)
{
	if (!cgroup_driver_from_name(arg, ret))
		return cmd_usage_error(ctx, err,
		                       "--cgroup-driver takes systemd or cgroupfs, not '%s'", arg);
	return 0;
}

int
cmd_pick_runtime(struct gp_ctx *ctx, const char *name, const struct runtime_ops **ret,
                 struct gp_error *err)
{
	if (name) {
		const struct runtime_ops *ops = runtime_find(name);
		if (!ops || !ops->config_path)
			return cmd_usage_error(ctx, err,
			                       "unknown runtime '%s' (choose docker or containerd)",
			                       name);
		*ret = ops;
		return 0;
	}
	_cleanup_free_ const struct runtime_ops **found = runtime_detect_installed(ctx->root);
	size_t n = 0;
	while (found[n])
		n++;
	if (n == 1) {
		cmd_debug(ctx, "detected %s", found[0]->name);
		*ret = found[0];
		return 0;
	}
	if (n == 0) {
		cmd_usage_error(ctx, err, "no container runtime found; choose one with --runtime");
		return gp_error_hint(err, "install docker or containerd first");
	}
	_cleanup_free_ char *names = xstrdup("");
	for (size_t i = 0; i < n; i++) {
		char *s = xasprintf("%s%s%s", names, i ? (i + 1 == n ? " and " : ", ") : "",
		                    found[i]->name);
		free(names);
		names = s;
	}
	return cmd_usage_error(ctx, err, "found %s; choose one with --runtime", names);
}

int
cmd_help(struct gp_ctx *ctx)
{
	fputs(ctx->cmd->usage, stdout);
	return 0;
}
