// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * gpuprep install: the NVIDIA container toolkit from NVIDIA's repository, a
 * mirror, or an offline archive. The plan comes from lib/pkginstall; this
 * file parses options, shows the plan or carries it out, and reports.
 */
#include <getopt.h>
#include <string.h>

#include "cmd.h"
#include "pkginstall.h"
#include "progress.h"

const char cmd_install_summary[] = "install the NVIDIA container toolkit (online or offline)";
const char cmd_install_usage[] =
        "usage: gpuprep install [--toolkit-version V] [--repo-url URL] [--keyring FILE]\n"
        "                       [--offline PATH] [--dry-run]\n"
        "\n"
        "Install the NVIDIA container toolkit: libnvidia-container1, libnvidia-container-tools,\n"
        "nvidia-container-toolkit-base and nvidia-container-toolkit, all at one version.\n"
        "Online, set up NVIDIA's repository and run apt-get (or dnf); offline, run one\n"
        "dpkg -i (or rpm -Uvh). Already installed at that version: nothing to do.\n"
        "\n"
        "Options:\n"
        "  --toolkit-version V\n"
        "                    install V-1 of all four (default: the newest offered)\n"
        "  --version V       the same as --toolkit-version V\n"
        "  --repo-url URL    use a mirror of https://nvidia.github.io/libnvidia-container\n"
        "  --keyring FILE    trust this public key instead of NVIDIA's pinned one\n"
        "  --offline PATH    install from NVIDIA's release tarball, a directory of packages,\n"
        "                    or a bundle made by 'gpuprep bundle'; opens no network connection;\n"
        "                    '-' reads it from standard input (a bundle may come through a pipe)\n"
        "  --dry-run         print the plan (source, versions, files, commands); change nothing\n"
        "  -h, --help        print this help\n"
        "\n"
        "With the global --root DIR, install into the system mounted at DIR. See\n"
        "gpuprep-install(1).\n";

static const struct rows_column pkg_cols_plan[] = {
        {"PACKAGE", "name"},
        {"INSTALLED", "installed"},
        {"TARGET", "target"},
};

static const struct rows_column pkg_cols_done[] = {
        {"PACKAGE", "name"},
        {"VERSION", "installed"},
        {"PREVIOUS", "previous"},
};

static const char *
source_words(const struct pkg_plan *p)
{
	switch (p->source) {
	case PKG_SOURCE_REPOSITORY:
		return "repository";
	case PKG_SOURCE_RELEASE_TARBALL:
		return "release tarball";
	case PKG_SOURCE_DIRECTORY:
		return "directory";
	case PKG_SOURCE_BUNDLE:
		return "bundle";
	}
	return "?";
}

static void
print_plan(struct gp_ctx *ctx, const struct pkg_plan *p, json_t *doc)
{
	_cleanup_free_ char *head = xasprintf(
	        "source:   %s '%s'\n"
	        "%s%s%s"
	        "%s%s%s"
	        "system:   %s %s%s%s%s\n"
	        "%s%s%s"
	        "version:  %s\n",
	        source_words(p), p->location, p->fingerprint ? "key:      " : "",
	        p->fingerprint ? p->fingerprint : "", p->fingerprint ? "\n" : "",
	        p->reused ? "reusing:  " : "", p->reused ? p->reused : "", p->reused ? "\n" : "",
	        os_family_name(p->family), p->arch, p->root ? " at '" : "", p->root ? p->root : "",
	        p->root ? "'" : "", p->rpm_dbpath ? "rpmdb:    " : "",
	        p->rpm_dbpath ? p->rpm_dbpath : "", p->rpm_dbpath ? "\n" : "",
	        p->version ? p->version : "the newest (chosen by the package manager)");
	cmd_out(ctx, head);
	_cleanup_free_ char *table =
	        rows_format_table(pkg_cols_plan, GP_ARRAY_SIZE(pkg_cols_plan),
	                          json_object_get(doc, "packages"), ctx->color);
	cmd_out(ctx, table);
	if (p->up_to_date) {
		cmd_out(ctx, "nothing to do: all four are installed at that version\n");
		return;
	}
	cmd_out(ctx, "files to write:\n");
	if (!p->n_writes)
		cmd_out(ctx, "  (none)\n");
	for (size_t i = 0; i < p->n_writes; i++) {
		_cleanup_free_ char *l = xasprintf("  %s\n", p->writes[i].full);
		cmd_out(ctx, l);
	}
	cmd_out(ctx, "commands:\n");
	json_t *cmds = json_object_get(doc, "commands");
	size_t i;
	json_t *c;
	json_array_foreach (cmds, i, c) {
		_cleanup_free_ char *l = xasprintf("  %s\n", json_string_value(c));
		cmd_out(ctx, l);
	}
}

