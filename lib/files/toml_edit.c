// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Editing a TOML document: each edit splices the text, touching only the lines
 * it must, and has the parser index just the new bytes. See toml.h.
 */
#include "toml_internal.h"

#include <inttypes.h>
#include <string.h>

/*
 * How an edit changes the index. Instead of indexing the whole text again, an
 * edit shifts the offsets after the splice (one pass over the nodes) and has
 * the parser read just the new bytes, in their place:
 */
enum change_kind {
	CH_REINDEX, /* index the whole text again */
	CH_VALUE,   /* node id's value was rewritten: parse it again */
	CH_KEYVAL,  /* a key-value line was added to section sec; its key starts at at */
	CH_HEADER,  /* a [header] line was added; its '[' is at at */
	CH_REMOVE,  /* node id's key-value line (in a header's table) went away */
};

struct change {
	enum change_kind kind;
	uint32_t id;
	uint32_t sec;
	size_t at;
};

/* Move every offset after text[at, at + del) by ins - del. */
static void
shift(struct toml_doc *doc, size_t at, size_t del, size_t ins)
{
	uint32_t lim = (uint32_t)(at + del), a = (uint32_t)at;
	uint32_t delta = (uint32_t)ins - (uint32_t)del; /* modulo 2^32 */
#define START(x) ((x) != NIL && (x) >= lim ? (x) + delta : (x))
#define END(x)   ((x) != NIL && (x) > a && (x) >= lim ? (x) + delta : (x))
	for (uint32_t i = 1; i < doc->n_nodes; i++) {
		struct toml_node *n = &doc->nodes[i];
		if (n->flags & F_DEAD)
			continue;
		n->off = START(n->off);
		n->end = END(n->end);
		if (stmt_is_offset(n))
			n->stmt = START(n->stmt);
		if (!(n->flags & F_KEY_POOL) && doc->nodes[n->parent].type == TOML_TABLE)
			n->key_off = START(n->key_off);
	}
	for (uint32_t i = 0; i < doc->n_secs; i++) {
		struct toml_section *S = &doc->secs[i];
		if (i) { /* the root section starts where the text does */
			S->start = START(S->start);
			S->hdr_end = END(S->hdr_end);
		}
		S->kv_stmt = START(S->kv_stmt);
		S->kv_end = END(S->kv_end);
	}
#undef START
#undef END
}

/* Mark a node's descendants (and the node itself, with self) dead, out of the hash table. */
static void
kill_subtree(struct toml_doc *doc, uint32_t root, bool self)
{
	uint32_t n = root;
	for (;;) {
		uint32_t c = doc->nodes[n].first;
		if (c && !(doc->nodes[c].flags & F_DEAD)) {
			n = c;
			continue;
		}
		/* n has no live children left: kill it, then go on with its sibling or parent */
		if (n == root)
			break;
		struct toml_node *x = &doc->nodes[n];
		uint32_t parent = x->parent, next = x->next;
		if (doc->nodes[parent].type == TOML_TABLE && doc->nodes[parent].count >= HASH_MIN)
			toml_slots_remove(doc, n);
		x->flags |= F_DEAD;
		doc->nodes[parent].first = next; /* the parent dies too: its list only shrinks */
		n = next ? next : parent;
	}
	struct toml_node *r = &doc->nodes[root];
	r->first = r->last = 0;
	r->count = 0;
	if (self)
		r->flags |= F_DEAD;
}

/* The section holding the text at offset pos: the last one that starts at or before it. */
static uint32_t
section_of(const struct toml_doc *doc, size_t pos)
{
	uint32_t sec = 0;
	for (uint32_t i = 1; i < doc->n_secs && doc->secs[i].start <= pos; i++)
		sec = i;
	return sec;
}

/* Take a node out of its parent's list of children (and the hash table). */
static void
unlink_child(struct toml_doc *doc, uint32_t id)
{
	struct toml_node *x = &doc->nodes[id];
	struct toml_node *p = &doc->nodes[x->parent];
	bool keyed = p->type == TOML_TABLE;
	if (keyed && p->count >= HASH_MIN)
		toml_slots_remove(doc, id);
	uint32_t prev = 0;
	for (uint32_t c = p->first; c != id; c = doc->nodes[c].next)
		prev = c;
	if (prev)
		doc->nodes[prev].next = x->next;
	else
		p->first = x->next;
	if (p->last == id)
		p->last = prev;
	x->next = 0;
	p->count--;
	/* below HASH_MIN keys a table is searched by scanning: its keys leave the hash */
	if (keyed && p->count == HASH_MIN - 1)
		for (uint32_t c = p->first; c; c = doc->nodes[c].next)
			toml_slots_remove(doc, c);
}

