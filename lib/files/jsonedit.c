// SPDX-License-Identifier: GPL-2.0-or-later
#include "jsonedit.h"

#include <stdint.h>
#include <string.h>

#include "rows.h"

struct jsonedit_doc {
	char *name;
	char *text; /* NUL-terminated */
	size_t len;
	json_t *root;
	char *indent;    /* the indentation unit */
	char *colon;     /* what separates a key from its value: ": " */
	bool inline_doc; /* the whole object is on one line */
	const char *nl;  /* "\n", or "\r\n" in a file that uses it */
};

/* A span of text [start, end). */
struct span {
	size_t start, end;
};

struct member {
	struct span key; /* with the quotes */
	struct span value;
};

/* ---- scanning (the text is already valid JSON) ---- */

static size_t
skip_ws(const char *t, size_t i)
{
	while (t[i] == ' ' || t[i] == '\t' || t[i] == '\n' || t[i] == '\r')
		i++;
	return i;
}

static size_t
skip_string(const char *t, size_t i)
{
	/* t[i] is the opening quote. */
	for (i++; t[i] && t[i] != '"'; i++)
		if (t[i] == '\\' && t[i + 1])
			i++;
	return t[i] ? i + 1 : i;
}

static size_t
skip_value(const char *t, size_t i)
{
	if (t[i] == '"')
		return skip_string(t, i);
	if (t[i] == '{' || t[i] == '[') {
		int depth = 0;
		while (t[i]) {
			if (t[i] == '"') {
				i = skip_string(t, i);
				continue;
			}
			if (t[i] == '{' || t[i] == '[')
				depth++;
			else if (t[i] == '}' || t[i] == ']') {
				if (--depth == 0)
					return i + 1;
			}
			i++;
		}
		return i;
	}
	while (t[i] && !strchr(",]} \t\n\r", t[i]))
		i++;
	return i;
}

/*
 * The members of the object (or elements of the array, with key spans empty)
 * whose opening bracket is at `open`. Returns the count; *ret_close is the
 * closing bracket's offset.
 */
static size_t
scan_container(const char *t, size_t open, struct member **ret, size_t *ret_close)
{
	bool object = t[open] == '{';
	size_t n = 0, cap = 8;
	struct member *m = xmalloc(cap * sizeof(*m));
	size_t i = skip_ws(t, open + 1);
	while (t[i] && t[i] != '}' && t[i] != ']') {
		if (n == cap)
			m = xrealloc(m, (cap *= 2) * sizeof(*m));
		struct member cur = {{i, i}, {i, i}};
		if (object) {
			cur.key.end = skip_string(t, i);
			i = skip_ws(t, cur.key.end);
			if (t[i] == ':')
				i = skip_ws(t, i + 1);
		}
		cur.value.start = i;
		cur.value.end = skip_value(t, i);
		m[n++] = cur;
		i = skip_ws(t, cur.value.end);
		if (t[i] == ',')
			i = skip_ws(t, i + 1);
	}
	*ret = m;
	*ret_close = i;
	return n;
}

static bool
key_equals(const char *t, struct span key, const char *want)
{
	size_t len = key.end - key.start;
	const char *raw = t + key.start + 1;
	if (len < 2)
		return false;
	if (!memchr(raw, '\\', len - 2))
		return len - 2 == strlen(want) && memcmp(raw, want, len - 2) == 0;
	json_t *s = json_loadb(t + key.start, len, JSON_DECODE_ANY, NULL);
	bool eq = s && json_is_string(s) && strcmp(json_string_value(s), want) == 0;
	json_decref(s);
	return eq;
}

/* The whitespace before the token at pos, back to the previous non-space. */
static struct span
lead_before(const char *t, size_t pos)
{
	size_t s = pos;
	while (s > 0 && strchr(" \t\r\n", t[s - 1]))
		s--;
	return (struct span){s, pos};
}

