// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The toml-test conformance suite for TOML 1.0, as TAP, one line per file.
 *
 *   toml-conformance [DIR] [--required]
 *
 * DIR is toml-test's tests/ folder ($SHARED_DIR/toml-test/tests by default).
 * When it has a files-toml-1.0.0 list (newer toml-test), that list says which
 * files apply; without one (the copy Debian's golang-github-burntsushi-toml-dev
 * ships, which predates the list and is all TOML 1.0), every valid/ and
 * invalid/ .toml file below DIR counts. A missing DIR is a TAP skip, or a
 * failure with --required. For each file:
 *   - valid/X.toml parses, decodes to the tagged JSON of valid/X.json (compared
 *     as toml-test compares: integers and floats by value, date-times by their
 *     normalized text), and writes back byte for byte;
 *   - invalid/X.toml is rejected with a "LINE:COL: message" error.
 */
#include <ctype.h>
#include <errno.h>
#include <ftw.h>
#include <jansson.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "error.h"
#include "toml.h"
#include "util.h"

static int n_tests, n_failed;

static void
result(bool ok, const char *name, const char *diag)
{
	printf("%s %d - %s\n", ok ? "ok" : "not ok", ++n_tests, name);
	if (!ok) {
		n_failed++;
		if (diag) {
			for (const char *p = diag; *p;) {
				const char *nl = strchr(p, '\n');
				size_t n = nl ? (size_t)(nl - p) : strlen(p);
				printf("#   %.*s\n", (int)n, p);
				p += n + (nl ? 1 : 0);
			}
		}
	}
}

static char *
norm_float(const char *v)
{
	const char *b = v + (*v == '+' || *v == '-');
	if (strcmp(b, "nan") == 0)
		return xstrdup("nan");
	if (strcmp(b, "inf") == 0)
		return xstrdup(*v == '-' ? "-inf" : "inf");
	double d = strtod(v, NULL);
	if (d == 0)
		return xstrdup("0"); /* toml-test compares by value: -0.0 equals 0 */
	return xasprintf("%.17g", d);
}

static char *
norm_datetime(const char *v)
{
	char *out = xstrdup(v);
	size_t n = 0;
	for (size_t i = 0; v[i]; i++) {
		char c = (char)toupper((unsigned char)v[i]);
		if (c == ' ')
			c = 'T';
		out[n++] = c;
		if (c == '.') {
			size_t start = n;
			while (isdigit((unsigned char)v[i + 1]))
				out[n++] = v[++i];
			while (n > start && out[n - 1] == '0')
				n--;
			if (n == start)
				n--; /* drop the '.' */
		}
	}
	out[n] = '\0';
	return out;
}

/* Rewrite every tagged leaf's value to a canonical text for its type. */
static void
normalize(json_t *j)
{
	if (json_is_array(j)) {
		size_t i;
		json_t *e;
		json_array_foreach (j, i, e)
			normalize(e);
		return;
	}
	if (!json_is_object(j))
		return;
	json_t *type = json_object_get(j, "type"), *value = json_object_get(j, "value");
	if (json_object_size(j) == 2 && json_is_string(type) && json_is_string(value)) {
		const char *t = json_string_value(type), *v = json_string_value(value);
		char *nv = NULL;
		if (strcmp(t, "integer") == 0)
			nv = xasprintf("%lld", strtoll(v, NULL, 10));
		else if (strcmp(t, "float") == 0)
			nv = norm_float(v);
		else if (strncmp(t, "date", 4) == 0 || strcmp(t, "time-local") == 0)
			nv = norm_datetime(v);
		if (nv) {
			json_object_set_new(j, "value", json_string(nv));
			free(nv);
		}
		return;
	}
	const char *k;
	json_t *e;
	json_object_foreach (j, k, e)
		normalize(e);
}

/*
 * jansson cannot hold a NUL byte in an object key (toml-test has one), so both
 * sides are loaded from text in which every \u0000 escape has become the
 * six characters "\u0000" (an escaped backslash): still an exact comparison.
 */