int
cmd_install(struct gp_ctx *ctx, int argc, char **argv, struct gp_error *err)
{
	enum { OPT_VERSION = 256, OPT_REPO_URL, OPT_KEYRING, OPT_OFFLINE, OPT_DRY_RUN };
	static const struct option opts[] = {
	        {"toolkit-version", required_argument, NULL, OPT_VERSION},
	        {"version", required_argument, NULL, OPT_VERSION}, /* the same */
	        {"repo-url", required_argument, NULL, OPT_REPO_URL},
	        {"keyring", required_argument, NULL, OPT_KEYRING},
	        {"offline", required_argument, NULL, OPT_OFFLINE},
	        {"dry-run", no_argument, NULL, OPT_DRY_RUN},
	        CMD_COMMON_OPTIONS,
	        {0},
	};
	struct pkg_install_opts o = {0};
	bool dry_run = false;
	int c;
	while ((c = cmd_getopt(ctx, argc, argv, "", opts, 0, err)) > 0) {
		switch (c) {
		case OPT_VERSION:
			o.version = optarg;
			break;
		case OPT_REPO_URL:
			o.repo_url = optarg;
			break;
		case OPT_KEYRING:
			o.keyring = optarg;
			break;
		case OPT_OFFLINE:
			if (cmd_offline_path(ctx, optarg, &o.offline, err) < 0)
				return -1;
			break;
		case OPT_DRY_RUN:
			dry_run = true;
			break;
		}
	}
	if (c < 0)
		return cmd_opt_exit(c);
	o.root = ctx->root; /* --root may come after the command */
	if (o.offline && o.repo_url)
		return cmd_usage_error(ctx, err, "--offline and --repo-url exclude each other");
	if (cmd_check_repo_url(ctx, o.repo_url, err) < 0)
		return -1;
	o.fetch.progress = progress_draw;
	o.fetch.retry = progress_retry;
	o.fetch.userdata = ctx;

	struct pkg_plan plan = {0};
	if (pkg_plan_make(&o, &plan, err) < 0)
		return -1;
	_cleanup_json_ json_t *doc = pkg_plan_to_json(&plan);
	json_object_set_new(doc, "dry_run", json_boolean(dry_run));

	if (dry_run) {
		if (ctx->json)
			cmd_out_json(ctx, doc);
		else
			print_plan(ctx, &plan, doc);
		pkg_plan_release(&plan);
		return 0;
	}

	if (plan.up_to_date && !ctx->json) {
		/* The result, not a table that reads like a fresh install. */
		_cleanup_free_ char *s = xasprintf("already installed: %s\n", plan.version);
		cmd_out(ctx, s);
		pkg_plan_release(&plan);
		return 0;
	}
	if (!plan.up_to_date) {
		cmd_note(ctx, "gpuprep: installing the NVIDIA container toolkit %s from %s '%s'",
		         plan.version ? plan.version : "(newest)", source_words(&plan),
		         plan.location);
		if (pkg_plan_execute(&plan, progress_step,
		                     ctx->quiet || ctx->json ? NULL : progress_relay, ctx,
		                     err) < 0) {
			pkg_plan_release(&plan);
			return -1;
		}
	}

	/* Report what is installed now, next to what was there before. */
	char *now[APT_REPO_TOOLKIT_COUNT] = {0};
	if (pkg_query_installed(plan.root, plan.family, now, err) < 0) {
		pkg_plan_release(&plan);
		return -1;
	}
	json_t *pkgs = json_object_get(doc, "packages");
	for (size_t k = 0; k < APT_REPO_TOOLKIT_COUNT; k++) {
		json_t *o2 = json_array_get(pkgs, k);
		json_object_set(o2, "previous", json_object_get(o2, "installed"));
		json_object_set_new(o2, "installed", now[k] ? json_string(now[k]) : json_null());
		free(now[k]);
	}
	json_object_set_new(doc, "action", json_string(plan.up_to_date ? "none" : "installed"));
	if (ctx->json) {
		cmd_out_json(ctx, doc);
	} else {
		_cleanup_free_ char *table = rows_format_table(
		        pkg_cols_done, GP_ARRAY_SIZE(pkg_cols_done), pkgs, ctx->color);
		cmd_out(ctx, table);
	}
	pkg_plan_release(&plan);
	return 0;
}
