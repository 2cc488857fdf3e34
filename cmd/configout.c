// SPDX-License-Identifier: GPL-2.0-or-later
/* How gpuprep configure reports what it did: text, or the --json document. */
#include "configout.h"

#include <string.h>

static json_t *
files_json(struct gp_ctx *ctx, const struct changeset *cs)
{
	json_t *files = json_array();
	for (size_t i = 0; i < cs->n_files; i++) {
		const struct file_change *fc = cs->files[i];
		_cleanup_free_ char *host = gp_path(ctx->root, fc->path);
		json_array_append_new(files, json_pack("{s:s, s:b, s:b}", "path", host, "changed",
		                                       file_change_changes(fc), "created",
		                                       file_change_changes(fc) && !fc->existed));
	}
	return files;
}

static char *
files_list(struct gp_ctx *ctx, const struct changeset *cs, bool changed)
{
	char *out = xstrdup("");
	for (size_t i = 0; i < cs->n_files; i++) {
		if (file_change_changes(cs->files[i]) != changed)
			continue;
		_cleanup_free_ char *host = gp_path(ctx->root, cs->files[i]->path);
		char *s = xasprintf("%s%s'%s'", out, *out ? ", " : "", host);
		free(out);
		out = s;
	}
	return out;
}

/* "+3 -1 lines": the lines a unified diff adds and removes. */
static char *
diff_stat(const char *diff, bool verbose)
{
	size_t plus = 0, minus = 0;
	for (const char *l = diff; l && *l;) {
		if (*l == '+' && !str_startswith(l, "+++ "))
			plus++;
		else if (*l == '-' && !str_startswith(l, "--- "))
			minus++;
		const char *nl = strchr(l, '\n');
		l = nl ? nl + 1 : l + strlen(l);
	}
	return xasprintf("+%zu -%zu line%s changed%s", plus, minus, plus + minus == 1 ? "" : "s",
	                 verbose ? "" : "; -v shows the diff");
}

json_t *
cmd_configure_json(struct gp_ctx *ctx, const struct runtime_ops *ops,
                   const struct configure_opts *opts, const struct configure_result *res,
                   bool dry_run, const char *diff, const char *backup)
{
	json_t *doc = json_object();
	json_object_set_new(doc, "schema_version", json_integer(1));
	json_object_set_new(doc, "runtime", json_string(ops->name));
	json_object_set_new(doc, "runtime_name", json_string(opts->runtime_name));
	json_object_set_new(doc, "dry_run", json_boolean(dry_run));
	json_object_set_new(doc, "changed", json_boolean(changeset_changes(&res->changes)));
	json_object_set_new(doc, "files", files_json(ctx, &res->changes));
	json_object_set_new(doc, "backup_dir", backup ? json_string(backup) : json_null());
	/* What changed (or would): a unified diff, "" when nothing. */
	json_object_set_new(doc, "diff", json_string(diff ? diff : ""));
	json_t *w = json_array();
	for (size_t i = 0; res->warnings && res->warnings[i]; i++)
		json_array_append_new(w, json_string(res->warnings[i]));
	json_object_set_new(doc, "warnings", w);
	return doc;
}

void
cmd_configure_print(struct gp_ctx *ctx, const struct runtime_ops *ops,
                    const struct configure_result *res, bool dry_run, const char *diff,
                    const char *backup)
{
	_cleanup_free_ char *changed_files = files_list(ctx, &res->changes, true);
	_cleanup_free_ char *same_files = files_list(ctx, &res->changes, false);
	if (!changeset_changes(&res->changes)) {
		if (!ctx->quiet) {
			_cleanup_free_ char *s =
			        xasprintf("%s: already configured (%s)\n", ops->name, same_files);
			cmd_out(ctx, s);
		}
		return;
	}
	if (dry_run) {
		cmd_out(ctx, diff);
		cmd_note(ctx, "dry run: would change %s", changed_files);
		return;
	}
	if (!ctx->quiet) {
		_cleanup_free_ char *stat = diff_stat(diff, ctx->verbose);
		_cleanup_free_ char *s = xasprintf(
		        "%s: configured %s (%s)\nbackup: '%s' (gpuprep undo restores it)\n",
		        ops->name, changed_files, stat, backup);
		cmd_out(ctx, s);
	}
	/* -v: the change itself, as --dry-run shows it. */
	if (ctx->verbose && diff)
		cmd_out(ctx, diff);
}
