// SPDX-License-Identifier: GPL-2.0-or-later
/* Reading a TOML document: paths, handles, typed values, and toml-test's JSON. See toml.h. */
#include "toml_internal.h"

#include <inttypes.h>
#include <locale.h>
#include <math.h>
#include <string.h>

static locale_t
c_locale(void)
{
	static locale_t loc;
	if (!loc)
		loc = newlocale(LC_ALL_MASK, "C", (locale_t)0);
	return loc;
}

/*
 * Follow a path as far as it exists. Returns the node of the whole path
 * (*ret_n is its length), or where it stopped: the table in which path[*ret_n]
 * is missing, or a value that is not a table. Arrays of tables step into
 * their last element.
 */
uint32_t
toml_walk(const struct toml_doc *doc, const char *const *path, size_t *ret_n)
{
	uint32_t cur = 0;
	size_t i;
	for (i = 0; path[i]; i++) {
		uint32_t t = cur;
		const struct toml_node *n = &doc->nodes[t];
		if (n->type == TOML_ARRAY && (n->flags & F_AOT) && n->last)
			t = n->last;
		if (doc->nodes[t].type != TOML_TABLE)
			break;
		uint32_t c = toml_child_find_str(doc, t, path[i]);
		if (!c) {
			cur = t;
			break;
		}
		cur = c;
	}
	*ret_n = i;
	return cur;
}

const struct toml_node *
toml_root(const struct toml_doc *doc)
{
	return &doc->nodes[0];
}

const struct toml_node *
toml_lookup(const struct toml_doc *doc, const char *const *path)
{
	size_t n;
	uint32_t id = toml_walk(doc, path, &n);
	return path[n] ? NULL : &doc->nodes[id];
}

enum toml_type
toml_node_type(const struct toml_node *node)
{
	return node ? (enum toml_type)node->type : TOML_NONE;
}

const struct toml_node *
toml_node_get(const struct toml_doc *doc, const struct toml_node *table, const char *key)
{
	if (!table || table->type != TOML_TABLE)
		return NULL;
	uint32_t c = toml_child_find_str(doc, (uint32_t)(table - doc->nodes), key);
	return c ? &doc->nodes[c] : NULL;
}

const struct toml_node *
toml_node_first(const struct toml_doc *doc, const struct toml_node *node)
{
	return node && node->first ? &doc->nodes[node->first] : NULL;
}

const struct toml_node *
toml_node_next(const struct toml_doc *doc, const struct toml_node *node)
{
	return node && node->next ? &doc->nodes[node->next] : NULL;
}

size_t
toml_node_count(const struct toml_node *node)
{
	return node ? node->count : 0;
}

const char *
toml_node_key(const struct toml_doc *doc, const struct toml_node *node, size_t *ret_len)
{
	if (ret_len)
		*ret_len = node->key_len;
	return node_key(doc, node);
}

const char *
toml_node_raw(const struct toml_doc *doc, const struct toml_node *node, size_t *ret_len)
{
	if (ret_len)
		*ret_len = node->end - node->off;
	return doc->buf + node->off;
}

bool
toml_node_is_implicit(const struct toml_node *node)
{
	return node && node->type == TOML_TABLE && (node->flags & F_IMPLICIT);
}

const char *
toml_node_kind(const struct toml_node *node)
{
	if (node->type == TOML_ARRAY && (node->flags & F_AOT))
		return "an array of tables";
	return toml_type_name((enum toml_type)node->type);
}

/* The offset where a node is written; see toml_node_line_col(). */
static size_t
node_written_at(const struct toml_doc *doc, const struct toml_node *n)
{
	if (n == &doc->nodes[0])
		return doc->bom;
	if (n->type == TOML_ARRAY && (n->flags & F_AOT))
		return n->first ? doc->nodes[n->first].off : n->off;
	if (n->type == TOML_TABLE && (n->flags & (F_HEADER | F_IMPLICIT)) &&
	    !(n->flags & F_INLINE_ROOT))
		return n->off;
	const struct toml_node *p = &doc->nodes[n->parent];
	if (p->type == TOML_TABLE && !(n->flags & F_KEY_POOL) && n->key_len) {
		size_t k = n->key_off;
		/* a quoted key: point at its opening quote */
		if (k > 0 && (doc->buf[k - 1] == '"' || doc->buf[k - 1] == '\''))
			k--;
		return k;
	}
	if (stmt_is_offset(n) && n->stmt != NIL)
		return n->stmt;
	return n->off;
}