/* The leading whitespace of the line holding pos. */
static char *
line_indent(const char *t, size_t pos)
{
	size_t s = pos;
	while (s > 0 && t[s - 1] != '\n')
		s--;
	size_t e = s;
	while (t[e] == ' ' || t[e] == '\t')
		e++;
	return xstrndup(t + s, e - s);
}

static bool
span_has_newline(const char *t, struct span sp)
{
	return memchr(t + sp.start, '\n', sp.end - sp.start) != NULL;
}

/* What follows the last newline of a lead: the indentation of the token after it. */
static char *
lead_indent(const char *t, struct span lead)
{
	size_t s = lead.end;
	while (s > lead.start && t[s - 1] != '\n')
		s--;
	return xstrndup(t + s, lead.end - s);
}

/* ---- serializing new values in the file's style ---- */

static void
put_scalar(struct strbuf *b, const json_t *v)
{
	_cleanup_free_ char *s = json_dumps(v, JSON_ENCODE_ANY | JSON_COMPACT);
	strbuf_puts(b, s ? s : "null");
}

static bool
is_scalar_array(const json_t *v)
{
	size_t i;
	json_t *e;
	json_array_foreach (v, i, e)
		if (json_is_object(e) || json_is_array(e))
			return false;
	return true;
}

/*
 * Append v. multiline: objects (and arrays holding containers) go one member
 * per line, the members at base + unit and the closing bracket at base.
 */
static void
serialize(struct strbuf *b, const struct jsonedit_doc *doc, const json_t *v, bool multiline,
          const char *base)
{
	if (json_is_object(v) && json_object_size(v) > 0) {
		_cleanup_free_ char *inner = xasprintf("%s%s", base, doc->indent);
		strbuf_puts(b, "{");
		const char *key;
		json_t *m;
		bool first = true;
		json_object_foreach ((json_t *)v, key, m) {
			strbuf_puts(b, first ? "" : ",");
			if (multiline) {
				strbuf_puts(b, doc->nl);
				strbuf_puts(b, inner);
			} else if (!first) {
				strbuf_puts(b, " ");
			}
			json_t *k = json_string(key);
			put_scalar(b, k);
			json_decref(k);
			strbuf_puts(b, doc->colon);
			serialize(b, doc, m, multiline, inner);
			first = false;
		}
		if (multiline) {
			strbuf_puts(b, doc->nl);
			strbuf_puts(b, base);
		}
		strbuf_puts(b, "}");
	} else if (json_is_array(v) && json_array_size(v) > 0) {
		bool ml = multiline && !is_scalar_array(v);
		_cleanup_free_ char *inner = xasprintf("%s%s", base, doc->indent);
		strbuf_puts(b, "[");
		size_t i;
		json_t *e;
		json_array_foreach (v, i, e) {
			strbuf_puts(b, i ? "," : "");
			if (ml) {
				strbuf_puts(b, doc->nl);
				strbuf_puts(b, inner);
			} else if (i) {
				strbuf_puts(b, " ");
			}
			serialize(b, doc, e, ml, inner);
		}
		if (ml) {
			strbuf_puts(b, doc->nl);
			strbuf_puts(b, base);
		}
		strbuf_puts(b, "]");
	} else if (json_is_object(v)) {
		strbuf_puts(b, "{}");
	} else if (json_is_array(v)) {
		strbuf_puts(b, "[]");
	} else {
		put_scalar(b, v);
	}
}

/* ---- the document ---- */

const char *
jsonedit_type_name(const json_t *v)
{
	switch (json_typeof(v)) {
	case JSON_OBJECT:
		return "object";
	case JSON_ARRAY:
		return "array";
	case JSON_STRING:
		return "string";
	case JSON_INTEGER:
	case JSON_REAL:
		return "number";
	case JSON_TRUE:
		return "true";
	case JSON_FALSE:
		return "false";
	case JSON_NULL:
	default:
		return "null";
	}
}

/* The first n keys of path, joined with dots. */
static char *
path_prefix_str(const char *const *path, size_t n)
{
	char *s = xstrdup("");
	for (size_t i = 0; i < n && path[i]; i++) {
		char *next = xasprintf("%s%s%s", s, i ? "." : "", path[i]);
		free(s);
		s = next;
	}
	return s;
}

