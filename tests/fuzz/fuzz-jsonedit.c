// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Fuzz lib/jsonedit: the first byte picks the edits, the rest is the file.
 * Parse errors are fine; an edit that fails with an internal error (the
 * spliced text did not reparse to the expected value), a crash, or a second
 * identical round of sets that changes anything is a bug.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "jsonedit.h"
#include "rows.h"

#define P(...) ((const char *const[]){__VA_ARGS__, NULL})

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static _noreturn_ void
bug(const char *what, const char *detail)
{
	fprintf(stderr, "fuzz-jsonedit: %s: %s\n", what, detail ? detail : "");
	abort();
}

static void
check(int r, struct gp_error *err)
{
	if (r < 0 && err->msg && strstr(err->msg, "internal error"))
		bug("edit failed", err->msg);
	gp_error_release(err);
}

static bool
is_object_or_missing(struct jsonedit_doc *doc, const char *const *path)
{
	const json_t *v = jsonedit_get(doc, path);
	return !v || json_is_object(v);
}

/* Sets only: applying them twice must change nothing the second time. */
static void
set_edits(struct jsonedit_doc *doc, uint8_t ops)
{
	struct gp_error err = GP_ERROR_INIT;
	_cleanup_json_ json_t *name = json_string("nvidia");
	_cleanup_json_ json_t *entry =
	        json_pack("{s:s, s:[]}", "path", "nvidia-container-runtime", "runtimeArgs");
	_cleanup_json_ json_t *opts = json_pack("[s]", "native.cgroupdriver=systemd");

	check(jsonedit_set(doc, P("default-runtime"), name, &err), &err);
	if (is_object_or_missing(doc, P("runtimes")) &&
	    is_object_or_missing(doc, P("runtimes", "nvidia")))
		check(jsonedit_set(doc, P("runtimes", "nvidia"), entry, &err), &err);
	if ((ops & 1) && is_object_or_missing(doc, P("features")))
		check(jsonedit_set(doc, P("features", "cdi"), json_true(), &err), &err);
	if ((ops & 2) && !jsonedit_get(doc, P("exec-opts")))
		check(jsonedit_set(doc, P("exec-opts"), opts, &err), &err);
	if ((ops & 16) && is_object_or_missing(doc, P("log-opts")))
		check(jsonedit_set(doc, P("log-opts", "max-size"), name, &err), &err);
}

/* Array edits and a delete. */
static void
other_edits(struct jsonedit_doc *doc, uint8_t ops)
{
	struct gp_error err = GP_ERROR_INIT;
	_cleanup_json_ json_t *opt = json_string("native.cgroupdriver=cgroupfs");
	const json_t *eo = jsonedit_get(doc, P("exec-opts"));
	if (eo && json_is_array(eo)) {
		check(jsonedit_array_append(doc, P("exec-opts"), opt, &err), &err);
		check(jsonedit_array_set(doc, P("exec-opts"), 0, opt, &err), &err);
		if (ops & 4)
			check(jsonedit_array_delete(doc, P("exec-opts"), 0, &err), &err);
		/* Each edit replaces the document: look the array up again. */
		size_t n = json_array_size(jsonedit_get(doc, P("exec-opts")));
		if ((ops & 32) && n > 0)
			check(jsonedit_array_delete(doc, P("exec-opts"), n - 1, &err), &err);
	}
	if (ops & 8) {
		void *it = json_object_iter((json_t *)jsonedit_root(doc));
		if (it) {
			_cleanup_free_ char *k = xstrdup(json_object_iter_key(it));
			check(jsonedit_delete(doc, P(k), &err), &err);
		}
	}
	if (ops & 64)
		check(jsonedit_delete(doc, P("runtimes", "nvidia"), &err), &err);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < 1)
		return 0;
	uint8_t ops = data[0];
	struct gp_error err = GP_ERROR_INIT;
	struct jsonedit_doc *doc = NULL;
	if (jsonedit_parse("fuzz.json", (const char *)data + 1, size - 1, &doc, &err) < 0) {
		if (!err.msg || strncmp(err.msg, "fuzz.json", 9) != 0)
			bug("parse error without the file name", err.msg);
		gp_error_release(&err);
		return 0;
	}
	set_edits(doc, ops);
	size_t len;
	const char *text = jsonedit_text(doc, &len);
	_cleanup_free_ char *first = xstrndup(text, len);

	/* The result parses, and the same sets again change nothing. */
	struct jsonedit_doc *again = NULL;
	if (jsonedit_parse("fuzz.json", first, len, &again, &err) < 0)
		bug("the edited text does not parse", err.msg);
	set_edits(again, ops);
	size_t len2;
	const char *text2 = jsonedit_text(again, &len2);
	if (len2 != len || memcmp(text2, first, len) != 0)
		bug("a second round of sets changed the text", text2);
	other_edits(again, ops);
	jsonedit_free(again);
	jsonedit_free(doc);
	return 0;
}
