// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The toml-test conformance suite for TOML 1.0, as TAP, one line per file of
 * $SHARED_DIR/toml-test/tests/files-toml-1.0.0:
 *   - valid/X.toml parses, decodes to the tagged JSON of valid/X.json (compared
 *     as toml-test compares: integers and floats by value, date-times by their
 *     normalized text), and writes back byte for byte;
 *   - invalid/X.toml is rejected with a "LINE:COL: message" error.
 */
#include <ctype.h>
#include <errno.h>
#include <jansson.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

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

int
main(int argc, char **argv)
{
	const char *shared = getenv("SHARED_DIR");
	_cleanup_free_ char *dir =
	        argc > 1 ? xstrdup(argv[1]) : xasprintf("%s/toml-test/tests", shared ? shared : "");
	_cleanup_free_ char *list = xasprintf("%s/files-toml-1.0.0", dir);
	FILE *f = fopen(list, "r");
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
