// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Option parsing every command shares: the getopt_long loop with its common
 * tail (-h, a bad option, a leftover argument), usage errors, and the option
 * values more than one command takes.
 */
#include <errno.h>
#include <getopt.h>
#include <stdarg.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

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

/* "--name" of an element "--name=value", without the value. */
static char *
long_name(const char *arg)
{
	return xstrndup(arg, strcspn(arg, "="));
}

/* The suggestion hint for an unknown long option: the closest of opts' names. */
static void
suggest_option(struct gp_error *err, const char *name, const struct option *opts)
{
	const char *names[128];
	size_t n = 0;
	for (const struct option *o = opts; o && o->name && n < GP_ARRAY_SIZE(names); o++)
		names[n++] = o->name;
	const char *best = str_closest(name, names, n);
	if (best)
		gp_error_hint(err, "did you mean '--%s'?", best);
}

int
cmd_bad_option(struct gp_ctx *ctx, char **argv, const struct option *opts, int c,
               struct gp_error *err)
{
	const char *bad = optind > 0 ? argv[optind - 1] : NULL;
	bool is_long = bad && bad[0] == '-' && bad[1] == '-';
	if (!is_long) {
		if (c == ':')
			return cmd_usage_error(ctx, err, "'-%c' needs a value", optopt);
		return cmd_usage_error(ctx, err, "unknown option '-%c'", optopt);
	}
	_cleanup_free_ char *name = long_name(bad + 2);
	if (c == ':')
		return cmd_usage_error(ctx, err, "'--%s' needs a value", name);
	size_t n_prefix = 0;
	for (const struct option *o = opts; o->name; o++) {
		if (strcmp(o->name, name) == 0)
			return cmd_usage_error(ctx, err, "'--%s' takes no value", name);
		n_prefix += str_startswith(o->name, name);
	}
	if (n_prefix > 1 && *name) {
		cmd_usage_error(ctx, err, "'--%s' is ambiguous", name);
		_cleanup_free_ char *list = xstrdup("");
		for (const struct option *o = opts; o->name; o++)
			if (str_startswith(o->name, name)) {
				char *s = xasprintf("%s%s'--%s'", list, *list ? ", " : "", o->name);
				free(list);
				list = s;
			}
		return gp_error_hint(err, "it could be %s", list);
	}
	if (ctx->cmd && strcmp(name, "version") == 0) {
		cmd_usage_error(ctx, err,
		                "global options go before the command: gpuprep --version");
		return gp_error_hint(err, "'gpuprep --version' prints gpuprep's version");
	}
	if (ctx->cmd)
		cmd_usage_error(ctx, err, "unknown option '--%s' for %s", name, ctx->cmd->name);
	else
		cmd_usage_error(ctx, err, "unknown option '--%s'", name);
	suggest_option(err, name, opts);
	return -1;
}

int
cmd_check_root(struct gp_ctx *ctx, struct gp_error *err)
{
	if (!gp_root_is_set(ctx->root))
		return 0;
	struct stat st;
	if (stat(ctx->root, &st) < 0)
		gp_error_set_errno(err, errno, "cannot use --root '%s'", ctx->root);
	else if (!S_ISDIR(st.st_mode))
		gp_error_set(err, "cannot use --root '%s': not a directory", ctx->root);
	else
		return 0;
	return gp_error_hint(err, "--root takes the directory where the node's system is mounted");
}

/* A global option after the command's name: as if it came before it. */
static void
global_option(struct gp_ctx *ctx, int c, const char *arg)
{
	switch (c) {
	case CMD_GLOBAL_ROOT:
		ctx->root = arg;
		break;
	case CMD_GLOBAL_JSON:
		ctx->json = true;
		break;
	case 'q':
		ctx->quiet = true;
		break;
	case 'v':
		ctx->verbose++;
		break;
	case CMD_GLOBAL_NO_COLOR:
		ctx->color = ctx->err_color = ctx->tty = false;
		break;
	}
}

int
cmd_getopt(struct gp_ctx *ctx, int argc, char **argv, const char *shortopts,
           const struct option *longopts, int max_operands, struct gp_error *err)
{
	/* ':' first: a missing value is told apart from an unknown option. */
	char spec[64];
	snprintf(spec, sizeof(spec), ":hqv%s", shortopts);
	for (;;) {
		int c = getopt_long(argc, argv, spec, longopts, NULL);
		switch (c) {
		case -1:
			if (argc - optind > max_operands)
				return cmd_usage_error(ctx, err, "unexpected argument '%s'",
				                       argv[optind + max_operands]);
			return cmd_check_root(ctx, err) < 0 ? -1 : 0;
		case 'h':
			cmd_help(ctx);
			return CMD_OPT_HELP;
		case '?':
		case ':':
			return cmd_bad_option(ctx, argv, longopts, c, err);
		case 'q':
		case 'v':
		case CMD_GLOBAL_ROOT:
		case CMD_GLOBAL_JSON:
		case CMD_GLOBAL_NO_COLOR:
			global_option(ctx, c, optarg);
			continue;
		default:
			return c;
		}
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
cmd_offline_path(struct gp_ctx *ctx, const char *arg, const char **ret, struct gp_error *err)
{
	*ret = arg;
	if (strcmp(arg, "-") != 0)
		return 0;
	if (isatty(STDIN_FILENO)) {
		cmd_usage_error(ctx, err,
		                "--offline - reads the archive from standard input, which is a "
		                "terminal");
		return gp_error_hint(err, "pipe a bundle in ('ssh HOST cat BUNDLE | gpuprep ... "
		                          "--offline -'), or give its path");
	}
	*ret = "/dev/stdin"; /* a bundle is read once, as it comes */
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
		if (!ops || !ops->config_path) {
			_cleanup_free_ char *names = runtime_configurable_names();
			return cmd_usage_error(ctx, err, "unknown runtime '%s' (choose %s)", name,
			                       names);
		}
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
		_cleanup_free_ char *names = runtime_configurable_names();
		return gp_error_hint(err, "install %s first", names);
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