char *
jsonedit_path_str(const char *const *path)
{
	return path_prefix_str(path, SIZE_MAX);
}

void
jsonedit_free(struct jsonedit_doc *doc)
{
	if (!doc)
		return;
	free(doc->name);
	free(doc->text);
	json_decref(doc->root);
	free(doc->indent);
	free(doc->colon);
	free(doc);
}

const char *
jsonedit_text(const struct jsonedit_doc *doc, size_t *ret_len)
{
	if (ret_len)
		*ret_len = doc->len;
	return doc->text;
}

const char *
jsonedit_indent(const struct jsonedit_doc *doc)
{
	return doc->indent;
}

const json_t *
jsonedit_root(const struct jsonedit_doc *doc)
{
	return doc->root;
}

const json_t *
jsonedit_get(const struct jsonedit_doc *doc, const char *const *path)
{
	const json_t *v = doc->root;
	for (size_t i = 0; v && path[i]; i++)
		v = json_is_object(v) ? json_object_get(v, path[i]) : NULL;
	return v;
}

/* Line and column (1-based, in characters) of a byte offset. */
static void
line_col(const char *t, size_t len, size_t pos, unsigned *ret_line, unsigned *ret_col)
{
	unsigned line = 1, col = 1;
	for (size_t i = 0; i < pos && i < len; i++) {
		if (t[i] == '\n') {
			line++;
			col = 1;
		} else if (((unsigned char)t[i] & 0xC0) != 0x80) {
			col++;
		}
	}
	*ret_line = line;
	*ret_col = col;
}

static int
parse_error(const char *name, const char *text, size_t len, const json_error_t *je,
            struct gp_error *err)
{
	/* jansson points after the offending token; point at its start instead. */
	size_t pos = je->position < 0 ? 0 : (size_t)je->position;
	const char *near = strstr(je->text, " near '");
	if (near) {
		size_t toklen = strlen(near + 7);
		if (toklen > 0 && near[7 + toklen - 1] == '\'')
			toklen--;
		pos = pos >= toklen ? pos - toklen : 0;
	}
	unsigned line, col;
	line_col(text, len, pos, &line, &col);
	gp_error_set(err, "%s:%u:%u: %s", name, line, col, je->text);
	return gp_error_hint(err,
	                     "fix the JSON (a missing or extra comma?), then run again; the file "
	                     "was not changed");
}

static void
detect_style(struct jsonedit_doc *doc)
{
	const char *t = doc->text;
	size_t open = skip_ws(t, 0);
	_cleanup_free_ struct member *m = NULL;
	size_t close;
	size_t n = scan_container(t, open, &m, &close);
	doc->inline_doc = n > 0 && !memchr(t + open, '\n', close - open);
	doc->nl = strstr(t, "\r\n") ? "\r\n" : "\n";
	free(doc->indent);
	free(doc->colon);
	doc->indent = NULL;
	doc->colon = xstrdup(": ");
	if (n > 0) {
		struct span lead = lead_before(t, m[0].key.start);
		if (span_has_newline(t, lead)) {
			_cleanup_free_ char *ind = lead_indent(t, lead);
			if (ind[0] == '\t')
				doc->indent = xstrdup("\t");
			else if (ind[0] == ' ')
				doc->indent = xstrndup(ind, strspn(ind, " "));
		}
		free(doc->colon);
		doc->colon = xstrndup(t + m[0].key.end, m[0].value.start - m[0].key.end);
	}
	if (!doc->indent)
		doc->indent = xstrdup("  ");
}

/* Only JSON whitespace (a NUL byte is not: strchr would match the terminator). */
static bool
blank(const char *text, size_t len)
{
	for (size_t i = 0; i < len; i++)
		if (text[i] != ' ' && text[i] != '\t' && text[i] != '\r' && text[i] != '\n')
			return false;
	return true;
}

