// SPDX-License-Identifier: GPL-2.0-or-later
/* gpuprep undo: put back the files the newest change replaced. */
#include <getopt.h>
#include <string.h>

#include "cmd.h"
#include "runtime.h"
#include "safefile.h"
#include "undo.h"

const char cmd_undo_summary[] = "restore the config files of the newest configure";

const char cmd_undo_usage[] =
        "usage: gpuprep undo [--runtime docker|containerd|crio|k3s|rke2] [--dry-run]\n"
        "\n"
        "Restore the files that the newest 'gpuprep configure' changed (of that runtime,\n"
        "with --runtime) from the backup it made, and remove the files it created. Run it\n"
        "again to undo the change before that. Nothing to undo is not an error.\n"
        "\n"
        "Options:\n"
        "  --runtime R   undo the newest change to runtime R's files\n"
        "  --dry-run     write nothing; print a unified diff of each file that would change\n"
        "  -h, --help    print this help\n";

int
cmd_undo(struct gp_ctx *ctx, int argc, char **argv, struct gp_error *err)
{
	enum { OPT_RUNTIME = 256, OPT_DRY_RUN };
	static const struct option options[] = {
	        {"runtime", required_argument, NULL, OPT_RUNTIME},
	        {"dry-run", no_argument, NULL, OPT_DRY_RUN},
	        CMD_COMMON_OPTIONS,
	        {0},
	};
	const char *runtime = NULL;
	bool dry_run = false;
	int c;
	while ((c = cmd_getopt(ctx, argc, argv, "", options, 0, err)) > 0) {
		switch (c) {
		case OPT_RUNTIME:
			if (!runtime_find(optarg)) {
				_cleanup_free_ char *names = runtime_configurable_names();
				return cmd_usage_error(ctx, err, "unknown runtime '%s' (choose %s)",
				                       optarg, names);
			}
			runtime = optarg;
			break;
		case OPT_DRY_RUN:
			dry_run = true;
			break;
		}
	}
	if (c < 0)
		return cmd_opt_exit(c);

	_cleanup_(undo_release) struct undo u = {0};
	if (undo_run(ctx->root, runtime, dry_run, safefile_lock_timeout_ms(), &u, err) < 0)
		return -1;
	for (size_t i = 0; u.warnings && u.warnings[i]; i++)
		cmd_warn(ctx, "%s", u.warnings[i]);

	_cleanup_free_ char *session = u.session_dir ? gp_path(ctx->root, u.session_dir) : NULL;
	_cleanup_free_ char *backup = u.backup_dir ? gp_path(ctx->root, u.backup_dir) : NULL;
	_cleanup_free_ char *diff = dry_run ? changeset_diff(&u.changes) : NULL;
	if (ctx->json) {
		_cleanup_json_ json_t *doc = json_object();
		json_object_set_new(doc, "schema_version", json_integer(1));
		json_object_set_new(doc, "runtime",
		                    u.runtime ? json_string(u.runtime) : json_null());
		json_object_set_new(doc, "dry_run", json_boolean(dry_run));
		json_object_set_new(doc, "undone", session ? json_string(session) : json_null());
		json_t *files = json_array();
		for (size_t i = 0; i < u.changes.n_files; i++) {
			const struct file_change *fc = u.changes.files[i];
			_cleanup_free_ char *host = gp_path(ctx->root, fc->path);
			const char *action = !file_change_changes(fc) ? "unchanged"
			                     : fc->remove             ? "removed"
			                                              : "restored";
			json_array_append_new(
			        files, json_pack("{s:s, s:s}", "path", host, "action", action));
		}
		json_object_set_new(doc, "files", files);
		json_object_set_new(doc, "backup_dir", backup ? json_string(backup) : json_null());
		if (dry_run)
			json_object_set_new(doc, "diff", json_string(diff));
		json_t *w = json_array();
		for (size_t i = 0; u.warnings && u.warnings[i]; i++)
			json_array_append_new(w, json_string(u.warnings[i]));
		json_object_set_new(doc, "warnings", w);
		cmd_out_json(ctx, doc);
		return 0;
	}
	if (!u.session_dir) {
		if (!ctx->quiet) {
			_cleanup_free_ char *s =
			        xasprintf("nothing to undo%s%s\n", runtime ? " for " : "",
			                  runtime ? runtime : "");
			cmd_out(ctx, s);
		}
		return 0;
	}
	if (dry_run) {
		cmd_out(ctx, diff);
		cmd_note(ctx, "dry run: would undo '%s'", session);
		return 0;
	}
	if (ctx->quiet)
		return 0;
	for (size_t i = 0; i < u.changes.n_files; i++) {
		const struct file_change *fc = u.changes.files[i];
		_cleanup_free_ char *host = gp_path(ctx->root, fc->path);
		_cleanup_free_ char *s =
		        !file_change_changes(fc)
		                ? xasprintf("%s: unchanged '%s' (already as before)\n", u.runtime,
		                            host)
		        : fc->remove ? xasprintf("%s: removed '%s' (it did not exist before)\n",
		                                 u.runtime, host)
		                     : xasprintf("%s: restored '%s'\n", u.runtime, host);
		cmd_out(ctx, s);
	}
	_cleanup_free_ char *s = xasprintf("undone: '%s'\n", session);
	cmd_out(ctx, s);
	cmd_note(ctx, "restart %s to load the restored config", u.runtime);
	return 0;
}