/* Where a node first appears: the order of a table's children. */
static uint32_t
node_pos(const struct toml_doc *doc, uint32_t id)
{
	uint32_t pos = NIL;
	for (uint32_t x = id; x; x = doc->nodes[x].first) {
		const struct toml_node *n = &doc->nodes[x];
		uint32_t p = stmt_is_offset(n) && n->stmt != NIL ? n->stmt : n->off;
		if (p < pos)
			pos = p;
		if (stmt_is_offset(n) || n->type != TOML_TABLE)
			break;
	}
	return pos;
}

/* Put the new nodes that hang from old tables in document order among their siblings. */
static void
relink_new(struct toml_doc *doc, uint32_t n_before)
{
	for (uint32_t id = n_before; id < doc->n_nodes; id++) {
		uint32_t parent = doc->nodes[id].parent;
		if (parent >= n_before || doc->nodes[parent].type != TOML_TABLE)
			continue;
		struct toml_node *p = &doc->nodes[parent];
		uint32_t pos = node_pos(doc, id), prev = 0;
		for (uint32_t c = p->first; c != id; c = doc->nodes[c].next)
			prev = c;
		if (p->last == id && (!prev || node_pos(doc, prev) < pos))
			continue; /* appended, and rightly so: the common case */
		if (prev)
			doc->nodes[prev].next = doc->nodes[id].next;
		else
			p->first = doc->nodes[id].next;
		if (p->last == id)
			p->last = prev;
		uint32_t before = 0, c = p->first;
		while (c && node_pos(doc, c) < pos) {
			before = c;
			c = doc->nodes[c].next;
		}
		doc->nodes[id].next = c;
		if (before)
			doc->nodes[before].next = id;
		else
			p->first = id;
		if (!c)
			p->last = id;
	}
}

/* The last key-value line of a section, found again among the nodes. */
static void
section_find_last(struct toml_doc *doc, uint32_t sec)
{
	struct toml_section *S = &doc->secs[sec];
	uint32_t lo = S->start, hi = sec + 1 < doc->n_secs ? doc->secs[sec + 1].start : NIL;
	uint32_t best = 0;
	S->kv_stmt = S->kv_end = NIL;
	for (uint32_t i = 1; i < doc->n_nodes; i++) {
		const struct toml_node *n = &doc->nodes[i];
		const struct toml_node *p = &doc->nodes[n->parent];
		if ((n->flags & F_DEAD) || !stmt_is_offset(n) || n->stmt == NIL ||
		    p->type != TOML_TABLE || (p->flags & F_INLINE) || n->stmt < lo || n->stmt >= hi)
			continue;
		if (!best || n->stmt > doc->nodes[best].stmt)
			best = i;
	}
	if (best) {
		S->kv_stmt = doc->nodes[best].stmt;
		S->kv_end = doc->nodes[best].end;
	}
}

/* Index the spliced text [at, at + ins) as the change says. */
static int
apply_change(struct toml_doc *doc, const struct change *ch, size_t at, size_t del, size_t ins,
             struct gp_error *err)
{
	struct parser ps = {.doc = doc, .s = doc->buf, .len = doc->len, .err = err};
	uint32_t n_before = doc->n_nodes;
	int r = -1;
	/* the whole text was checked when indexed; the new bytes are checked here */
	size_t bad = toml_utf8_check((const unsigned char *)doc->buf + at, ins);
	if (bad < ins) {
		toml_fail(&ps, at + bad, "invalid UTF-8");
		goto out;
	}
	switch (ch->kind) {
	case CH_VALUE: {
		kill_subtree(doc, ch->id, false);
		shift(doc, at, del, ins);
		struct toml_node *n = &doc->nodes[ch->id];
		/*
		 * The value's section, as a parse from scratch sees it: the tables that
		 * dotted keys in an inline table make belong to it.
		 */
		ps.sec = section_of(doc, n->off);
		ps.table = doc->secs[ps.sec].table;
		uint32_t want_end = n->end;
		size_t p = n->off;
		n->type = TOML_NONE;
		n->flags &= F_KEY_POOL;
		if (toml_parse_value(&ps, &p, ch->id) < 0)
			goto out;
		if (p != want_end) {
			toml_fail(&ps, p, "the new value does not end where the old one did");
			goto out;
		}
		break;
	}
	case CH_KEYVAL: {
		shift(doc, at, del, ins);
		size_t p = ch->at;
		ps.sec = ch->sec;
		ps.table = doc->secs[ch->sec].table;
		if (toml_parse_keyval(&ps, &p, ps.table) < 0)
			goto out;
		struct toml_section *S = &doc->secs[ch->sec];
		if (S->kv_stmt == NIL || S->kv_stmt < ch->at) {
			S->kv_stmt = (uint32_t)ch->at;
			S->kv_end = (uint32_t)p;
		}
		if (toml_end_of_line(&ps, &p, "the value") < 0)
			goto out;
		relink_new(doc, n_before);
		break;
	}
	case CH_HEADER: {
		shift(doc, at, del, ins);
		size_t p = ch->at;
		if (toml_parse_header(&ps, &p) < 0 ||
		    toml_end_of_line(&ps, &p, "the table header") < 0)
			goto out;
		/* toml_parse_header() added the section last: move it into document order */
		uint32_t last = doc->n_secs - 1, idx = 1;
		struct toml_section S = doc->secs[last];
		while (idx < last && doc->secs[idx].start < S.start)
			idx++;
		memmove(&doc->secs[idx + 1], &doc->secs[idx], (last - idx) * sizeof(S));
		doc->secs[idx] = S;
		for (uint32_t i = 1; i < doc->n_nodes; i++) {
			struct toml_node *n = &doc->nodes[i];
			if (!(n->flags & F_DEAD) && !stmt_is_offset(n) && n->stmt != NIL &&
			    n->stmt >= idx && i != S.table)
				n->stmt++;
		}
		doc->nodes[S.table].stmt = idx;
		relink_new(doc, n_before);
		break;
	}
	case CH_REMOVE: {
		uint32_t sec = section_of(doc, at);
		bool was_last = doc->secs[sec].kv_stmt == doc->nodes[ch->id].stmt;
		unlink_child(doc, ch->id);
		kill_subtree(doc, ch->id, true);
		shift(doc, at, del, ins);
		if (was_last)
			section_find_last(doc, sec);
		break;
	}
	case CH_REINDEX:
		break;
	}
	r = 0;
out:
	toml_parser_release(&ps);
	return r;
}