static int
nul_error(const char *name, const char *text, size_t len, const char *nul, struct gp_error *err)
{
	unsigned line, col;
	line_col(text, len, (size_t)(nul - text), &line, &col);
	bool all = true;
	for (size_t i = 0; i < len && all; i++)
		all = text[i] == '\0';
	gp_error_set(err, "%s:%u:%u: %s", name, line, col,
	             all ? "the file holds only NUL bytes, not JSON"
	                 : "the file holds a NUL byte, which JSON does not allow");
	return gp_error_hint(err,
	                     "the file looks damaged (a crash while it was written?): restore it "
	                     "from a backup, or empty it to start from {}; the file was not "
	                     "changed");
}

int
jsonedit_parse(const char *name, const char *text, size_t len, struct jsonedit_doc **ret,
               struct gp_error *err)
{
	const char *nul = memchr(text, '\0', len);
	if (nul)
		return nul_error(name, text, len, nul, err);
	struct jsonedit_doc *doc = xcalloc(1, sizeof(*doc));
	doc->name = xstrdup(name);
	if (blank(text, len)) {
		doc->text = xstrdup("{}\n");
		doc->len = 3;
	} else {
		doc->text = xmalloc(len + 1);
		memcpy(doc->text, text, len);
		doc->text[len] = '\0';
		doc->len = len;
	}
	json_error_t je;
	doc->root = json_loadb(doc->text, doc->len, JSON_DECODE_ANY | JSON_REJECT_DUPLICATES, &je);
	if (!doc->root) {
		parse_error(name, doc->text, doc->len, &je, err);
		jsonedit_free(doc);
		return -1;
	}
	if (!json_is_object(doc->root)) {
		unsigned line, col;
		line_col(doc->text, doc->len, skip_ws(doc->text, 0), &line, &col);
		gp_error_set(err, "%s:%u:%u: the document is %s %s, not an object", name, line, col,
		             json_is_array(doc->root) ? "an" : "a", jsonedit_type_name(doc->root));
		gp_error_hint(err, "the file must hold one JSON object, { ... }, with the settings "
		                   "as its members; the file was not changed");
		jsonedit_free(doc);
		return -1;
	}
	detect_style(doc);
	*ret = doc;
	return 0;
}

/* Replace [sp.start, sp.end) with s, then parse again and compare with expected. */
static int
splice(struct jsonedit_doc *doc, struct span sp, const char *s, const json_t *expected,
       struct gp_error *err)
{
	size_t n = strlen(s);
	size_t len = doc->len - (sp.end - sp.start) + n;
	char *t = xmalloc(len + 1);
	memcpy(t, doc->text, sp.start);
	memcpy(t + sp.start, s, n);
	memcpy(t + sp.start + n, doc->text + sp.end, doc->len - sp.end);
	t[len] = '\0';
	json_error_t je;
	json_t *root = json_loadb(t, len, JSON_REJECT_DUPLICATES, &je);
	if (!root || !json_equal(root, expected)) {
		json_decref(root);
		free(t);
		return gp_error_set(err,
		                    "%s: internal error: an edit did not give the expected JSON",
		                    doc->name);
	}
	free(doc->text);
	json_decref(doc->root);
	doc->text = t;
	doc->len = len;
	doc->root = root;
	return 0;
}

/*
 * Find the member at the first npath keys of path. Returns true and fills
 * *ret_m when all are found; otherwise *ret_depth is the number of keys found
 * and *ret_open the opening brace of the deepest object found.
 */
static bool
locate(const struct jsonedit_doc *doc, const char *const *path, size_t npath, struct member *ret_m,
       size_t *ret_depth, size_t *ret_open)
{
	const char *t = doc->text;
	size_t pos = skip_ws(t, 0);
	for (size_t d = 0; d < npath; d++) {
		*ret_depth = d;
		*ret_open = pos;
		if (t[pos] != '{')
			return false;
		_cleanup_free_ struct member *m = NULL;
		size_t close;
		size_t n = scan_container(t, pos, &m, &close);
		size_t k = 0;
		while (k < n && !key_equals(t, m[k].key, path[d]))
			k++;
		if (k == n)
			return false;
		*ret_m = m[k];
		pos = m[k].value.start;
	}
	*ret_depth = npath;
	*ret_open = pos;
	return true;
}