void
toml_node_line_col(const struct toml_doc *doc, const struct toml_node *node, unsigned *ret_line,
                   unsigned *ret_col)
{
	toml_pos_line_col(doc->buf, doc->bom, node_written_at(doc, node), ret_line, ret_col);
}

int
toml_type_error(const struct toml_doc *doc, uint32_t id, const char *context, const char *what,
                const char *want, struct gp_error *err)
{
	const struct toml_node *node = &doc->nodes[id];
	unsigned line, col;
	toml_node_line_col(doc, node, &line, &col);
	gp_error_set(err, "%u:%u: %s%s'%s' is %s, not %s", line, col, context ? context : "",
	             context ? ": " : "", what, toml_node_kind(node), want);
	return gp_error_hint(err,
	                     "fix or remove '%s' at that line, then run again; the file was "
	                     "left as it was",
	                     what);
}

int
toml_error_in(struct gp_error *err, const char *file)
{
	const char *m = err->msg ? err->msg : "";
	size_t d = strspn(m, "0123456789");
	bool pos = d > 0 && m[d] == ':' && strspn(m + d + 1, "0123456789") > 0;
	_cleanup_free_ char *old = xstrdup(m);
	_cleanup_free_ char *hint = err->hint ? xstrdup(err->hint) : NULL;
	int code = err->code;
	gp_error_set_code(err, code ? code : GP_EXIT_FAILURE, "%s:%s%s", file, pos ? "" : " ", old);
	if (hint)
		gp_error_hint(err, "%s", hint);
	return -1;
}

static int
want_type(const struct toml_doc *doc, const struct toml_node *node, enum toml_type t,
          struct gp_error *err)
{
	if (node->type == t)
		return 0;
	uint32_t id = (uint32_t)(node - doc->nodes);
	_cleanup_free_ char *path = toml_node_path(doc, id);
	return toml_type_error(doc, id, NULL, id ? path : "the root", toml_type_name(t), err);
}

int
toml_node_string(const struct toml_doc *doc, const struct toml_node *node, char **ret,
                 size_t *ret_len, struct gp_error *err)
{
	if (want_type(doc, node, TOML_STRING, err) < 0)
		return -1;
	struct sbuf b = {0};
	sb_grow(&b, node->end - node->off);
	toml_decode_string(doc->buf, node->off, node->end, &b);
	if (ret_len)
		*ret_len = b.len;
	*ret = b.p;
	return 0;
}

int
toml_node_bool(const struct toml_doc *doc, const struct toml_node *node, bool *ret,
               struct gp_error *err)
{
	if (want_type(doc, node, TOML_BOOL, err) < 0)
		return -1;
	*ret = doc->buf[node->off] == 't';
	return 0;
}

int
toml_node_int(const struct toml_doc *doc, const struct toml_node *node, int64_t *ret,
              struct gp_error *err)
{
	if (want_type(doc, node, TOML_INTEGER, err) < 0)
		return -1;
	toml_int_value(doc->buf, node->off, node->end, ret);
	return 0;
}

static double
float_value(const char *s, size_t p, size_t q)
{
	bool neg = s[p] == '-';
	size_t b = p + (s[p] == '+' || s[p] == '-');
	if (q - b == 3 && memcmp(s + b, "inf", 3) == 0)
		return neg ? -INFINITY : INFINITY;
	if (q - b == 3 && memcmp(s + b, "nan", 3) == 0)
		return neg ? -NAN : NAN;
	char small[64];
	_cleanup_free_ char *big = NULL;
	char *t = q - p < sizeof(small) ? small : (big = xmalloc(q - p + 1));
	size_t n = 0;
	for (size_t i = p; i < q; i++)
		if (s[i] != '_')
			t[n++] = s[i];
	t[n] = '\0';
	return strtod_l(t, NULL, c_locale());
}

int
toml_node_float(const struct toml_doc *doc, const struct toml_node *node, double *ret,
                struct gp_error *err)
{
	if (want_type(doc, node, TOML_FLOAT, err) < 0)
		return -1;
	*ret = float_value(doc->buf, node->off, node->end);
	return 0;
}