/*
 * Replace text[off, off + del) with ins and bring the index up to date, by
 * the change or, failing that, from scratch. When the new text is not valid
 * TOML, put the old one back and fail.
 */
static int
doc_splice(struct toml_doc *doc, size_t off, size_t del, const char *ins, size_t ins_len,
           const struct change *ch, struct gp_error *err)
{
	if (doc->len - del + ins_len > MAX_TEXT)
		return gp_error_set(err, "the document would grow too large");
	_cleanup_free_ char *old = xmalloc(del + 1);
	memcpy(old, doc->buf + off, del);
	doc->buf = toml_region_need(&doc->text, doc->len - del + ins_len + 1);
	memmove(doc->buf + off + ins_len, doc->buf + off + del, doc->len - off - del);
	memcpy(doc->buf + off, ins, ins_len);
	doc->len = doc->len - del + ins_len;
	doc->buf[doc->len] = '\0';
	_cleanup_error_ struct gp_error e = GP_ERROR_INIT;
	if (ch->kind != CH_REINDEX && apply_change(doc, ch, off, del, ins_len, &e) == 0)
		return 0;
	gp_error_release(&e);
	if (toml_doc_index(doc, &e) == 0)
		return 0;
	memmove(doc->buf + off + del, doc->buf + off + ins_len, doc->len - off - ins_len);
	memcpy(doc->buf + off, old, del);
	doc->len = doc->len - ins_len + del;
	doc->buf[doc->len] = '\0';
	_cleanup_error_ struct gp_error e2 = GP_ERROR_INIT;
	toml_doc_index(doc, &e2);
	return gp_error_set(err, "the edit would make the document invalid: %s", e.msg);
}

static const char *
doc_eol(const struct toml_doc *doc)
{
	const char *nl = memchr(doc->buf, '\n', doc->len);
	return nl && nl > doc->buf && nl[-1] == '\r' ? "\r\n" : "\n";
}

static size_t
line_start(const struct toml_doc *doc, size_t off)
{
	while (off > doc->bom && doc->buf[off - 1] != '\n')
		off--;
	return off;
}

/* From the end of a value or header: past the rest of its line and its newline. */
static size_t
line_end_after(const struct toml_doc *doc, size_t off)
{
	const char *s = doc->buf;
	while (off < doc->len && s[off] != '\n')
		off++;
	return off < doc->len ? off + 1 : off;
}

static bool
line_is_blank(const struct toml_doc *doc, size_t ls)
{
	size_t p = skip_ws(doc->buf, ls);
	return doc->buf[p] == '\n' || (doc->buf[p] == '\r' && doc->buf[p + 1] == '\n');
}

/* The start of the comment lines directly above the line at ls, or ls. */
static size_t
block_start(const struct toml_doc *doc, size_t ls)
{
	while (ls > doc->bom) {
		size_t prev = line_start(doc, ls - 1);
		if (doc->buf[skip_ws(doc->buf, prev)] != '#')
			break;
		ls = prev;
	}
	return ls;
}

/* The line before the one at ls is blank (or there is none). */
static bool
blank_before(const struct toml_doc *doc, size_t ls)
{
	return ls <= doc->bom || line_is_blank(doc, line_start(doc, ls - 1));
}

static void
add_indent(struct sbuf *b, const struct toml_doc *doc, size_t off)
{
	size_t ls = line_start(doc, off);
	sb_add(b, doc->buf + ls, off - ls);
}