static json_t *
load_text(const char *text, json_error_t *jerr)
{
	size_t n = strlen(text);
	_cleanup_free_ char *t = xmalloc(n * 2 + 1);
	size_t o = 0;
	for (size_t i = 0; i < n; i++) {
		if (text[i] == '\\' && strncmp(text + i + 1, "u0000", 5) == 0) {
			t[o++] = '\\';
			t[o++] = '\\';
			continue;
		}
		t[o++] = text[i];
		if (text[i] == '\\' && i + 1 < n)
			t[o++] = text[++i];
	}
	t[o] = '\0';
	return json_loads(t, 0, jerr);
}

/* Read a test file; on failure report it as a failed test. */
static int
read_case(const char *path, const char *rel, char **ret_data, size_t *ret_len)
{
	int r = read_file(path, ret_data, ret_len);
	if (r < 0) {
		_cleanup_free_ char *d = xasprintf("cannot read %s: %s", path, strerror(-r));
		result(false, rel, d);
	}
	return r;
}

/* A valid file: decoded as expected, and written back byte for byte. */
static void
judge_valid(const char *path, const char *rel, const char *data, size_t len,
            const struct toml_doc *doc)
{
	size_t out_len;
	const char *out = toml_doc_text(doc, &out_len);
	if (out_len != len || memcmp(out, data, len) != 0) {
		result(false, rel, "the round trip changed the bytes");
		return;
	}
	_cleanup_free_ char *jpath = xstrdup(path);
	strcpy(jpath + strlen(jpath) - strlen("toml"), "json");
	json_error_t jerr;
	_cleanup_free_ char *jtext = NULL;
	json_t *want = NULL;
	int r = read_file(jpath, &jtext, NULL);
	if (r == 0)
		want = load_text(jtext, &jerr);
	else
		snprintf(jerr.text, sizeof(jerr.text), "%s", strerror(-r));
	if (!want) {
		_cleanup_free_ char *d = xasprintf("cannot load %s: %s", jpath, jerr.text);
		result(false, rel, d);
		return;
	}
	json_t *doc_json = toml_doc_to_json(doc);
	_cleanup_free_ char *got_text = json_dumps(doc_json, JSON_ENCODE_ANY);
	json_decref(doc_json);
	json_t *got = load_text(got_text, &jerr);
	normalize(want);
	normalize(got);
	bool eq = json_equal(want, got);
	if (!eq) {
		_cleanup_free_ char *w = json_dumps(want, JSON_SORT_KEYS | JSON_INDENT(1));
		_cleanup_free_ char *g = json_dumps(got, JSON_SORT_KEYS | JSON_INDENT(1));
		_cleanup_free_ char *d = xasprintf("want:\n%s\ngot:\n%s", w, g);
		result(false, rel, d);
	} else {
		result(true, rel, NULL);
	}
	json_decref(want);
	json_decref(got);
}

static bool
has_line_col(const char *msg)
{
	const char *p = msg;
	if (!isdigit((unsigned char)*p))
		return false;
	while (isdigit((unsigned char)*p))
		p++;
	if (*p++ != ':' || !isdigit((unsigned char)*p))
		return false;
	while (isdigit((unsigned char)*p))
		p++;
	return p[0] == ':' && p[1] == ' ' && p[2];
}

/* Parse one file of the list and judge the result by its kind. */
static void
check(const char *dir, const char *rel, bool valid)
{
	_cleanup_free_ char *path = xasprintf("%s/%s", dir, rel);
	_cleanup_free_ char *data = NULL;
	size_t len;
	if (read_case(path, rel, &data, &len) < 0)
		return;
	_cleanup_error_ struct gp_error err = GP_ERROR_INIT;
	_cleanup_toml_doc_ struct toml_doc *doc = NULL;
	bool parsed = toml_doc_parse(data, len, &doc, &err) == 0;
	if (valid && parsed) {
		judge_valid(path, rel, data, len, doc);
	} else if (valid) {
		result(false, rel, err.msg);
	} else if (parsed) {
		result(false, rel, "accepted an invalid document");
	} else if (!has_line_col(err.msg)) {
		_cleanup_free_ char *m = xasprintf("the error has no line:col: %s", err.msg);
		result(false, rel, m);
	} else {
		_cleanup_free_ char *name = xasprintf("%s: %s", rel, err.msg);
		result(true, name, NULL);
	}
}