int
toml_node_datetime(const struct toml_doc *doc, const struct toml_node *node,
                   struct toml_datetime *ret, struct gp_error *err)
{
	if (node->type < TOML_DATETIME || node->type > TOML_TIME_LOCAL)
		return want_type(doc, node, TOML_DATETIME, err);
	struct parser ps = {.doc = (struct toml_doc *)doc, .s = doc->buf, .len = doc->len};
	struct gp_error e = GP_ERROR_INIT;
	ps.err = &e;
	toml_scan_datetime(&ps, doc->buf, node->off, node->end, ret);
	gp_error_release(&e);
	return 0;
}

enum toml_type
toml_get_type(const struct toml_doc *doc, const char *const *path)
{
	return toml_node_type(toml_lookup(doc, path));
}

bool
toml_table_exists(const struct toml_doc *doc, const char *const *path)
{
	return toml_get_type(doc, path) == TOML_TABLE;
}

bool
toml_table_is_explicit(const struct toml_doc *doc, const char *const *path)
{
	const struct toml_node *n = toml_lookup(doc, path);
	return n && n->type == TOML_TABLE && !(n->flags & F_IMPLICIT);
}

/* The node at path: 1, 0 when absent, -1 when a step of the path is not a table. */
static int
get_node(const struct toml_doc *doc, const char *const *path, const struct toml_node **ret,
         struct gp_error *err)
{
	*ret = NULL; /* on every path, for the callers' flow analysis at -O3 */
	size_t n;
	uint32_t id = toml_walk(doc, path, &n);
	if (!path[n]) {
		*ret = &doc->nodes[id];
		return 1;
	}
	if (doc->nodes[id].type == TOML_TABLE)
		return 0;
	_cleanup_free_ char *p = toml_path_prefix_format(path, n);
	return toml_type_error(doc, id, NULL, p, "a table", err);
}

#define GETTER(name, ctype, call)                                                                  \
	int toml_get_##name(const struct toml_doc *doc, const char *const *path, ctype *ret,       \
	                    struct gp_error *err)                                                  \
	{                                                                                          \
		const struct toml_node *node;                                                      \
		int r = get_node(doc, path, &node, err);                                           \
		if (r <= 0)                                                                        \
			return r;                                                                  \
		return call < 0 ? -1 : 1;                                                          \
	}

GETTER(string, char *, toml_node_string(doc, node, ret, NULL, err))
GETTER(bool, bool, toml_node_bool(doc, node, ret, err))
GETTER(int, int64_t, toml_node_int(doc, node, ret, err))
GETTER(float, double, toml_node_float(doc, node, ret, err))
GETTER(datetime, struct toml_datetime, toml_node_datetime(doc, node, ret, err))
#undef GETTER

int
toml_get_strv(const struct toml_doc *doc, const char *const *path, char ***ret,
              struct gp_error *err)
{
	const struct toml_node *node;
	int r = get_node(doc, path, &node, err);
	if (r <= 0)
		return r;
	if (node->type != TOML_ARRAY || (node->flags & F_AOT)) {
		_cleanup_free_ char *p = toml_path_format(path);
		return toml_type_error(doc, (uint32_t)(node - doc->nodes), NULL, p,
		                       "an array of strings", err);
	}
	char **v = xcalloc(node->count + 1, sizeof(char *));
	size_t i = 0;
	for (const struct toml_node *e = toml_node_first(doc, node); e;
	     e = toml_node_next(doc, e)) {
		if (e->type != TOML_STRING) {
			strv_free(v);
			_cleanup_free_ char *p = toml_path_format(path);
			unsigned line, col;
			toml_node_line_col(doc, e, &line, &col);
			gp_error_set(err, "%u:%u: '%s' is not an array of strings: it holds %s",
			             line, col, p, toml_type_name((enum toml_type)e->type));
			return gp_error_hint(err, "write each element as a quoted string, then run "
			                          "again; the file was left as it was");
		}
		toml_node_string(doc, e, &v[i++], NULL, NULL);
	}
	*ret = v;
	return 1;
}