/* What sub-tables add to their parent header's indentation, and whether a blank line leads. */
static void
child_style(const struct toml_doc *doc, struct sbuf *delta, bool *ret_blank)
{
	*ret_blank = true;
	for (uint32_t i = 1; i < doc->n_secs; i++) {
		uint32_t t = doc->secs[i].table;
		uint32_t keyed = doc->nodes[doc->nodes[t].parent].type == TOML_ARRAY
		                         ? doc->nodes[t].parent
		                         : t;
		const struct toml_node *pp = &doc->nodes[doc->nodes[keyed].parent];
		if (doc->nodes[keyed].parent == 0 || !(pp->flags & F_HEADER) || pp->stmt == NIL ||
		    pp->stmt == 0)
			continue;
		size_t ps = doc->secs[pp->stmt].start, cs = doc->secs[i].start;
		size_t pl = ps - line_start(doc, ps), cl = cs - line_start(doc, cs);
		if (cl >= pl &&
		    memcmp(doc->buf + line_start(doc, ps), doc->buf + line_start(doc, cs), pl) == 0)
			sb_add(delta, doc->buf + line_start(doc, cs) + pl, cl - pl);
		*ret_blank = blank_before(doc, block_start(doc, line_start(doc, cs)));
		return;
	}
}

/* What key-value lines add to their header's indentation. */
static void
kv_delta(const struct toml_doc *doc, struct sbuf *delta)
{
	for (uint32_t i = 1; i < doc->n_secs; i++) {
		const struct toml_section *sec = &doc->secs[i];
		if (sec->kv_stmt == NIL)
			continue;
		size_t hl = line_start(doc, sec->start), kl = line_start(doc, sec->kv_stmt);
		size_t hn = sec->start - hl, kn = sec->kv_stmt - kl;
		if (kn >= hn && memcmp(doc->buf + hl, doc->buf + kl, hn) == 0)
			sb_add(delta, doc->buf + kl + hn, kn - hn);
		return;
	}
}

/* Add a line "key = value" to a section, after its last key-value line. */
static int
section_insert(struct toml_doc *doc, uint32_t sec, const char *key, const char *val,
               struct gp_error *err)
{
	const struct toml_section *S = &doc->secs[sec];
	const char *eol = doc_eol(doc);
	struct sbuf b = {0};
	size_t pos;
	bool blank_after = false;
	sb_grow(&b, 0);
	if (S->kv_stmt != NIL) {
		add_indent(&b, doc, S->kv_stmt);
		pos = line_end_after(doc, S->kv_end);
	} else if (sec == 0) {
		if (doc->n_secs > 1) {
			pos = block_start(doc, line_start(doc, doc->secs[1].start));
			blank_after = true;
		} else {
			pos = doc->len;
		}
	} else {
		add_indent(&b, doc, S->start);
		kv_delta(doc, &b);
		pos = line_end_after(doc, S->hdr_end);
	}
	bool open_line = pos == doc->len && doc->len > doc->bom && doc->buf[doc->len - 1] != '\n';
	struct sbuf t = {0};
	if (open_line)
		sb_adds(&t, eol);
	sb_add(&t, b.p, b.len);
	struct change ch = {.kind = CH_KEYVAL, .sec = sec, .at = pos + t.len};
	sb_addf(&t, "%s = %s", key, val);
	if (!open_line)
		sb_adds(&t, eol);
	if (blank_after) /* keep the first header's block apart from the root's keys */
		sb_adds(&t, eol);
	sb_release(&b);
	int r = doc_splice(doc, pos, 0, t.p, t.len, &ch, err);
	sb_release(&t);
	return r < 0 ? -1 : 1;
}

/* The keys from an inline table's braces (or a section's table) down to id, as dotted text. */
static void
rel_key(const struct toml_doc *doc, uint32_t from, uint32_t id, struct sbuf *b)
{
	uint32_t chain[MAX_DEPTH + 1];
	size_t n = 0;
	for (uint32_t x = id; x != from && x; x = doc->nodes[x].parent)
		chain[n++] = x;
	while (n--) {
		const struct toml_node *x = &doc->nodes[chain[n]];
		toml_fmt_key(b, node_key(doc, x), x->key_len);
		sb_addc(b, '.');
	}
}

static void
rest_key(const char *const *rest, struct sbuf *b)
{
	for (size_t i = 0; rest[i]; i++) {
		if (i)
			sb_addc(b, '.');
		toml_fmt_key(b, rest[i], strlen(rest[i]));
	}
}