/* The opening bracket of the value at the first npath keys (all present). */
static size_t
value_open(const struct jsonedit_doc *doc, const char *const *path, size_t npath)
{
	struct member m;
	size_t depth, open;
	locate(doc, path, npath, &m, &depth, &open);
	return open;
}

static size_t
path_len(const char *const *path)
{
	size_t n = 0;
	while (path[n])
		n++;
	return n;
}

/* The expected document after setting path to value. */
static json_t *
expect_set(const json_t *root, const char *const *path, size_t npath, const json_t *value)
{
	json_t *copy = json_deep_copy(root);
	json_t *o = copy;
	for (size_t d = 0; d + 1 < npath; d++) {
		json_t *next = json_object_get(o, path[d]);
		if (!next) {
			next = json_object();
			json_object_set_new(o, path[d], next);
		}
		o = next;
	}
	json_object_set_new(o, path[npath - 1], json_deep_copy(value));
	return copy;
}

/* Insert key: value as the last member of the object at `open`. */
static char *
member_text(const struct jsonedit_doc *doc, const char *key, const json_t *value, bool multiline,
            const char *base)
{
	struct strbuf b = {0};
	json_t *k = json_string(key);
	put_scalar(&b, k);
	json_decref(k);
	strbuf_puts(&b, doc->colon);
	serialize(&b, doc, value, multiline, base);
	return b.s;
}

static int
insert_member(struct jsonedit_doc *doc, size_t open, const char *key, const json_t *value,
              const json_t *expected, struct gp_error *err)
{
	const char *t = doc->text;
	_cleanup_free_ struct member *m = NULL;
	size_t close;
	size_t n = scan_container(t, open, &m, &close);
	if (n > 0) {
		/* After the last member, laid out like it. */
		struct span lead = lead_before(t, m[n - 1].key.start);
		bool ml = span_has_newline(t, lead);
		_cleanup_free_ char *ind = lead_indent(t, lead);
		_cleanup_free_ char *sep = NULL;
		if (ml)
			sep = xasprintf("%s%s", doc->nl, ind);
		else if (n >= 2)
			sep = xstrndup(t + lead.start, lead.end - lead.start);
		else
			sep = xstrdup(strchr(doc->colon, ' ') ? " " : "");
		_cleanup_free_ char *mt = member_text(doc, key, value, ml, ind);
		_cleanup_free_ char *ins = xasprintf(",%s%s", sep, mt);
		struct span at = {m[n - 1].value.end, m[n - 1].value.end};
		return splice(doc, at, ins, expected, err);
	}
	/* An empty object: lay it out like the file. */
	if (doc->inline_doc) {
		_cleanup_free_ char *mt = member_text(doc, key, value, false, "");
		return splice(doc, (struct span){open + 1, close}, mt, expected, err);
	}
	_cleanup_free_ char *base = line_indent(t, open);
	_cleanup_free_ char *inner = xasprintf("%s%s", base, doc->indent);
	_cleanup_free_ char *mt = member_text(doc, key, value, true, inner);
	_cleanup_free_ char *ins = xasprintf("%s%s%s%s%s", doc->nl, inner, mt, doc->nl, base);
	return splice(doc, (struct span){open + 1, close}, ins, expected, err);
}

/* Where the value at the first depth keys of path starts (all present). */
static void
value_line_col(const struct jsonedit_doc *doc, const char *const *path, size_t depth,
               unsigned *ret_line, unsigned *ret_col)
{
	struct member m;
	size_t found, open;
	size_t pos = skip_ws(doc->text, 0);
	if (depth > 0 && locate(doc, path, depth, &m, &found, &open))
		pos = m.value.start;
	line_col(doc->text, doc->len, pos, ret_line, ret_col);
}