int
toml_table_keys(const struct toml_doc *doc, const char *const *path, char ***ret,
                struct gp_error *err)
{
	const struct toml_node *node;
	int r = get_node(doc, path, &node, err);
	if (r <= 0)
		return r;
	if (node->type == TOML_ARRAY && (node->flags & F_AOT) && node->last)
		node = &doc->nodes[node->last];
	if (want_type(doc, node, TOML_TABLE, err) < 0)
		return -1;
	char **v = xcalloc(node->count + 1, sizeof(char *));
	size_t i = 0;
	for (const struct toml_node *c = toml_node_first(doc, node); c; c = toml_node_next(doc, c))
		v[i++] = xstrndup(node_key(doc, c), c->key_len);
	*ret = v;
	return 1;
}

/* ---- toml-test JSON ---- */

/* The shortest text that reads back as the same double. */
static void
fmt_float(double d, char out[40])
{
	if (isnan(d)) {
		strcpy(out, "nan");
		return;
	}
	if (isinf(d)) {
		strcpy(out, d < 0 ? "-inf" : "inf");
		return;
	}
	locale_t old = uselocale(c_locale());
	for (int prec = 1; prec <= 17; prec++) {
		snprintf(out, 40, "%.*g", prec, d);
		if (strtod(out, NULL) == d)
			break;
	}
	uselocale(old);
}

static void
fmt_datetime(const char *s, size_t p, size_t q, struct sbuf *b)
{
	/* As toml-test writes them: 'T' and 'Z' upper case, at least milliseconds. */
	for (size_t i = p; i < q; i++) {
		char c = s[i];
		if (c == 't' || c == ' ')
			c = 'T';
		else if (c == 'z')
			c = 'Z';
		sb_addc(b, c);
		if (c == '.') {
			size_t n = 0;
			while (i + 1 < q && is_digit(s[i + 1])) {
				sb_addc(b, s[++i]);
				n++;
			}
			for (; n < 3; n++)
				sb_addc(b, '0');
		}
	}
}

static json_t *
tagged(const char *type, json_t *value)
{
	return json_pack("{s:s, s:o}", "type", type, "value", value);
}

static json_t *
node_json(const struct toml_doc *doc, uint32_t id)
{
	const struct toml_node *n = &doc->nodes[id];
	const char *s = doc->buf;
	switch ((enum toml_type)n->type) {
	case TOML_TABLE: {
		json_t *o = json_object();
		for (uint32_t c = n->first; c; c = doc->nodes[c].next) {
			const struct toml_node *x = &doc->nodes[c];
			json_object_setn_new_nocheck(o, node_key(doc, x), x->key_len,
			                             node_json(doc, c));
		}
		return o;
	}
	case TOML_ARRAY: {
		json_t *a = json_array();
		for (uint32_t c = n->first; c; c = doc->nodes[c].next)
			json_array_append_new(a, node_json(doc, c));
		return a;
	}
	case TOML_STRING: {
		struct sbuf b = {0};
		sb_grow(&b, 0);
		toml_decode_string(s, n->off, n->end, &b);
		json_t *v = json_stringn_nocheck(b.p, b.len);
		sb_release(&b);
		return tagged("string", v);
	}
	case TOML_INTEGER: {
		int64_t v = 0;
		toml_int_value(s, n->off, n->end, &v);
		char t[32];
		snprintf(t, sizeof(t), "%" PRId64, v);
		return tagged("integer", json_string(t));
	}
	case TOML_FLOAT: {
		char t[40];
		fmt_float(float_value(s, n->off, n->end), t);
		return tagged("float", json_string(t));
	}
	case TOML_BOOL:
		return tagged("bool", json_string(s[n->off] == 't' ? "true" : "false"));
	case TOML_DATETIME:
	case TOML_DATETIME_LOCAL:
	case TOML_DATE_LOCAL:
	case TOML_TIME_LOCAL: {
		static const char *const names[] = {"datetime", "datetime-local", "date-local",
		                                    "time-local"};
		struct sbuf b = {0};
		fmt_datetime(s, n->off, n->end, &b);
		json_t *v = tagged(names[n->type - TOML_DATETIME], json_string(b.p));
		sb_release(&b);
		return v;
	}
	case TOML_NONE:
		break;
	}
	return json_null();
}

json_t *
toml_doc_to_json(const struct toml_doc *doc)
{
	return node_json(doc, 0);
}