/* Add "key = value" inside the braces of the inline table that holds table t. */
static int
inline_insert(struct toml_doc *doc, uint32_t t, const char *const *rest, const char *val,
              struct gp_error *err)
{
	uint32_t r = t;
	while (!(doc->nodes[r].flags & F_INLINE_ROOT))
		r = doc->nodes[r].parent;
	struct sbuf k = {0};
	sb_grow(&k, 0);
	rel_key(doc, r, t, &k);
	rest_key(rest, &k);
	const struct toml_node *R = &doc->nodes[r];
	struct sbuf text = {0};
	struct change ch = {.kind = CH_VALUE, .id = r};
	int ret;
	if (!R->count) {
		sb_addf(&text, " %s = %s ", k.p, val);
		ret = doc_splice(doc, R->off + 1, R->end - R->off - 2, text.p, text.len, &ch, err);
	} else {
		size_t q = R->end - 1;
		while (q > R->off && is_ws(doc->buf[q - 1]))
			q--;
		sb_addf(&text, ", %s = %s", k.p, val);
		ret = doc_splice(doc, q, 0, text.p, text.len, &ch, err);
	}
	sb_release(&k);
	sb_release(&text);
	return ret < 0 ? -1 : 1;
}

static bool
is_descendant(const struct toml_doc *doc, uint32_t t, uint32_t ancestor)
{
	if (ancestor == 0)
		return true;
	for (uint32_t x = t; x; x = doc->nodes[x].parent)
		if (x == ancestor)
			return true;
	return false;
}

/* Indentation and the leading blank line for a new header, like its siblings'. */
static void
header_style(const struct toml_doc *doc, uint32_t parent, bool direct, size_t fallback,
             struct sbuf *indent, bool *ret_blank)
{
	if (direct) {
		uint32_t last = 0;
		for (uint32_t i = 1; i < doc->n_secs; i++) {
			uint32_t t = doc->secs[i].table;
			if (doc->nodes[doc->nodes[t].parent].type == TOML_ARRAY)
				t = doc->nodes[t].parent;
			if (doc->nodes[t].parent == parent)
				last = i;
		}
		if (last) {
			size_t st = doc->secs[last].start;
			add_indent(indent, doc, st);
			*ret_blank = blank_before(doc, block_start(doc, line_start(doc, st)));
			return;
		}
	}
	if (fallback != NIL) {
		add_indent(indent, doc, fallback);
		*ret_blank = false;
		return;
	}
	uint32_t h = parent;
	while (h && !(doc->nodes[h].type == TOML_TABLE && (doc->nodes[h].flags & F_HEADER)))
		h = doc->nodes[h].parent;
	if (!h) {
		*ret_blank = true;
		return;
	}
	add_indent(indent, doc, doc->secs[doc->nodes[h].stmt].start);
	child_style(doc, indent, ret_blank);
}

/* True when s can be a literal string: one line, no single quote, no control character. */
static bool
literal_ok(const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (s[i] == '\'' || s[i] == 0x7F || ((unsigned char)s[i] < 0x20 && s[i] != '\t'))
			return false;
	return true;
}

/* A string as a literal string when lit and it can be one, else as a basic string. */
static void
fmt_string_as(struct sbuf *b, const char *s, size_t n, bool lit)
{
	if (!lit || !literal_ok(s, n)) {
		toml_fmt_string(b, s, n);
		return;
	}
	sb_grow(b, n + 2);
	sb_addc(b, '\'');
	sb_add(b, s, n);
	sb_addc(b, '\'');
}

static void
fmt_key_as(struct sbuf *b, const char *k, size_t n, bool lit)
{
	struct sbuf t = {0};
	toml_fmt_key(&t, k, n);
	if (lit && t.len && t.p[0] == '"') /* not a bare key */
		fmt_string_as(b, k, n, true);
	else
		sb_add(b, t.p, t.len);
	sb_release(&t);
}

/*
 * The file's quote style: true when its strings are all literal ('...'), as in containerd
 * 2.x's `config default` and the EKS AMI's files; then new strings and quoted keys are
 * written that way too.
 */
static bool
doc_literal_style(const struct toml_doc *doc)
{
	size_t lit = 0;
	for (uint32_t i = 1; i < doc->n_nodes; i++) {
		const struct toml_node *x = &doc->nodes[i];
		if (x->type != TOML_STRING || x->off >= doc->len)
			continue;
		if (doc->buf[x->off] == '"')
			return false;
		lit += doc->buf[x->off] == '\'';
	}
	return lit > 0;
}

/* A key path as the file would write it (see doc_literal_style). */
static char *
doc_path_format(const struct toml_doc *doc, const char *const *path)
{
	bool lit = doc_literal_style(doc);
	struct sbuf b = {0};
	sb_grow(&b, 0);
	b.p[0] = '\0';
	for (size_t i = 0; path[i]; i++) {
		if (i)
			sb_addc(&b, '.');
		fmt_key_as(&b, path[i], strlen(path[i]), lit);
	}
	return b.p;
}

/*
 * Past the comment lines that directly follow a table's last line (pos, a line start) when a
 * blank line or the end closes them: they are that table's (commented-out keys, say). A
 * comment block that runs into the next header is that header's, so pos stays before it.
 */