/* The .toml files below DIR/valid and DIR/invalid, relative to DIR, sorted. */
static char **walk_list;
static size_t walk_n, walk_dir_len;

/*
 * Files of Debian's copy that are TOML 1.1, not 1.0: newer toml-test lists them
 * in files-toml-1.1.0 only. Our parser reads TOML 1.0, as containerd's does, so
 * they are checked as invalid: rejected with a line:col error.
 */
static const char *const toml_1_1_only[] = {
        "valid/string/escape-esc.toml", /* \e */
};

static int
walk_one(const char *path, const struct stat *st, int type, struct FTW *ftw)
{
	if (type == FTW_F && str_endswith(path, ".toml")) {
		walk_list = xrealloc(walk_list, (walk_n + 1) * sizeof(*walk_list));
		walk_list[walk_n++] = xstrdup(path + walk_dir_len + 1);
	}
	return 0;
}

static int
cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static void
check_tree(const char *dir)
{
	walk_dir_len = strlen(dir);
	for (int valid = 1; valid >= 0; valid--) {
		_cleanup_free_ char *sub = xasprintf("%s/%s", dir, valid ? "valid" : "invalid");
		nftw(sub, walk_one, 16, FTW_PHYS);
	}
	qsort(walk_list, walk_n, sizeof(*walk_list), cmp_str);
	for (size_t i = 0; i < walk_n; i++) {
		bool valid = walk_list[i][0] == 'v';
		for (size_t k = 0; k < sizeof(toml_1_1_only) / sizeof(*toml_1_1_only); k++)
			if (strcmp(walk_list[i], toml_1_1_only[k]) == 0)
				valid = false; /* TOML 1.1: a TOML 1.0 parser rejects it */
		check(dir, walk_list[i], valid);
		free(walk_list[i]);
	}
	free(walk_list);
}

int
main(int argc, char **argv)
{
	const char *shared = getenv("SHARED_DIR");
	bool required = argc > 2 && strcmp(argv[2], "--required") == 0;
	_cleanup_free_ char *dir =
	        argc > 1 ? xstrdup(argv[1]) : xasprintf("%s/toml-test/tests", shared ? shared : "");
	_cleanup_free_ char *list = xasprintf("%s/files-toml-1.0.0", dir);
	_cleanup_free_ char *valid_dir = xasprintf("%s/valid", dir);
	FILE *f = fopen(list, "r");
	if (!f && access(valid_dir, R_OK) == 0) {
		check_tree(dir);
		printf("1..%d\n", n_tests);
		return n_failed ? 1 : 0;
	}
	if (!f && required) {
		printf("not ok 1 - toml-test is at %s\n"
		       "#   install Debian's golang-github-burntsushi-toml-dev (.ci/packages lists "
		       "it)\n"
		       "1..1\n",
		       dir);
		return 1;
	}
	if (!f) {
		printf("1..0 # SKIP toml-test not found at %s\n", dir);
		return 0;
	}
	char line[4096];
	while (fgets(line, sizeof(line), f)) {
		line[strcspn(line, "\r\n")] = '\0';
		if (!str_endswith(line, ".toml"))
			continue;
		if (str_startswith(line, "valid/") || str_startswith(line, "invalid/"))
			check(dir, line, line[0] == 'v');
	}
	fclose(f);
	printf("1..%d\n", n_tests);
	return n_failed ? 1 : 0;
}