static int
type_error(const struct jsonedit_doc *doc, const char *const *path, size_t depth, const json_t *v,
           const char *want, struct gp_error *err)
{
	_cleanup_free_ char *at = path_prefix_str(path, depth);
	unsigned line, col;
	value_line_col(doc, path, depth, &line, &col);
	gp_error_set(err, "%s:%u:%u: '%s' is %s %s, not %s", doc->name, line, col, at,
	             json_is_array(v) || json_is_object(v) ? "an" : "a", jsonedit_type_name(v),
	             want);
	return gp_error_hint(err, "fix or remove '%s' in the file, then run again", at);
}

int
jsonedit_type_error(const struct jsonedit_doc *doc, const char *const *path, const char *want,
                    struct gp_error *err)
{
	const json_t *v = jsonedit_get(doc, path);
	if (!v)
		return gp_error_set(err, "%s: internal error: no value to report", doc->name);
	return type_error(doc, path, path_len(path), v, want, err);
}

void
jsonedit_position(const struct jsonedit_doc *doc, const char *const *path, unsigned *ret_line,
                  unsigned *ret_col)
{
	value_line_col(doc, path, path_len(path), ret_line, ret_col);
}

int
jsonedit_set(struct jsonedit_doc *doc, const char *const *path, const json_t *value,
             struct gp_error *err)
{
	size_t npath = path_len(path);
	if (npath == 0)
		return gp_error_set(err, "%s: internal error: empty key path", doc->name);
	/* Every key but the last must name an object (or be missing). */
	const json_t *o = doc->root;
	for (size_t d = 0; d + 1 < npath && o; d++) {
		const json_t *next = json_object_get(o, path[d]);
		if (next && !json_is_object(next))
			return type_error(doc, path, d + 1, next, "an object", err);
		o = next;
	}
	const json_t *cur = jsonedit_get(doc, path);
	if (cur && json_equal(cur, value))
		return 0;

	_cleanup_json_ json_t *expected = expect_set(doc->root, path, npath, value);
	struct member m;
	size_t depth, open;
	if (locate(doc, path, npath, &m, &depth, &open)) {
		/* Replace the existing value, laid out like its member. */
		const char *t = doc->text;
		struct span lead = lead_before(t, m.key.start);
		_cleanup_free_ char *ind = lead_indent(t, lead);
		struct strbuf b = {0};
		serialize(&b, doc, value, span_has_newline(t, lead), ind);
		_cleanup_free_ char *s = b.s;
		return splice(doc, m.value, s, expected, err);
	}
	/* Insert the rest of the path as nested objects into the deepest object found. */
	_cleanup_json_ json_t *nested = json_deep_copy(value);
	for (size_t d = npath - 1; d > depth; d--) {
		json_t *wrap = json_object();
		json_object_set_new(wrap, path[d], TAKE_PTR(nested));
		nested = wrap;
	}
	return insert_member(doc, open, path[depth], nested, expected, err);
}

/*
 * What to cut to remove entry k of the n in the container whose brackets are
 * at open and close: the entry and the comma before it (after it, for the
 * first), or everything inside the brackets for the only one. An array
 * element's key span starts where its value does.
 */
static struct span
cut_span(const struct member *m, size_t n, size_t k, size_t open, size_t close)
{
	if (n == 1)
		return (struct span){open + 1, close};
	if (k > 0)
		return (struct span){m[k - 1].value.end, m[k].value.end};
	return (struct span){m[0].key.start, m[1].key.start};
}

int
jsonedit_delete(struct jsonedit_doc *doc, const char *const *path, struct gp_error *err)
{
	size_t npath = path_len(path);
	if (npath == 0 || !jsonedit_get(doc, path))
		return 0;
	size_t open = value_open(doc, path, npath - 1);
	const char *t = doc->text;
	_cleanup_free_ struct member *m = NULL;
	size_t close;
	size_t n = scan_container(t, open, &m, &close);
	size_t k = 0;
	while (k < n && !key_equals(t, m[k].key, path[npath - 1]))
		k++;
	if (k == n)
		return 0;
	_cleanup_json_ json_t *expected = json_deep_copy(doc->root);
	json_t *o = expected;
	for (size_t d = 0; d + 1 < npath; d++)
		o = json_object_get(o, path[d]);
	json_object_del(o, path[npath - 1]);
	return splice(doc, cut_span(m, n, k, open, close), "", expected, err);
}