static size_t
past_trailing_comments(const struct toml_doc *doc, size_t pos)
{
	size_t p = pos;
	while (p < doc->len) {
		size_t q = p;
		while (q < doc->len && (doc->buf[q] == ' ' || doc->buf[q] == '\t'))
			q++;
		if (q >= doc->len || doc->buf[q] != '#')
			break;
		while (q < doc->len && doc->buf[q] != '\n')
			q++;
		p = q < doc->len ? q + 1 : q;
	}
	if (p == pos)
		return pos;
	size_t q = p;
	while (q < doc->len && (doc->buf[q] == ' ' || doc->buf[q] == '\t' || doc->buf[q] == '\r'))
		q++;
	return q >= doc->len || doc->buf[q] == '\n' ? p : pos;
}

static size_t
section_end(const struct toml_doc *doc, uint32_t sec)
{
	const struct toml_section *S = &doc->secs[sec];
	return line_end_after(doc, S->kv_stmt != NIL ? S->kv_end : S->hdr_end);
}

/* A new [path] header for a table below table e, which exists. */
static int
header_insert(struct toml_doc *doc, uint32_t e, const char *const *path, size_t n,
              struct gp_error *err)
{
	const char *eol = doc_eol(doc);
	size_t depth = 0;
	while (path[depth])
		depth++;
	uint32_t last = 0;
	for (uint32_t i = 1; i < doc->n_secs; i++)
		if (is_descendant(doc, doc->secs[i].table, e))
			last = i;
	size_t pos;
	if (last)
		pos = past_trailing_comments(doc, section_end(doc, last));
	else if (e && doc->nodes[e].stmt != NIL)
		pos = past_trailing_comments(doc, section_end(doc, doc->nodes[e].stmt));
	else
		pos = doc->len;
	struct sbuf indent = {0};
	sb_grow(&indent, 0);
	bool blank;
	header_style(doc, e, n + 1 == depth, NIL, &indent, &blank);
	bool open_line = pos == doc->len && doc->len > doc->bom && doc->buf[doc->len - 1] != '\n';
	struct sbuf t = {0};
	if (open_line)
		sb_adds(&t, eol);
	if (blank && pos > doc->bom && (open_line || !blank_before(doc, pos)))
		sb_adds(&t, eol);
	_cleanup_free_ char *key = doc_path_format(doc, path);
	struct change ch = {.kind = CH_HEADER, .at = pos + t.len + indent.len};
	sb_addf(&t, "%s[%s]", indent.p, key);
	if (!open_line)
		sb_adds(&t, eol);
	int r = doc_splice(doc, pos, 0, t.p, t.len, &ch, err);
	sb_release(&indent);
	sb_release(&t);
	return r < 0 ? -1 : 1;
}

/* A header for a table that deeper headers only imply: just before the first of them. */
static int
header_for_implicit(struct toml_doc *doc, uint32_t id, const char *const *path,
                    struct gp_error *err)
{
	uint32_t first = 0;
	for (uint32_t i = 1; i < doc->n_secs && !first; i++)
		if (is_descendant(doc, doc->secs[i].table, id))
			first = i;
	if (!first)
		return gp_error_set(err, "internal error: implicit table without sub-tables");
	struct sbuf t = {0};
	sb_grow(&t, 0);
	bool blank;
	header_style(doc, doc->nodes[id].parent, true, doc->secs[first].start, &t, &blank);
	_cleanup_free_ char *key = doc_path_format(doc, path);
	size_t pos = block_start(doc, line_start(doc, doc->secs[first].start));
	struct change ch = {.kind = CH_HEADER, .at = pos + t.len};
	sb_addf(&t, "[%s]%s", key, doc_eol(doc));
	int r = doc_splice(doc, pos, 0, t.p, t.len, &ch, err);
	sb_release(&t);
	return r < 0 ? -1 : 1;
}

int
toml_table_create(struct toml_doc *doc, const char *const *path, struct gp_error *err)
{
	if (!path[0])
		return 0;
	size_t n;
	uint32_t id = toml_walk(doc, path, &n);
	const struct toml_node *node = &doc->nodes[id];
	_cleanup_free_ char *p = toml_path_format(path);
	if (!path[n]) {
		if (node->type == TOML_TABLE)
			return node->flags & F_IMPLICIT ? header_for_implicit(doc, id, path, err)
			                                : 0;
		if (node->type == TOML_ARRAY && (node->flags & F_AOT))
			return gp_error_set(
			        err, "cannot create table '%s': it is an array of tables", p);
		return gp_error_set(err, "cannot create table '%s': it is %s", p,
		                    toml_type_name((enum toml_type)node->type));
	}
	if (node->type != TOML_TABLE) {
		_cleanup_free_ char *pre = toml_path_prefix_format(path, n);
		_cleanup_free_ char *ctx = xasprintf("cannot create table '%s'", p);
		return toml_type_error(doc, id, ctx, pre, "a table", err);
	}
	if (node->flags & F_INLINE)
		return inline_insert(doc, id, path + n, "{}", err);
	return header_insert(doc, id, path, n, err);
}

/* What a set writes, and how to tell whether the key already holds it. */
struct newval {
	enum toml_type type; /* TOML_NONE: raw text, compared byte for byte */
	const char *str;
	bool b;
	int64_t i;
	const char *const *strv;
};

static bool
string_equals(const struct toml_doc *doc, const struct toml_node *n, const char *s)
{
	if (n->type != TOML_STRING)
		return false;
	struct sbuf b = {0};
	sb_grow(&b, n->end - n->off);
	toml_decode_string(doc->buf, n->off, n->end, &b);
	bool eq = b.len == strlen(s) && memcmp(b.p, s, b.len) == 0;
	sb_release(&b);
	return eq;
}

static bool
value_equals(const struct toml_doc *doc, const struct toml_node *n, const struct newval *v,
             const char *text)
{
	switch (v->type) {
	case TOML_STRING:
		return string_equals(doc, n, v->str);
	case TOML_BOOL:
		return n->type == TOML_BOOL && (doc->buf[n->off] == 't') == v->b;
	case TOML_INTEGER: {
		int64_t x;
		return n->type == TOML_INTEGER && toml_int_value(doc->buf, n->off, n->end, &x) &&
		       x == v->i;
	}
	case TOML_ARRAY: {
		if (n->type != TOML_ARRAY || (n->flags & F_AOT))
			return false;
		size_t i = 0;
		for (uint32_t c = n->first; c; c = doc->nodes[c].next, i++)
			if (!v->strv[i] || !string_equals(doc, &doc->nodes[c], v->strv[i]))
				return false;
		return !v->strv[i];
	}
	default:
		return n->end - n->off == strlen(text) &&
		       memcmp(doc->buf + n->off, text, n->end - n->off) == 0;
	}
}

static int
set_value(struct toml_doc *doc, const char *const *path, const struct newval *v, const char *text,
          struct gp_error *err)
{
	if (!path[0])
		return gp_error_set(err, "cannot set a value without a key");
	for (int attempt = 0; attempt < 3; attempt++) {
		size_t n;
		uint32_t id = toml_walk(doc, path, &n);
		const struct toml_node *node = &doc->nodes[id];
		_cleanup_free_ char *p = toml_path_format(path);
		if (!path[n]) {
			if ((node->type == TOML_TABLE && !(node->flags & F_INLINE_ROOT)) ||
			    (node->type == TOML_ARRAY && (node->flags & F_AOT)))
				return gp_error_set(err, "cannot set '%s': it is %s", p,
				                    node->type == TOML_TABLE
				                            ? "a table"
				                            : "an array of tables");
			if (value_equals(doc, node, v, text))
				return 0;
			struct change ch = {.kind = CH_VALUE, .id = id};
			if (doc_splice(doc, node->off, node->end - node->off, text, strlen(text),
			               &ch, err) < 0)
				return -1;
			return 1;
		}
		if (node->type != TOML_TABLE) {
			_cleanup_free_ char *pre = toml_path_prefix_format(path, n);
			_cleanup_free_ char *ctx = xasprintf("cannot set '%s'", p);
			return toml_type_error(doc, id, ctx, pre, "a table", err);
		}
		if (node->flags & F_INLINE)
			return inline_insert(doc, id, path + n, text, err);
		if (node->flags & F_DOTTED) {
			struct sbuf k = {0};
			sb_grow(&k, 0);
			uint32_t sec = node->stmt;
			rel_key(doc, doc->secs[sec].table, id, &k);
			rest_key(path + n, &k);
			int r = section_insert(doc, sec, k.p, text, err);
			sb_release(&k);
			return r;
		}
		if (path[n + 1]) {
			/* more than one key missing: create the table that holds the last */
			size_t len = n;
			while (path[len])
				len++;
			_cleanup_free_ const char **pre = xcalloc(len, sizeof(char *));
			memcpy(pre, path, (len - 1) * sizeof(char *));
			if (toml_table_create(doc, pre, err) < 0)
				return -1;
			continue;
		}
		if (node->flags & F_IMPLICIT) {
			_cleanup_free_ const char **pre = xcalloc(n + 1, sizeof(char *));
			memcpy(pre, path, n * sizeof(char *));
			if (header_for_implicit(doc, id, pre, err) < 0)
				return -1;
			continue;
		}
		/* a table with a header, or the root */
		struct sbuf k = {0};
		fmt_key_as(&k, path[n], strlen(path[n]), doc_literal_style(doc));
		int r = section_insert(doc, id ? node->stmt : 0, k.p, text, err);
		sb_release(&k);
		return r;
	}
	return gp_error_set(err, "internal error: cannot place '%s'", path[0]);
}