/* The array at path, its elements, and the expected document's copy of it. */
static int
array_at(struct jsonedit_doc *doc, const char *const *path, size_t *ret_open, struct gp_error *err)
{
	const json_t *a = jsonedit_get(doc, path);
	if (!a) {
		_cleanup_free_ char *at = jsonedit_path_str(path);
		return gp_error_set(err, "%s: internal error: no array '%s'", doc->name, at);
	}
	if (!json_is_array(a))
		return type_error(doc, path, path_len(path), a, "an array", err);
	*ret_open = value_open(doc, path, path_len(path));
	return 0;
}

static json_t *
expected_array(const struct jsonedit_doc *doc, const char *const *path, json_t **ret_copy)
{
	json_t *copy = json_deep_copy(doc->root);
	json_t *v = copy;
	for (size_t i = 0; path[i]; i++)
		v = json_object_get(v, path[i]);
	*ret_copy = copy;
	return v;
}

static char *
inline_value(const struct jsonedit_doc *doc, const json_t *value)
{
	struct strbuf b = {0};
	serialize(&b, doc, value, false, "");
	return b.s;
}

int
jsonedit_array_append(struct jsonedit_doc *doc, const char *const *path, const json_t *value,
                      struct gp_error *err)
{
	size_t open;
	if (array_at(doc, path, &open, err) < 0)
		return -1;
	_cleanup_json_ json_t *expected = NULL;
	json_array_append_new(expected_array(doc, path, &expected), json_deep_copy(value));
	const char *t = doc->text;
	_cleanup_free_ struct member *m = NULL;
	size_t close;
	size_t n = scan_container(t, open, &m, &close);
	_cleanup_free_ char *v = inline_value(doc, value);
	if (n == 0)
		return splice(doc, (struct span){open + 1, close}, v, expected, err);
	struct span lead = lead_before(t, m[n - 1].value.start);
	_cleanup_free_ char *lead_text = NULL;
	if (span_has_newline(t, lead) || n >= 2)
		lead_text = xstrndup(t + lead.start, lead.end - lead.start);
	else
		lead_text = xstrdup(" ");
	_cleanup_free_ char *ins = xasprintf(",%s%s", lead_text, v);
	return splice(doc, (struct span){m[n - 1].value.end, m[n - 1].value.end}, ins, expected,
	              err);
}

/* Replace element index of the array at path with value, or remove it when value is NULL. */
static int
array_replace(struct jsonedit_doc *doc, const char *const *path, size_t index, const json_t *value,
              struct gp_error *err)
{
	size_t open;
	if (array_at(doc, path, &open, err) < 0)
		return -1;
	_cleanup_json_ json_t *expected = NULL;
	json_t *arr = expected_array(doc, path, &expected);
	if (index >= json_array_size(arr))
		return gp_error_set(err, "%s: internal error: index out of range", doc->name);
	if (value)
		json_array_set_new(arr, index, json_deep_copy(value));
	else
		json_array_remove(arr, index);
	_cleanup_free_ struct member *m = NULL;
	size_t close;
	size_t n = scan_container(doc->text, open, &m, &close);
	if (!value)
		return splice(doc, cut_span(m, n, index, open, close), "", expected, err);
	_cleanup_free_ char *v = inline_value(doc, value);
	return splice(doc, m[index].value, v, expected, err);
}

int
jsonedit_array_set(struct jsonedit_doc *doc, const char *const *path, size_t index,
                   const json_t *value, struct gp_error *err)
{
	return array_replace(doc, path, index, value, err);
}

int
jsonedit_array_delete(struct jsonedit_doc *doc, const char *const *path, size_t index,
                      struct gp_error *err)
{
	return array_replace(doc, path, index, NULL, err);
}