int
toml_set_string(struct toml_doc *doc, const char *const *path, const char *value,
                struct gp_error *err)
{
	/* As the value it replaces is written, else in the file's style. */
	size_t n;
	uint32_t id = toml_walk(doc, path, &n);
	bool lit = !path[n] && doc->nodes[id].type == TOML_STRING
	                   ? doc->buf[doc->nodes[id].off] == '\''
	                   : doc_literal_style(doc);
	struct sbuf t = {0};
	fmt_string_as(&t, value, strlen(value), lit);
	struct newval v = {.type = TOML_STRING, .str = value};
	int r = set_value(doc, path, &v, t.p, err);
	sb_release(&t);
	return r;
}

int
toml_set_bool(struct toml_doc *doc, const char *const *path, bool value, struct gp_error *err)
{
	struct newval v = {.type = TOML_BOOL, .b = value};
	return set_value(doc, path, &v, value ? "true" : "false", err);
}

int
toml_set_int(struct toml_doc *doc, const char *const *path, int64_t value, struct gp_error *err)
{
	char t[32];
	snprintf(t, sizeof(t), "%" PRId64, value);
	struct newval v = {.type = TOML_INTEGER, .i = value};
	return set_value(doc, path, &v, t, err);
}

int
toml_set_strv(struct toml_doc *doc, const char *const *path, const char *const *values,
              struct gp_error *err)
{
	struct sbuf t = {0};
	sb_addc(&t, '[');
	for (size_t i = 0; values[i]; i++) {
		if (i)
			sb_adds(&t, ", ");
		toml_fmt_string(&t, values[i], strlen(values[i]));
	}
	sb_addc(&t, ']');
	struct newval v = {.type = TOML_ARRAY, .strv = values};
	int r = set_value(doc, path, &v, t.p, err);
	sb_release(&t);
	return r;
}

int
toml_set_raw(struct toml_doc *doc, const char *const *path, const char *value, struct gp_error *err)
{
	/* Check the value alone first, for a message about it rather than the document. */
	_cleanup_free_ char *probe = xasprintf("x = %s", value);
	_cleanup_error_ struct gp_error e = GP_ERROR_INIT;
	struct toml_doc *tmp = NULL;
	if (toml_doc_parse(probe, strlen(probe), &tmp, &e) < 0)
		return gp_error_set(err, "invalid TOML value '%s': %s", value, e.msg);
	bool single =
	        tmp->nodes[0].count == 1 && tmp->nodes[tmp->nodes[0].first].end == strlen(probe);
	toml_doc_free(tmp);
	if (!single)
		return gp_error_set(err, "invalid TOML value '%s': not a single value", value);
	struct newval v = {.type = TOML_NONE};
	return set_value(doc, path, &v, value, err);
}

int
toml_set_raw_parsed(struct toml_doc *doc, const char *const *path, const char *value,
                    struct gp_error *err)
{
	struct newval v = {.type = TOML_NONE};
	return set_value(doc, path, &v, value, err);
}

int
toml_delete(struct toml_doc *doc, const char *const *path, struct gp_error *err)
{
	if (!path[0])
		return 0;
	size_t n;
	uint32_t id = toml_walk(doc, path, &n);
	if (path[n])
		return 0;
	const struct toml_node *node = &doc->nodes[id];
	if ((node->type == TOML_TABLE && !(node->flags & F_INLINE_ROOT)) ||
	    (node->type == TOML_ARRAY && (node->flags & F_AOT))) {
		_cleanup_free_ char *p = toml_path_format(path);
		return gp_error_set(err, "cannot delete '%s': it is %s; only keys can be deleted",
		                    p, node->type == TOML_TABLE ? "a table" : "an array of tables");
	}
	const char *s = doc->buf;
	size_t from, to;
	struct change ch = {.kind = CH_REMOVE, .id = id};
	if (doc->nodes[node->parent].flags & F_INLINE) {
		/* inside braces: parse the inline table again */
		ch.kind = CH_VALUE;
		ch.id = node->parent;
		while (!(doc->nodes[ch.id].flags & F_INLINE_ROOT))
			ch.id = doc->nodes[ch.id].parent;
		size_t q = skip_ws(s, node->end);
		from = node->stmt;
		to = node->end;
		if (s[q] == ',') {
			to = skip_ws(s, q + 1);
		} else {
			size_t r = from;
			while (r > 0 && is_ws(s[r - 1]))
				r--;
			if (s[r - 1] == ',')
				from = r - 1;
		}
	} else {
		from = line_start(doc, node->stmt);
		to = line_end_after(doc, node->end);
		/* a table made by dotted keys may go with the line, or change its kind */
		if (!(doc->nodes[node->parent].flags & F_HEADER))
			ch.kind = CH_REINDEX;
	}
	if (doc_splice(doc, from, to - from, "", 0, &ch, err) < 0)
		return -1;
	return 1;
}
