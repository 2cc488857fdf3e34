// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * TOML 1.0: a validating parser that indexes spans of one buffer, and an
 * editor that splices that buffer. See toml.h.
 *
 * The index: every table, array and value is a node in one array. A node
 * names its bytes ([off, end) in the text), its parent, its children (a
 * linked list, in document order) and its decoded key: bytes in the text
 * when the key has no escapes, else bytes in a side pool. One open-addressing
 * hash table maps (parent, key) to the child for the whole document. A
 * section is the run of lines under one [header] (section 0 is the root's):
 * it remembers its header's span and its last key-value line, which is where
 * new keys go.
 */
#include "toml.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <locale.h>
#include <math.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>

#ifndef MADV_POPULATE_WRITE
#define MADV_POPULATE_WRITE 23
#endif

#define NIL UINT32_MAX
/* Tables with fewer keys are searched along their list of children, not hashed. */
#define HASH_MIN 8
/* Deeper nesting than this (tables, arrays and inline tables together) is refused. */
#define MAX_DEPTH 1000
/* Offsets are 32-bit; leave room for edits. */
#define MAX_TEXT (UINT32_MAX - 4096)

enum {
	F_IMPLICIT = 1 << 0,    /* table implied by a deeper [a.b.c] header */
	F_HEADER = 1 << 1,      /* table defined by its own [header] (or a [[header]] element) */
	F_DOTTED = 1 << 2,      /* table defined by dotted keys */
	F_INLINE = 1 << 3,      /* table inside an inline table: closed to additions */
	F_INLINE_ROOT = 1 << 4, /* the { ... } value itself */
	F_AOT = 1 << 5,         /* array made by [[header]] */
	F_KEY_POOL = 1 << 6,    /* the decoded key lives in the pool */
	F_DEAD = 1 << 7,        /* removed by an edit: a hole in the node array */
};

struct toml_node {
	uint32_t parent;
	uint32_t next;  /* next sibling; 0 at the end (the root is nobody's child) */
	uint32_t first; /* children, in document order */
	uint32_t last;
	uint32_t count;
	uint32_t key_off; /* decoded key, in the text or (F_KEY_POOL) in the pool */
	uint32_t key_len;
	uint32_t hash;
	uint32_t off; /* value: its text [off, end); header table: the header's text */
	uint32_t end;
	uint32_t stmt; /* key-value: offset of its first key; header or dotted table: section */
	uint16_t depth;
	uint8_t type;
	uint8_t flags;
};

struct toml_section {
	uint32_t table;   /* 0 for the root section */
	uint32_t start;   /* offset of '[' (the root: after any BOM) */
	uint32_t hdr_end; /* just past the closing bracket(s) */
	uint32_t kv_stmt; /* the last key-value line: offset of its first key, or NIL */
	uint32_t kv_end;  /* and the end of its value */
};

/*
 * The text, the nodes and the hash slots each live in a mapping of their own
 * whose used part is populated ahead of use, a range per call. On some
 * virtual machines the first touch of a page costs tens of microseconds (a
 * trap to the hypervisor), more than parsing the bytes on it.
 */
struct region {
	char *p;
	size_t cap; /* bytes mapped */
	size_t pop; /* bytes populated */
	bool exact; /* populate what is asked for; else an eighth more, for growing arrays */
};

struct toml_doc {
	struct region text, node_mem, slot_mem;
	char *buf; /* text.p: the text, NUL-terminated (the NUL is a sentinel, not part of it) */
	size_t len;
	size_t bom; /* 3 when the text starts with a UTF-8 byte order mark */

	struct toml_node *nodes;
	uint32_t n_nodes, cap_nodes;
	uint64_t *slots; /* hash table of keyed nodes: hash << 32 | node; 0 is empty */
	uint32_t n_slots, n_keyed;
	char *pool;
	size_t pool_len, pool_cap;
	struct toml_section *secs;
	uint32_t n_secs, cap_secs;
};

/* A growable byte string. */
struct sbuf {
	char *p;
	size_t len, cap;
};

static void
sb_grow(struct sbuf *b, size_t n)
{
	if (b->len + n + 1 <= b->cap)
		return;
	size_t cap = b->cap ? b->cap : 64;
	while (cap < b->len + n + 1)
		cap *= 2;
	b->p = xrealloc(b->p, cap);
	b->cap = cap;
	b->p[b->len] = '\0';
}

static void
sb_add(struct sbuf *b, const char *s, size_t n)
{
	sb_grow(b, n);
	memcpy(b->p + b->len, s, n);
	b->len += n;
	b->p[b->len] = '\0';
}

static void
sb_adds(struct sbuf *b, const char *s)
{
	sb_add(b, s, strlen(s));
}

static void
sb_addc(struct sbuf *b, char c)
{
	sb_add(b, &c, 1);
}

static void _printf_(2, 3) sb_addf(struct sbuf *b, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	_cleanup_free_ char *s = xvasprintf(fmt, ap);
	va_end(ap);
	sb_adds(b, s);
}

static void
sb_add_utf8(struct sbuf *b, uint32_t cp)
{
	char u[4];
	size_t n;
	if (cp < 0x80) {
		u[0] = (char)cp;
		n = 1;
	} else if (cp < 0x800) {
		u[0] = (char)(0xC0 | (cp >> 6));
		u[1] = (char)(0x80 | (cp & 0x3F));
		n = 2;
	} else if (cp < 0x10000) {
		u[0] = (char)(0xE0 | (cp >> 12));
		u[1] = (char)(0x80 | ((cp >> 6) & 0x3F));
		u[2] = (char)(0x80 | (cp & 0x3F));
		n = 3;
	} else {
		u[0] = (char)(0xF0 | (cp >> 18));
		u[1] = (char)(0x80 | ((cp >> 12) & 0x3F));
		u[2] = (char)(0x80 | ((cp >> 6) & 0x3F));
		u[3] = (char)(0x80 | (cp & 0x3F));
		n = 4;
	}
	sb_add(b, u, n);
}

static void
sb_release(struct sbuf *b)
{
	free(b->p);
	*b = (struct sbuf){0};
}

static locale_t
c_locale(void)
{
	static locale_t loc;
	if (!loc)
		loc = newlocale(LC_ALL_MASK, "C", (locale_t)0);
	return loc;
}

/* ---- characters ---- */

static inline bool
is_ws(int c)
{
	return c == ' ' || c == '\t';
}

static inline bool
is_digit(int c)
{
	return c >= '0' && c <= '9';
}

static inline bool
is_bare(int c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || is_digit(c) || c == '_' ||
	       c == '-';
}

/* Characters a bare value (number, bool, date-time) may hold. */
static inline bool
is_tok(int c)
{
	return is_bare(c) || c == '+' || c == '.' || c == ':';
}

/* The one-letter escapes of basic strings: pairs of the letter and what it stands for. */
static const char escapes[] = "b\bt\tn\nf\fr\r\"\"\\\\";

/* What \letter stands for, or 0 when it is not a one-letter escape. */
static char
escape_char(char letter)
{
	for (size_t i = 0; escapes[i]; i += 2)
		if (escapes[i] == letter)
			return escapes[i + 1];
	return 0;
}

/* The letter that escapes c, or 0. */
static char
escape_letter(char c)
{
	for (size_t i = 0; escapes[i]; i += 2)
		if (escapes[i + 1] == c)
			return escapes[i];
	return 0;
}

static inline size_t
skip_ws(const char *s, size_t p)
{
	while (is_ws(s[p]))
		p++;
	return p;
}

/* Offset of the first byte that is not valid UTF-8 (overlongs and surrogates included), or len. */
static size_t
utf8_check(const unsigned char *s, size_t len)
{
	size_t i = 0;
	while (i < len) {
		if (i + 8 <= len) {
			uint64_t w;
			memcpy(&w, s + i, 8);
			if (!(w & 0x8080808080808080ULL)) {
				i += 8;
				continue;
			}
		}
		unsigned char c = s[i];
		if (c < 0x80) {
			i++;
			continue;
		}
		size_t n;
		uint32_t cp;
		if (c >= 0xC2 && c <= 0xDF) {
			n = 1;
			cp = c & 0x1F;
		} else if (c >= 0xE0 && c <= 0xEF) {
			n = 2;
			cp = c & 0x0F;
		} else if (c >= 0xF0 && c <= 0xF4) {
			n = 3;
			cp = c & 0x07;
		} else {
			return i;
		}
		if (i + n >= len)
			return i;
		for (size_t k = 1; k <= n; k++) {
			if ((s[i + k] & 0xC0) != 0x80)
				return i;
			cp = (cp << 6) | (s[i + k] & 0x3F);
		}
		if (n == 2 && (cp < 0x800 || (cp >= 0xD800 && cp <= 0xDFFF)))
			return i;
		if (n == 3 && (cp < 0x10000 || cp > 0x10FFFF))
			return i;
		i += n + 1;
	}
	return len;
}

static size_t
round_up(size_t n, size_t to)
{
	return (n + to - 1) / to * to;
}

/* Make bytes [0, n) of a region usable, keeping their contents; returns its (moved?) base. */
static void *
region_need(struct region *r, size_t n)
{
	if (n > r->cap) {
		size_t cap = r->cap ? r->cap : 65536;
		while (cap < n)
			cap *= 2;
		void *p = r->p ? mremap(r->p, r->cap, cap, MREMAP_MAYMOVE)
		               : mmap(NULL, cap, PROT_READ | PROT_WRITE,
		                      MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
		if (p == MAP_FAILED)
			xmalloc(SIZE_MAX); /* the one way lib/ fails on memory: abort */
		r->p = p;
		r->cap = cap;
	}
	if (n > r->pop) {
		/* an eighth more than asked, for growing arrays; the text asks for its size */
		size_t pop = round_up(r->exact ? n : n + n / 8, 16384);
		if (pop > r->cap)
			pop = r->cap;
		/* Best effort: without it (before Linux 5.14) pages fault in on first use. */
		madvise(r->p + r->pop, pop - r->pop, MADV_POPULATE_WRITE);
		r->pop = pop;
	}
	return r->p;
}

static void
region_free(struct region *r)
{
	if (r->p)
		munmap(r->p, r->cap);
	*r = (struct region){.exact = r->exact};
}

/* ---- the index ---- */

static inline const char *
node_key(const struct toml_doc *doc, const struct toml_node *n)
{
	return (n->flags & F_KEY_POOL ? doc->pool : doc->buf) + n->key_off;
}

static uint32_t
hash_bytes(const char *s, size_t n)
{
	uint32_t h = 2166136261u;
	for (size_t i = 0; i < n; i++)
		h = (h ^ (unsigned char)s[i]) * 16777619u;
	return h;
}

static inline uint32_t
hash_mix(uint32_t h, uint32_t parent)
{
	h ^= parent * 0x9E3779B1u;
	h ^= h >> 16;
	h *= 0x85EBCA6Bu;
	h ^= h >> 13;
	return h;
}

static void
slots_put(struct toml_doc *doc, uint64_t v)
{
	uint32_t mask = doc->n_slots - 1;
	uint32_t i = (uint32_t)(v >> 32) & mask;
	while (doc->slots[i])
		i = (i + 1) & mask;
	doc->slots[i] = v;
}

static void
slots_insert(struct toml_doc *doc, uint32_t id)
{
	if ((doc->n_keyed + 1) * 2 > doc->n_slots) {
		struct region old = doc->slot_mem;
		uint32_t n_old = doc->n_slots, n = n_old ? n_old * 2 : 1024;
		doc->slot_mem = (struct region){0};
		doc->slots = region_need(&doc->slot_mem, n * sizeof(*doc->slots));
		doc->n_slots = n;
		for (uint32_t i = 0; i < n_old; i++)
			if (((uint64_t *)old.p)[i])
				slots_put(doc, ((uint64_t *)old.p)[i]);
		region_free(&old);
	}
	slots_put(doc, (uint64_t)doc->nodes[id].hash << 32 | id);
	doc->n_keyed++;
}

/* Take a node out of the hash table, if it is there (backward-shift deletion). */
static void
slots_remove(struct toml_doc *doc, uint32_t id)
{
	if (!doc->n_slots)
		return;
	uint32_t mask = doc->n_slots - 1;
	uint32_t i = doc->nodes[id].hash & mask;
	while (doc->slots[i] && (uint32_t)doc->slots[i] != id)
		i = (i + 1) & mask;
	if (!doc->slots[i])
		return;
	for (uint32_t j = i;;) {
		j = (j + 1) & mask;
		uint64_t v = doc->slots[j];
		if (!v)
			break;
		uint32_t home = (uint32_t)(v >> 32) & mask;
		bool stays = i <= j ? (i < home && home <= j) : (i < home || home <= j);
		if (!stays) {
			doc->slots[i] = v;
			i = j;
		}
	}
	doc->slots[i] = 0;
	doc->n_keyed--;
}

static uint32_t
child_find(const struct toml_doc *doc, uint32_t parent, const char *key, size_t klen,
           uint32_t khash)
{
	uint32_t h = hash_mix(khash, parent);
	const struct toml_node *t = &doc->nodes[parent];
	if (t->count < HASH_MIN) {
		/* a small table: its children sit close together, a scan beats a hash probe */
		for (uint32_t c = t->first; c; c = doc->nodes[c].next) {
			const struct toml_node *n = &doc->nodes[c];
			if (n->hash == h && n->key_len == klen &&
			    memcmp(node_key(doc, n), key, klen) == 0)
				return c;
		}
		return 0;
	}
	uint32_t mask = doc->n_slots - 1;
	uint64_t v;
	/* The hash is in the slot: a different key costs no visit to its node. */
	for (uint32_t i = h & mask; (v = doc->slots[i]); i = (i + 1) & mask) {
		if ((uint32_t)(v >> 32) != h)
			continue;
		const struct toml_node *n = &doc->nodes[(uint32_t)v];
		if (n->parent == parent && n->key_len == klen &&
		    memcmp(node_key(doc, n), key, klen) == 0)
			return (uint32_t)v;
	}
	return 0;
}

static uint32_t
child_find_str(const struct toml_doc *doc, uint32_t parent, const char *key)
{
	size_t n = strlen(key);
	return child_find(doc, parent, key, n, hash_bytes(key, n));
}

/* ---- the parser ---- */

struct kpart {
	uint32_t off, len; /* decoded bytes, in the text or (pool) in the pool */
	uint32_t src;      /* where the key is written */
	uint32_t hash;
	bool pool;
};

struct parser {
	struct toml_doc *doc;
	const char *s;
	size_t len;
	struct gp_error *err;
	struct kpart *parts;
	size_t n_parts, cap_parts;
	uint32_t table; /* the current section's table */
	uint32_t sec;
	/*
	 * The keys of the last header, each with the table it was looked up in
	 * and the node found: consecutive headers mostly share a long prefix.
	 */
	struct kpart *hc_parts;
	uint32_t *hc_parent, *hc_node;
	size_t hc_n, hc_cap;
};

static void
pos_line_col(const char *s, size_t bom, size_t pos, unsigned *ret_line, unsigned *ret_col)
{
	unsigned line = 1, col = 1;
	size_t ls = 0;
	for (size_t i = 0; i < pos; i++)
		if (s[i] == '\n') {
			line++;
			ls = i + 1;
		}
	if (ls == 0)
		ls = bom < pos ? bom : pos;
	for (size_t i = ls; i < pos; i++)
		if (((unsigned char)s[i] & 0xC0) != 0x80)
			col++;
	*ret_line = line;
	*ret_col = col;
}

static int _printf_(3, 4) fail(struct parser *ps, size_t pos, const char *fmt, ...)
{
	if (gp_error_is_set(ps->err))
		return -1;
	unsigned line, col;
	pos_line_col(ps->s, ps->doc->bom, pos > ps->len ? ps->len : pos, &line, &col);
	va_list ap;
	va_start(ap, fmt);
	_cleanup_free_ char *m = xvasprintf(fmt, ap);
	va_end(ap);
	return gp_error_set(ps->err, "%u:%u: %s", line, col, m);
}

/* Names the character at pos for a message: 'x', newline, U+0007, end of file. */
static const char *
what(struct parser *ps, size_t pos, char out[16])
{
	if (pos >= ps->len)
		return "end of file";
	unsigned char c = (unsigned char)ps->s[pos];
	if (c == '\n')
		return "newline";
	if (c == '\r')
		return "carriage return";
	if (c < 0x20 || c == 0x7F) {
		snprintf(out, 16, "U+%04X", c);
		return out;
	}
	size_t n = 1;
	if (c >= 0x80)
		while (n < 4 && pos + n < ps->len && ((unsigned char)ps->s[pos + n] & 0xC0) == 0x80)
			n++;
	snprintf(out, 16, "'%.*s'", (int)n, ps->s + pos);
	return out;
}

/* A table's path for messages, as a TOML key. */
static char *node_path(const struct toml_doc *doc, uint32_t id);

static uint32_t
node_new(struct parser *ps, uint32_t parent, const struct kpart *kp, uint8_t type, uint8_t flags)
{
	struct toml_doc *doc = ps->doc;
	if (doc->nodes[parent].depth >= MAX_DEPTH) {
		fail(ps, kp ? kp->src : doc->nodes[parent].off, "nesting deeper than %d levels",
		     MAX_DEPTH);
		return 0;
	}
	if (doc->n_nodes == doc->cap_nodes) {
		doc->nodes = region_need(&doc->node_mem, (doc->n_nodes + 1) * sizeof(*doc->nodes));
		doc->cap_nodes = (uint32_t)(doc->node_mem.pop / sizeof(*doc->nodes));
	}
	uint32_t id = doc->n_nodes++;
	struct toml_node *n = &doc->nodes[id];
	*n = (struct toml_node){
	        .parent = parent,
	        .depth = (uint16_t)(doc->nodes[parent].depth + 1),
	        .type = type,
	        .flags = flags,
	        .stmt = NIL,
	};
	struct toml_node *p = &doc->nodes[parent];
	if (p->last)
		doc->nodes[p->last].next = id;
	else
		p->first = id;
	p->last = id;
	p->count++;
	if (kp) {
		n->key_off = kp->off;
		n->key_len = kp->len;
		if (kp->pool)
			n->flags |= F_KEY_POOL;
		n->off = kp->src;
		n->hash = hash_mix(kp->hash, parent);
		/* a table's children go into the hash table once it has HASH_MIN of them */
		if (p->count == HASH_MIN)
			for (uint32_t c = p->first; c; c = doc->nodes[c].next)
				slots_insert(doc, c);
		else if (p->count > HASH_MIN)
			slots_insert(doc, id);
	}
	return id;
}

static int
scan_comment(struct parser *ps, size_t *pos)
{
	const char *s = ps->s;
	size_t p = *pos + 1;
	for (;;) {
		unsigned char c = (unsigned char)s[p];
		if ((c >= 0x20 && c != 0x7F) || c == '\t') {
			p++;
			continue;
		}
		if (c == '\n' || p >= ps->len || (c == '\r' && s[p + 1] == '\n'))
			break;
		char w[16];
		return fail(ps, p, "control character %s in a comment", what(ps, p, w));
	}
	*pos = p;
	return 0;
}

/* After a statement: white space, maybe a comment, then a newline or the end. */
static int
end_of_line(struct parser *ps, size_t *pos, const char *after)
{
	const char *s = ps->s;
	size_t p = skip_ws(s, *pos);
	if (s[p] == '#' && scan_comment(ps, &p) < 0)
		return -1;
	if (p >= ps->len) {
		*pos = p;
		return 0;
	}
	if (s[p] == '\n')
		p++;
	else if (s[p] == '\r' && s[p + 1] == '\n')
		p += 2;
	else {
		char w[16];
		return fail(ps, p, "expected a newline after %s, found %s", after, what(ps, p, w));
	}
	*pos = p;
	return 0;
}

/* White space, comments and newlines, as arrays allow between values. */
static int
skip_wcn(struct parser *ps, size_t *pos)
{
	const char *s = ps->s;
	size_t p = *pos;
	for (;;) {
		p = skip_ws(s, p);
		if (s[p] == '#') {
			if (scan_comment(ps, &p) < 0)
				return -1;
		} else if (s[p] == '\n') {
			p++;
		} else if (s[p] == '\r' && s[p + 1] == '\n') {
			p += 2;
		} else {
			break;
		}
	}
	*pos = p;
	return 0;
}

/* One escape sequence at s[p] == '\\' in a basic string. */
static int
scan_escape(struct parser *ps, size_t p, size_t *ret_next)
{
	const char *s = ps->s;
	char c = s[p + 1];
	if (c && escape_char(c)) {
		*ret_next = p + 2;
		return 0;
	}
	if (c != 'u' && c != 'U') {
		char w[16];
		return fail(ps, p, "invalid escape sequence: backslash followed by %s",
		            what(ps, p + 1, w));
	}
	int nhex = c == 'u' ? 4 : 8;
	uint32_t cp = 0;
	for (int i = 0; i < nhex; i++) {
		int v = hex_value(s[p + 2 + i]);
		if (v < 0)
			return fail(ps, p, "\\%c needs %d hexadecimal digits", c, nhex);
		cp = (cp << 4) | (uint32_t)v;
	}
	if (cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF))
		return fail(ps, p, "\\%c%.*s is not a Unicode scalar value", c, nhex, s + p + 2);
	*ret_next = p + 2 + (size_t)nhex;
	return 0;
}

static inline bool
plain_char(unsigned char c)
{
	return (c >= 0x20 && c != 0x7F) || c == '\t';
}

static int
string_char_error(struct parser *ps, size_t q, const char *close)
{
	char w[16];
	if (q >= ps->len || ps->s[q] == '\n' || (ps->s[q] == '\r' && ps->s[q + 1] == '\n'))
		return fail(ps, q, "expected %s to close the string, found %s", close,
		            what(ps, q, w));
	return fail(ps, q, "control character %s in a string", what(ps, q, w));
}

/* A string at s[p] (its opening quote); *ret_end is past the closing quote(s). */
static int
scan_string(struct parser *ps, size_t p, size_t *ret_end, bool *ret_escapes)
{
	const char *s = ps->s;
	char quote = s[p];
	bool ml = s[p + 1] == quote && s[p + 2] == quote;
	bool esc = false;
	size_t q = p + (ml ? 3 : 1);
	for (;;) {
		unsigned char c = (unsigned char)s[q];
		if (c == (unsigned char)quote) {
			if (!ml) {
				q++;
				break;
			}
			size_t n = 1;
			while (s[q + n] == quote)
				n++;
			if (n >= 3) {
				if (n > 5)
					return fail(ps, q,
					            "too many quotes at the end of a string");
				q += n;
				break;
			}
			q += n;
			continue;
		}
		if (c == '\\' && quote == '"') {
			esc = true;
			char nc = s[q + 1];
			if (ml && (is_ws(nc) || nc == '\n' || nc == '\r')) {
				size_t r = skip_ws(s, q + 1);
				if (s[r] == '\n')
					r++;
				else if (s[r] == '\r' && s[r + 1] == '\n')
					r += 2;
				else
					return fail(ps, q,
					            "a backslash followed by white space must end "
					            "the line");
				for (;;) {
					if (is_ws(s[r]) || s[r] == '\n')
						r++;
					else if (s[r] == '\r' && s[r + 1] == '\n')
						r += 2;
					else
						break;
				}
				q = r;
				continue;
			}
			if (scan_escape(ps, q, &q) < 0)
				return -1;
			continue;
		}
		if (plain_char(c)) {
			q++;
			continue;
		}
		if (ml && q < ps->len) {
			if (c == '\n') {
				q++;
				continue;
			}
			if (c == '\r' && s[q + 1] == '\n') {
				q += 2;
				continue;
			}
		}
		return string_char_error(ps, q,
		                         quote == '"' ? (ml ? "'\"\"\"'" : "'\"'")
		                                      : (ml ? "\"'''\"" : "\"'\""));
	}
	*ret_end = q;
	if (ret_escapes)
		*ret_escapes = esc;
	return 0;
}

/* Decode a valid string literal s[off, end) (quotes included) onto out. */
static void
decode_string(const char *s, size_t off, size_t end, struct sbuf *out)
{
	char quote = s[off];
	bool ml = end - off >= 6 && s[off + 1] == quote && s[off + 2] == quote;
	size_t p = off + (ml ? 3 : 1), e = end - (ml ? 3 : 1);
	if (ml) {
		if (s[p] == '\n')
			p++;
		else if (s[p] == '\r' && s[p + 1] == '\n')
			p += 2;
	}
	if (quote == '\'') {
		sb_add(out, s + p, e - p);
		return;
	}
	sb_grow(out, e - p);
	while (p < e) {
		const char *bs = memchr(s + p, '\\', e - p);
		size_t run = bs ? (size_t)(bs - (s + p)) : e - p;
		sb_add(out, s + p, run);
		p += run;
		if (p >= e)
			break;
		char c = s[p + 1], x = escape_char(c);
		if (x) {
			sb_addc(out, x);
			p += 2;
		} else if (c == 'u' || c == 'U') {
			int n = c == 'u' ? 4 : 8;
			uint32_t cp = 0;
			for (int i = 0; i < n; i++)
				cp = (cp << 4) | (uint32_t)hex_value(s[p + 2 + i]);
			sb_add_utf8(out, cp);
			p += 2 + (size_t)n;
		} else { /* a line-ending backslash: drop it and all white space after it */
			p++;
			while (p < e && (is_ws(s[p]) || s[p] == '\n' || s[p] == '\r'))
				p++;
		}
	}
}

static int
parse_simple_key(struct parser *ps, size_t *pos, struct kpart *kp)
{
	const char *s = ps->s;
	struct toml_doc *doc = ps->doc;
	size_t p = *pos;
	char c = s[p];
	kp->src = (uint32_t)p;
	kp->pool = false;
	if (is_bare(c)) {
		size_t q = p + 1;
		while (is_bare(s[q]))
			q++;
		kp->off = (uint32_t)p;
		kp->len = (uint32_t)(q - p);
		*pos = q;
	} else if (c == '"' || c == '\'') {
		if (s[p + 1] == c && s[p + 2] == c)
			return fail(ps, p, "a key cannot be a multi-line string");
		size_t end;
		bool esc;
		if (scan_string(ps, p, &end, &esc) < 0)
			return -1;
		if (esc) {
			struct sbuf b = {doc->pool, doc->pool_len, doc->pool_cap};
			size_t start = b.len;
			decode_string(s, p, end, &b);
			doc->pool = b.p;
			doc->pool_len = b.len;
			doc->pool_cap = b.cap;
			kp->pool = true;
			kp->off = (uint32_t)start;
			kp->len = (uint32_t)(b.len - start);
		} else {
			kp->off = (uint32_t)(p + 1);
			kp->len = (uint32_t)(end - p - 2);
		}
		*pos = end;
	} else {
		char w[16];
		return fail(ps, p, "expected a key, found %s", what(ps, p, w));
	}
	kp->hash = hash_bytes((kp->pool ? doc->pool : doc->buf) + kp->off, kp->len);
	return 0;
}

/* A key, dotted or not, into ps->parts; *pos ends past the white space after it. */
static int
parse_key(struct parser *ps, size_t *pos)
{
	const char *s = ps->s;
	size_t p = *pos;
	ps->n_parts = 0;
	for (;;) {
		if (ps->n_parts == ps->cap_parts) {
			ps->cap_parts = ps->cap_parts ? ps->cap_parts * 2 : 16;
			ps->parts = xrealloc(ps->parts, ps->cap_parts * sizeof(*ps->parts));
		}
		if (parse_simple_key(ps, &p, &ps->parts[ps->n_parts]) < 0)
			return -1;
		ps->n_parts++;
		p = skip_ws(s, p);
		if (s[p] != '.')
			break;
		p = skip_ws(s, p + 1);
	}
	*pos = p;
	return 0;
}

/* Digits of a base, single underscores between them; SIZE_MAX when none at p. */
static size_t
scan_digits(const char *s, size_t p, size_t q, int base)
{
#define DIGIT_OK(c)                                                                                \
	(base == 16 ? hex_value(c) >= 0 : (c) >= '0' && (c) < '0' + (base < 10 ? base : 10))
	if (p >= q || !DIGIT_OK(s[p]))
		return SIZE_MAX;
	p++;
	while (p < q) {
		if (DIGIT_OK(s[p]))
			p++;
		else if (s[p] == '_' && p + 1 < q && DIGIT_OK(s[p + 1]))
			p += 2;
		else
			break;
	}
	return p;
#undef DIGIT_OK
}

/* The value of valid integer text s[p, q) (sign, base prefix, underscores); false on overflow. */
static bool
int_value(const char *s, size_t p, size_t q, int64_t *ret)
{
	bool neg = false;
	if (s[p] == '+' || s[p] == '-')
		neg = s[p++] == '-';
	int base = 10;
	if (s[p] == '0' && p + 1 < q && (s[p + 1] == 'x' || s[p + 1] == 'o' || s[p + 1] == 'b')) {
		base = s[p + 1] == 'x' ? 16 : s[p + 1] == 'o' ? 8 : 2;
		p += 2;
	}
	uint64_t v = 0, limit = neg ? (uint64_t)INT64_MAX + 1 : (uint64_t)INT64_MAX;
	for (; p < q; p++) {
		if (s[p] == '_')
			continue;
		uint64_t d = (uint64_t)hex_value(s[p]);
		if (v > (limit - d) / (uint64_t)base)
			return false;
		v = v * (uint64_t)base + d;
	}
	*ret = neg ? (int64_t)(0 - v) : (int64_t)v;
	return true;
}

static int
scan_number(struct parser *ps, size_t p0, size_t q, uint8_t *ret_type)
{
	const char *s = ps->s;
	char w[16];
	size_t p = p0;
	bool sign = s[p] == '+' || s[p] == '-';
	if (sign)
		p++;
	if (q - p == 3 && (memcmp(s + p, "inf", 3) == 0 || memcmp(s + p, "nan", 3) == 0)) {
		*ret_type = TOML_FLOAT;
		return 0;
	}
	if (s[p] == '0' && p + 1 < q && (s[p + 1] == 'x' || s[p + 1] == 'o' || s[p + 1] == 'b')) {
		int base = s[p + 1] == 'x' ? 16 : s[p + 1] == 'o' ? 8 : 2;
		const char *name = base == 16 ? "hexadecimal" : base == 8 ? "octal" : "binary";
		if (sign)
			return fail(ps, p0, "%s %s integer cannot have a sign",
			            base == 8 ? "an" : "a", name);
		size_t r = scan_digits(s, p + 2, q, base);
		if (r == SIZE_MAX)
			return fail(ps, p + 2, "expected %s digits, found %s", name,
			            what(ps, p + 2, w));
		if (r != q)
			return fail(ps, r, "invalid character %s in %s %s integer", what(ps, r, w),
			            base == 8 ? "an" : "a", name);
		int64_t v;
		if (!int_value(s, p0, q, &v))
			return fail(ps, p0, "integer out of range");
		*ret_type = TOML_INTEGER;
		return 0;
	}
	size_t r = scan_digits(s, p, q, 10);
	if (r == SIZE_MAX) {
		if (q - p0 > 1 || is_bare(s[p0]))
			return fail(ps, p0, "invalid value '%.*s'%s",
			            (int)(q - p0 > 24 ? 24 : q - p0), s + p0,
			            is_bare(s[p]) ? " (a string needs quotes)" : "");
		return fail(ps, p0, "expected a value, found %s", what(ps, p0, w));
	}
	if (s[p] == '0' && r > p + 1)
		return fail(ps, p, "leading zeros are not allowed");
	bool is_float = false;
	if (r < q && s[r] == '.') {
		size_t r2 = scan_digits(s, r + 1, q, 10);
		if (r2 == SIZE_MAX)
			return fail(ps, r + 1, "expected digits after the decimal point, found %s",
			            what(ps, r + 1, w));
		r = r2;
		is_float = true;
	}
	if (r < q && (s[r] == 'e' || s[r] == 'E')) {
		r++;
		if (r < q && (s[r] == '+' || s[r] == '-'))
			r++;
		size_t r2 = scan_digits(s, r, q, 10);
		if (r2 == SIZE_MAX)
			return fail(ps, r, "expected digits in the exponent, found %s",
			            what(ps, r, w));
		r = r2;
		is_float = true;
	}
	if (r != q)
		return fail(ps, r, "invalid character %s in a number", what(ps, r, w));
	if (!is_float) {
		int64_t v;
		if (!int_value(s, p0, q, &v))
			return fail(ps, p0, "integer out of range");
	}
	*ret_type = is_float ? TOML_FLOAT : TOML_INTEGER;
	return 0;
}

static bool
two_digits(const char *s, size_t p, int *ret)
{
	if (!is_digit(s[p]) || !is_digit(s[p + 1]))
		return false;
	*ret = (s[p] - '0') * 10 + (s[p + 1] - '0');
	return true;
}

static int
days_in_month(int y, int m)
{
	static const int days[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
	if (m == 2 && ((y % 4 == 0 && y % 100 != 0) || y % 400 == 0))
		return 29;
	return days[m - 1];
}

/*
 * A date-time at s[p, q) into ret (may be NULL); the text is known to start
 * like a date (DDDD-) or a time (DD:). Fails with a message when invalid.
 */
static int
scan_datetime(struct parser *ps, const char *s, size_t p, size_t q, struct toml_datetime *ret)
{
	struct toml_datetime dt = {0};
	size_t r = p;
	bool date = false;
	int hi, lo;
	if (is_digit(s[p + 2]) && s[p + 4] == '-') {
		if (q - p < 10 || !two_digits(s, p, &hi) || !two_digits(s, p + 2, &lo) ||
		    s[p + 4] != '-' || !two_digits(s, p + 5, &dt.month) || s[p + 7] != '-' ||
		    !two_digits(s, p + 8, &dt.day))
			return fail(ps, p, "invalid date, expected YYYY-MM-DD");
		dt.year = hi * 100 + lo;
		if (dt.month < 1 || dt.month > 12)
			return fail(ps, p + 5, "invalid month %02d", dt.month);
		if (dt.day < 1 || dt.day > days_in_month(dt.year, dt.month))
			return fail(ps, p + 8, "invalid day %02d for %04d-%02d", dt.day, dt.year,
			            dt.month);
		date = true;
		r = p + 10;
		if (r == q) {
			dt.type = TOML_DATE_LOCAL;
			goto done;
		}
		if (s[r] != 'T' && s[r] != 't' && s[r] != ' ')
			return fail(ps, r, "expected 'T' between the date and the time");
		r++;
	}
	if (q - r < 8 || !two_digits(s, r, &dt.hour) || s[r + 2] != ':' ||
	    !two_digits(s, r + 3, &dt.minute) || s[r + 5] != ':' ||
	    !two_digits(s, r + 6, &dt.second))
		return fail(ps, r, "invalid time, expected HH:MM:SS");
	if (dt.hour > 23 || dt.minute > 59 || dt.second > 60)
		return fail(ps, r, "invalid time %.8s", s + r);
	r += 8;
	if (r < q && s[r] == '.') {
		r++;
		if (r >= q || !is_digit(s[r]))
			return fail(ps, r, "expected digits after the decimal point in a time");
		int scale = 100000000;
		while (r < q && is_digit(s[r])) {
			dt.nanosecond += (s[r] - '0') * scale;
			scale /= 10;
			r++;
		}
	}
	if (!date) {
		dt.type = TOML_TIME_LOCAL;
	} else if (r < q && (s[r] == 'Z' || s[r] == 'z')) {
		dt.type = TOML_DATETIME;
		r++;
	} else if (r < q && (s[r] == '+' || s[r] == '-')) {
		int oh, om;
		if (q - r < 6 || !two_digits(s, r + 1, &oh) || s[r + 3] != ':' ||
		    !two_digits(s, r + 4, &om) || oh > 23 || om > 59)
			return fail(ps, r, "invalid time offset, expected +HH:MM or -HH:MM");
		dt.offset_minutes = (s[r] == '-' ? -1 : 1) * (oh * 60 + om);
		dt.type = TOML_DATETIME;
		r += 6;
	} else {
		dt.type = TOML_DATETIME_LOCAL;
	}
done:
	if (r != q) {
		char w[16];
		return fail(ps, r, "invalid character %s in a date-time", what(ps, r, w));
	}
	if (ret)
		*ret = dt;
	return 0;
}

static inline bool
looks_like_date(const char *s, size_t p, size_t q)
{
	return q - p >= 5 && is_digit(s[p]) && is_digit(s[p + 1]) && is_digit(s[p + 2]) &&
	       is_digit(s[p + 3]) && s[p + 4] == '-';
}

static inline bool
looks_like_time(const char *s, size_t p, size_t q)
{
	return q - p >= 3 && is_digit(s[p]) && is_digit(s[p + 1]) && s[p + 2] == ':';
}

static int parse_value(struct parser *ps, size_t *pos, uint32_t id);

static void
freeze(struct toml_doc *doc, uint32_t root)
{
	/* Mark every table under an inline table closed, each node once. */
#define OPEN(x)                                                                                    \
	({                                                                                         \
		uint32_t _x = (x);                                                                 \
		while (_x &&                                                                       \
		       (doc->nodes[_x].type != TOML_TABLE || (doc->nodes[_x].flags & F_INLINE)))   \
			_x = doc->nodes[_x].next;                                                  \
		_x;                                                                                \
	})
	uint32_t n = root;
	doc->nodes[root].flags |= F_INLINE;
	for (;;) {
		uint32_t c = OPEN(doc->nodes[n].first);
		if (c) {
			n = c;
			doc->nodes[n].flags |= F_INLINE;
			continue;
		}
		while (n != root) {
			uint32_t sib = OPEN(doc->nodes[n].next);
			if (sib) {
				n = sib;
				break;
			}
			n = doc->nodes[n].parent;
		}
		if (n == root)
			break;
		doc->nodes[n].flags |= F_INLINE;
	}
#undef OPEN
}

/* The table named by one more part of a dotted key, creating it. */
static int
dotted_step(struct parser *ps, uint32_t t, const struct kpart *kp, uint32_t *ret)
{
	struct toml_doc *doc = ps->doc;
	const char *key = (kp->pool ? doc->pool : doc->buf) + kp->off;
	uint32_t c = child_find(doc, t, key, kp->len, kp->hash);
	if (!c) {
		c = node_new(ps, t, kp, TOML_TABLE, F_DOTTED);
		if (!c)
			return -1;
		doc->nodes[c].stmt = ps->sec;
		*ret = c;
		return 0;
	}
	struct toml_node *n = &doc->nodes[c];
	if (n->type == TOML_TABLE && !(n->flags & (F_INLINE | F_HEADER))) {
		if (kp->src < n->off) /* as in parse_header() */
			n->off = kp->src;
		if (n->flags & F_IMPLICIT) {
			n->flags = (uint8_t)((n->flags & ~F_IMPLICIT) | F_DOTTED);
			n->stmt = ps->sec;
		}
		*ret = c;
		return 0;
	}
	_cleanup_free_ char *path = node_path(doc, c);
	if (n->type == TOML_TABLE && (n->flags & F_INLINE))
		return fail(ps, kp->src, "cannot add keys to the inline table '%s'", path);
	if (n->type == TOML_TABLE)
		return fail(ps, kp->src,
		            "table '%s' is defined by a [header]: dotted keys cannot add to it",
		            path);
	if (n->type == TOML_ARRAY)
		return fail(ps, kp->src, "cannot add keys to the array '%s' with a dotted key",
		            path);
	return fail(ps, kp->src, "key '%s' is already defined as a value, not a table", path);
}

static int
parse_keyval(struct parser *ps, size_t *pos, uint32_t table)
{
	const char *s = ps->s;
	size_t stmt = *pos, p = *pos;
	if (parse_key(ps, &p) < 0)
		return -1;
	if (s[p] != '=') {
		char w[16];
		return fail(ps, p, "expected '=' after the key, found %s", what(ps, p, w));
	}
	p = skip_ws(s, p + 1);
	uint32_t t = table;
	for (size_t i = 0; i + 1 < ps->n_parts; i++)
		if (dotted_step(ps, t, &ps->parts[i], &t) < 0)
			return -1;
	const struct kpart *kp = &ps->parts[ps->n_parts - 1];
	struct toml_doc *doc = ps->doc;
	uint32_t dup =
	        child_find(doc, t, (kp->pool ? doc->pool : doc->buf) + kp->off, kp->len, kp->hash);
	if (dup) {
		_cleanup_free_ char *path = node_path(doc, dup);
		return fail(ps, kp->src, "duplicate key '%s'", path);
	}
	uint32_t id = node_new(ps, t, kp, TOML_NONE, 0);
	if (!id)
		return -1;
	doc->nodes[id].stmt = (uint32_t)stmt;
	if (parse_value(ps, &p, id) < 0)
		return -1;
	*pos = p;
	return 0;
}

static int
parse_array(struct parser *ps, size_t *pos, uint32_t id)
{
	const char *s = ps->s;
	size_t p = *pos + 1;
	for (;;) {
		if (skip_wcn(ps, &p) < 0)
			return -1;
		if (s[p] == ']') {
			p++;
			break;
		}
		uint32_t e = node_new(ps, id, NULL, TOML_NONE, 0);
		if (!e || parse_value(ps, &p, e) < 0)
			return -1;
		if (skip_wcn(ps, &p) < 0)
			return -1;
		if (s[p] == ',') {
			p++;
			continue;
		}
		if (s[p] == ']') {
			p++;
			break;
		}
		char w[16];
		return fail(ps, p, "expected ',' or ']' in the array, found %s", what(ps, p, w));
	}
	*pos = p;
	return 0;
}

static int
parse_inline_table(struct parser *ps, size_t *pos, uint32_t id)
{
	const char *s = ps->s;
	size_t p = skip_ws(s, *pos + 1);
	if (s[p] == '}') {
		p++;
	} else {
		for (;;) {
			if (parse_keyval(ps, &p, id) < 0)
				return -1;
			p = skip_ws(s, p);
			if (s[p] == ',') {
				p = skip_ws(s, p + 1);
				if (s[p] == '}')
					return fail(ps, p,
					            "a trailing comma is not allowed in an inline "
					            "table");
				continue;
			}
			if (s[p] == '}') {
				p++;
				break;
			}
			char w[16];
			return fail(ps, p, "expected ',' or '}' in the inline table, found %s",
			            what(ps, p, w));
		}
	}
	freeze(ps->doc, id);
	*pos = p;
	return 0;
}

static int
parse_value(struct parser *ps, size_t *pos, uint32_t id)
{
	struct toml_doc *doc = ps->doc;
	const char *s = ps->s;
	size_t p = *pos, end;
	uint8_t type;
	char w[16];
	doc->nodes[id].off = (uint32_t)p;
	switch (s[p]) {
	case '"':
	case '\'':
		if (scan_string(ps, p, &end, NULL) < 0)
			return -1;
		type = TOML_STRING;
		break;
	case '[':
		doc->nodes[id].type = TOML_ARRAY;
		end = p;
		if (parse_array(ps, &end, id) < 0)
			return -1;
		type = TOML_ARRAY;
		break;
	case '{':
		doc->nodes[id].type = TOML_TABLE;
		doc->nodes[id].flags |= F_INLINE_ROOT;
		end = p;
		if (parse_inline_table(ps, &end, id) < 0)
			return -1;
		type = TOML_TABLE;
		break;
	default:
		end = p;
		while (is_tok(s[end]))
			end++;
		if (end == p)
			return fail(ps, p, "expected a value, found %s", what(ps, p, w));
		if (looks_like_date(s, p, end)) {
			/* "1979-05-27 07:32:00": a space may separate the date and the time */
			if (end - p == 10 && s[end] == ' ' && is_digit(s[end + 1]) &&
			    is_digit(s[end + 2]) && s[end + 3] == ':') {
				end++;
				while (is_tok(s[end]))
					end++;
			}
			struct toml_datetime dt;
			if (scan_datetime(ps, s, p, end, &dt) < 0)
				return -1;
			type = (uint8_t)dt.type;
		} else if (looks_like_time(s, p, end)) {
			if (scan_datetime(ps, s, p, end, NULL) < 0)
				return -1;
			type = TOML_TIME_LOCAL;
		} else if ((end - p == 4 && memcmp(s + p, "true", 4) == 0) ||
		           (end - p == 5 && memcmp(s + p, "false", 5) == 0)) {
			type = TOML_BOOL;
		} else {
			if (scan_number(ps, p, end, &type) < 0)
				return -1;
		}
	}
	struct toml_node *n = &doc->nodes[id];
	n->type = type;
	n->end = (uint32_t)end;
	*pos = end;
	return 0;
}

static bool
kpart_eq(const struct toml_doc *doc, const struct kpart *a, const struct kpart *b)
{
	return a->len == b->len && a->hash == b->hash &&
	       memcmp((a->pool ? doc->pool : doc->buf) + a->off,
	              (b->pool ? doc->pool : doc->buf) + b->off, a->len) == 0;
}

/* The child of t named by part i of a header, through the cache of the last header. */
static uint32_t
header_find(struct parser *ps, size_t i, uint32_t t)
{
	const struct kpart *kp = &ps->parts[i];
	if (i < ps->hc_n && ps->hc_parent[i] == t && kpart_eq(ps->doc, &ps->hc_parts[i], kp))
		return ps->hc_node[i];
	if (i < ps->hc_n)
		ps->hc_n = i;
	return child_find(ps->doc, t, (kp->pool ? ps->doc->pool : ps->doc->buf) + kp->off, kp->len,
	                  kp->hash);
}

static void
header_remember(struct parser *ps, size_t i, uint32_t t, uint32_t c)
{
	if (i >= ps->hc_cap) {
		ps->hc_cap = ps->hc_cap ? ps->hc_cap * 2 : 16;
		ps->hc_parts = xrealloc(ps->hc_parts, ps->hc_cap * sizeof(*ps->hc_parts));
		ps->hc_parent = xrealloc(ps->hc_parent, ps->hc_cap * sizeof(*ps->hc_parent));
		ps->hc_node = xrealloc(ps->hc_node, ps->hc_cap * sizeof(*ps->hc_node));
	}
	if (i > ps->hc_n)
		return;
	ps->hc_parts[i] = ps->parts[i];
	ps->hc_parent[i] = t;
	ps->hc_node[i] = c;
	ps->hc_n = i + 1;
}

static int
parse_header(struct parser *ps, size_t *pos)
{
	struct toml_doc *doc = ps->doc;
	const char *s = ps->s;
	char w[16];
	size_t start = *pos;
	bool aot = s[start + 1] == '[';
	size_t p = skip_ws(s, start + (aot ? 2 : 1));
	if (parse_key(ps, &p) < 0)
		return -1;
	if (s[p] != ']')
		return fail(ps, p, "expected '%s' to close the table header, found %s",
		            aot ? "]]" : "]", what(ps, p, w));
	p++;
	if (aot) {
		if (s[p] != ']')
			return fail(ps, p, "expected ']]' to close the array-of-tables header");
		p++;
	}
	uint32_t t = 0;
	for (size_t i = 0; i + 1 < ps->n_parts; i++) {
		const struct kpart *kp = &ps->parts[i];
		uint32_t c = header_find(ps, i, t);
		if (!c) {
			c = node_new(ps, t, kp, TOML_TABLE, F_IMPLICIT);
			if (!c)
				return -1;
		}
		header_remember(ps, i, t, c);
		struct toml_node *n = &doc->nodes[c];
		/* a table that is only implied, or made by dotted keys, is where it first appears
		 * (an edit may add a header above the one that implied it) */
		if ((n->flags & (F_IMPLICIT | F_DOTTED)) && kp->src < n->off)
			n->off = kp->src;
		if (n->type == TOML_TABLE && !(n->flags & F_INLINE)) {
			t = c;
			continue;
		}
		if (n->type == TOML_ARRAY && (n->flags & F_AOT)) {
			t = n->last;
			continue;
		}
		_cleanup_free_ char *path = node_path(doc, c);
		if (n->type == TOML_TABLE)
			return fail(ps, kp->src, "cannot add a table to the inline table '%s'",
			            path);
		if (n->type == TOML_ARRAY)
			return fail(ps, kp->src, "cannot add a table to the static array '%s'",
			            path);
		return fail(ps, kp->src, "key '%s' is already defined as a value, not a table",
		            path);
	}
	const struct kpart *kp = &ps->parts[ps->n_parts - 1];
	uint32_t c = header_find(ps, ps->n_parts - 1, t);
	uint32_t tbl;
	if (c) {
		struct toml_node *n = &doc->nodes[c];
		bool ok = aot ? n->type == TOML_ARRAY && (n->flags & F_AOT)
		              : n->type == TOML_TABLE && (n->flags & F_IMPLICIT);
		if (!ok) {
			_cleanup_free_ char *path = node_path(doc, c);
			if (aot)
				return fail(ps, kp->src,
				            "'%s' is already defined, and not as an array of "
				            "tables",
				            path);
			if (n->type == TOML_ARRAY && (n->flags & F_AOT))
				return fail(ps, kp->src,
				            "'%s' is an array of tables; its elements are "
				            "[[%s]]",
				            path, path);
			if (n->type != TOML_TABLE)
				return fail(ps, kp->src, "duplicate key '%s'", path);
			if (n->flags & F_HEADER)
				return fail(ps, kp->src, "table [%s] is defined twice", path);
			if (n->flags & F_DOTTED)
				return fail(ps, kp->src,
				            "table '%s' is already defined by dotted keys", path);
			return fail(ps, kp->src, "table '%s' is already defined as an inline table",
			            path);
		}
	}
	if (aot) {
		if (!c) {
			c = node_new(ps, t, kp, TOML_ARRAY, F_AOT);
			if (!c)
				return -1;
		}
		tbl = node_new(ps, c, NULL, TOML_TABLE, F_HEADER);
		if (!tbl)
			return -1;
	} else if (c) {
		tbl = c;
		doc->nodes[c].flags = (uint8_t)((doc->nodes[c].flags & ~F_IMPLICIT) | F_HEADER);
	} else {
		tbl = node_new(ps, t, kp, TOML_TABLE, F_HEADER);
		if (!tbl)
			return -1;
	}
	header_remember(ps, ps->n_parts - 1, t, aot ? c : tbl);
	if (doc->n_secs == doc->cap_secs) {
		doc->cap_secs = doc->cap_secs ? doc->cap_secs * 2 : 64;
		doc->secs = xrealloc(doc->secs, doc->cap_secs * sizeof(*doc->secs));
	}
	uint32_t sec = doc->n_secs++;
	doc->secs[sec] = (struct toml_section){tbl, (uint32_t)start, (uint32_t)p, NIL, NIL};
	struct toml_node *n = &doc->nodes[tbl];
	n->stmt = sec;
	n->off = (uint32_t)start;
	n->end = (uint32_t)p;
	ps->table = tbl;
	ps->sec = sec;
	*pos = p;
	return 0;
}

/* Index doc->buf from scratch. */
static int
doc_index(struct toml_doc *doc, struct gp_error *err)
{
	struct parser ps = {.doc = doc, .s = doc->buf, .len = doc->len, .err = err};
	const char *s = doc->buf;
	int r = -1;

	doc->bom = doc->len >= 3 && memcmp(s, "\xEF\xBB\xBF", 3) == 0 ? 3 : 0;
	if (!doc->cap_nodes) {
		/* a guess from the size, so that most documents need no growing */
		doc->nodes =
		        region_need(&doc->node_mem, (doc->len / 64 + 64) * sizeof(*doc->nodes));
		doc->cap_nodes = (uint32_t)(doc->node_mem.pop / sizeof(*doc->nodes));
	}
	doc->nodes[0] = (struct toml_node){.type = TOML_TABLE, .flags = F_HEADER, .stmt = 0};
	doc->n_nodes = 1;
	if (doc->n_slots)
		memset(doc->slots, 0, doc->n_slots * sizeof(*doc->slots));
	doc->n_keyed = 0;
	doc->pool_len = 0;
	if (!doc->cap_secs) {
		doc->cap_secs = 64;
		doc->secs = xmalloc(doc->cap_secs * sizeof(*doc->secs));
	}
	doc->secs[0] = (struct toml_section){0, (uint32_t)doc->bom, (uint32_t)doc->bom, NIL, NIL};
	doc->n_secs = 1;

	size_t bad = utf8_check((const unsigned char *)s, doc->len);
	if (bad < doc->len) {
		fail(&ps, bad, "invalid UTF-8");
		goto out;
	}
	size_t p = doc->bom;
	while (p < doc->len) {
		p = skip_ws(s, p);
		const char *after = "a comment";
		if (s[p] == '[') {
			if (parse_header(&ps, &p) < 0)
				goto out;
			after = "the table header";
		} else if (s[p] != '#' && s[p] != '\n' && s[p] != '\r' && p < doc->len) {
			size_t stmt = p;
			if (parse_keyval(&ps, &p, ps.table) < 0)
				goto out;
			doc->secs[ps.sec].kv_stmt = (uint32_t)stmt;
			doc->secs[ps.sec].kv_end = (uint32_t)p;
			after = "the value";
		}
		if (end_of_line(&ps, &p, after) < 0)
			goto out;
	}
	r = 0;
out:
	free(ps.parts);
	free(ps.hc_parts);
	free(ps.hc_parent);
	free(ps.hc_node);
	return r;
}

/* ---- documents ---- */

static struct toml_doc *
doc_new(const char *text, size_t len)
{
	struct toml_doc *doc = xcalloc(1, sizeof(*doc));
	doc->text.exact = true;
	doc->buf = region_need(&doc->text, len + 1);
	if (len)
		memcpy(doc->buf, text, len);
	doc->buf[len] = '\0';
	doc->len = len;
	return doc;
}

int
toml_doc_parse(const char *text, size_t len, struct toml_doc **ret_doc, struct gp_error *err)
{
	if (len > MAX_TEXT)
		return gp_error_set(err, "the document is too large (%zu bytes)", len);
	struct toml_doc *doc = doc_new(text, len);
	if (doc_index(doc, err) < 0) {
		toml_doc_free(doc);
		return -1;
	}
	*ret_doc = doc;
	return 0;
}

/* Read a file straight into a document's text region. Returns 0 or -errno. */
static int
doc_read(struct toml_doc *doc, const char *path)
{
	size_t size;
	_cleanup_close_ int fd = open_for_read(path, &size);
	if (fd < 0)
		return fd;
	size_t want = size ? size + 1 : 65536;
	doc->buf = region_need(&doc->text, want);
	for (;;) {
		if (doc->len + 1 >= doc->text.pop)
			doc->buf = region_need(&doc->text, doc->text.pop * 2);
		if (doc->len > MAX_TEXT)
			return -EFBIG;
		ssize_t r = read_retry(fd, doc->buf + doc->len, doc->text.pop - doc->len - 1);
		if (r < 0)
			return -errno;
		if (r == 0)
			break;
		doc->len += (size_t)r;
	}
	doc->buf[doc->len] = '\0';
	return 0;
}

int
toml_doc_load(const char *path, struct toml_doc **ret_doc, struct gp_error *err)
{
	struct toml_doc *doc = xcalloc(1, sizeof(*doc));
	doc->text.exact = true;
	int r = doc_read(doc, path);
	if (r < 0) {
		toml_doc_free(doc);
		if (r == -EFBIG)
			return gp_error_set(err, "'%s' is too large for a TOML document", path);
		return gp_error_set_errno(err, r, "reading '%s'", path);
	}
	_cleanup_error_ struct gp_error e = GP_ERROR_INIT;
	if (doc_index(doc, &e) < 0) {
		toml_doc_free(doc);
		gp_error_set(err, "%s:%s", path, e.msg);
		return gp_error_hint(err, "fix the TOML syntax at that line and column");
	}
	*ret_doc = doc;
	return 0;
}

void
toml_doc_free(struct toml_doc *doc)
{
	if (!doc)
		return;
	region_free(&doc->text);
	region_free(&doc->node_mem);
	region_free(&doc->slot_mem);
	free(doc->pool);
	free(doc->secs);
	free(doc);
}

const char *
toml_doc_text(const struct toml_doc *doc, size_t *ret_len)
{
	if (ret_len)
		*ret_len = doc->len;
	return doc->buf;
}

/* ---- keys and paths as text ---- */

static bool
key_is_bare(const char *k, size_t n)
{
	if (!n)
		return false;
	for (size_t i = 0; i < n; i++)
		if (!is_bare(k[i]))
			return false;
	return true;
}

/* A string as a TOML basic string. */
static void
fmt_string(struct sbuf *b, const char *s, size_t n)
{
	sb_grow(b, n + 2);
	sb_addc(b, '"');
	for (size_t i = 0; i < n; i++) {
		char c = s[i], letter = escape_letter(c);
		if (letter) {
			sb_addc(b, '\\');
			sb_addc(b, letter);
		} else if ((unsigned char)c < 0x20 || c == 0x7F) {
			sb_addf(b, "\\u%04X", (unsigned char)c);
		} else {
			sb_addc(b, c);
		}
	}
	sb_addc(b, '"');
}

static void
fmt_key(struct sbuf *b, const char *k, size_t n)
{
	if (key_is_bare(k, n))
		sb_add(b, k, n);
	else
		fmt_string(b, k, n);
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
	if (!lit || !literal_ok(s, n))
		return fmt_string(b, s, n);
	sb_grow(b, n + 2);
	sb_addc(b, '\'');
	sb_add(b, s, n);
	sb_addc(b, '\'');
}

static void
fmt_key_as(struct sbuf *b, const char *k, size_t n, bool lit)
{
	if (key_is_bare(k, n))
		sb_add(b, k, n);
	else
		fmt_string_as(b, k, n, lit);
}

/*
 * The file's quote style: true when its strings are all literal ('...'), as in containerd
 * 2.x's `config default`; then new strings and quoted keys are written that way too.
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

char *
toml_path_format(const char *const *path)
{
	struct sbuf b = {0};
	sb_grow(&b, 0);
	b.p[0] = '\0';
	for (size_t i = 0; path[i]; i++) {
		if (i)
			sb_addc(&b, '.');
		fmt_key(&b, path[i], strlen(path[i]));
	}
	return b.p;
}

static char *
path_prefix_format(const char *const *path, size_t n)
{
	struct sbuf b = {0};
	sb_grow(&b, 0);
	b.p[0] = '\0';
	for (size_t i = 0; i < n; i++) {
		if (i)
			sb_addc(&b, '.');
		fmt_key(&b, path[i], strlen(path[i]));
	}
	return b.p;
}

/* The keys from the root down to id (array elements are skipped), as a TOML key. */
static char *
node_path(const struct toml_doc *doc, uint32_t id)
{
	uint32_t chain[64];
	size_t n = 0;
	bool more = false;
	for (uint32_t x = id; x; x = doc->nodes[x].parent) {
		if (doc->nodes[doc->nodes[x].parent].type != TOML_TABLE)
			continue;
		if (n == GP_ARRAY_SIZE(chain)) {
			more = true;
			break;
		}
		chain[n++] = x;
	}
	struct sbuf b = {0};
	sb_grow(&b, 0);
	b.p[0] = '\0';
	if (more)
		sb_adds(&b, "...");
	while (n--) {
		const struct toml_node *x = &doc->nodes[chain[n]];
		if (b.len)
			sb_addc(&b, '.');
		fmt_key(&b, node_key(doc, x), x->key_len);
	}
	return b.p;
}

static const char *
type_name(enum toml_type t)
{
	switch (t) {
	case TOML_STRING:
		return "a string";
	case TOML_INTEGER:
		return "an integer";
	case TOML_FLOAT:
		return "a float";
	case TOML_BOOL:
		return "a boolean";
	case TOML_DATETIME:
		return "a date-time";
	case TOML_DATETIME_LOCAL:
		return "a local date-time";
	case TOML_DATE_LOCAL:
		return "a local date";
	case TOML_TIME_LOCAL:
		return "a local time";
	case TOML_ARRAY:
		return "an array";
	case TOML_TABLE:
		return "a table";
	case TOML_NONE:
		break;
	}
	return "nothing";
}

/* ---- reading ---- */

/*
 * Follow a path as far as it exists. Returns the node of the whole path
 * (*ret_n is its length), or where it stopped: the table in which path[*ret_n]
 * is missing, or a value that is not a table. Arrays of tables step into
 * their last element.
 */
static uint32_t
walk(const struct toml_doc *doc, const char *const *path, size_t *ret_n)
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
		uint32_t c = child_find_str(doc, t, path[i]);
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
	uint32_t id = walk(doc, path, &n);
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
	uint32_t c = child_find_str(doc, (uint32_t)(table - doc->nodes), key);
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

static int
want_type(const struct toml_doc *doc, const struct toml_node *node, enum toml_type t,
          struct gp_error *err)
{
	if (node->type == t)
		return 0;
	uint32_t id = (uint32_t)(node - doc->nodes);
	_cleanup_free_ char *path = node_path(doc, id);
	return gp_error_set(err, "'%s' is %s, not %s", id ? path : "the root",
	                    type_name((enum toml_type)node->type), type_name(t));
}

int
toml_node_string(const struct toml_doc *doc, const struct toml_node *node, char **ret,
                 size_t *ret_len, struct gp_error *err)
{
	if (want_type(doc, node, TOML_STRING, err) < 0)
		return -1;
	struct sbuf b = {0};
	sb_grow(&b, node->end - node->off);
	decode_string(doc->buf, node->off, node->end, &b);
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
	int_value(doc->buf, node->off, node->end, ret);
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
	scan_datetime(&ps, doc->buf, node->off, node->end, ret);
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
	size_t n;
	uint32_t id = walk(doc, path, &n);
	if (!path[n]) {
		*ret = &doc->nodes[id];
		return 1;
	}
	if (doc->nodes[id].type == TOML_TABLE)
		return 0;
	_cleanup_free_ char *p = path_prefix_format(path, n);
	return gp_error_set(err, "'%s' is %s, not a table", p,
	                    type_name((enum toml_type)doc->nodes[id].type));
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
		return gp_error_set(err, "'%s' is %s, not an array of strings", p,
		                    node->flags & F_AOT ? "an array of tables"
		                                        : type_name((enum toml_type)node->type));
	}
	char **v = xcalloc(node->count + 1, sizeof(char *));
	size_t i = 0;
	for (const struct toml_node *e = toml_node_first(doc, node); e;
	     e = toml_node_next(doc, e)) {
		if (e->type != TOML_STRING) {
			strv_free(v);
			_cleanup_free_ char *p = toml_path_format(path);
			return gp_error_set(err, "'%s' is not an array of strings: it holds %s", p,
			                    type_name((enum toml_type)e->type));
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
		decode_string(s, n->off, n->end, &b);
		json_t *v = json_stringn_nocheck(b.p, b.len);
		sb_release(&b);
		return tagged("string", v);
	}
	case TOML_INTEGER: {
		int64_t v = 0;
		int_value(s, n->off, n->end, &v);
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

/* ---- editing ---- */

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

/* Is the node's stmt an offset (key-values), rather than a section (tables)? */
static inline bool
stmt_is_offset(const struct toml_node *n)
{
	return !(n->type == TOML_TABLE && !(n->flags & F_INLINE_ROOT));
}

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
			slots_remove(doc, n);
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

/* Take a node out of its parent's list of children (and the hash table). */
static void
unlink_child(struct toml_doc *doc, uint32_t id)
{
	struct toml_node *x = &doc->nodes[id];
	struct toml_node *p = &doc->nodes[x->parent];
	bool keyed = p->type == TOML_TABLE;
	if (keyed && p->count >= HASH_MIN)
		slots_remove(doc, id);
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
			slots_remove(doc, c);
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
	size_t bad = utf8_check((const unsigned char *)doc->buf + at, ins);
	if (bad < ins) {
		fail(&ps, at + bad, "invalid UTF-8");
		goto out;
	}
	switch (ch->kind) {
	case CH_VALUE: {
		kill_subtree(doc, ch->id, false);
		shift(doc, at, del, ins);
		struct toml_node *n = &doc->nodes[ch->id];
		uint32_t want_end = n->end;
		size_t p = n->off;
		n->type = TOML_NONE;
		n->flags &= F_KEY_POOL;
		if (parse_value(&ps, &p, ch->id) < 0)
			goto out;
		if (p != want_end) {
			fail(&ps, p, "the new value does not end where the old one did");
			goto out;
		}
		break;
	}
	case CH_KEYVAL: {
		shift(doc, at, del, ins);
		size_t p = ch->at;
		ps.sec = ch->sec;
		ps.table = doc->secs[ch->sec].table;
		if (parse_keyval(&ps, &p, ps.table) < 0)
			goto out;
		struct toml_section *S = &doc->secs[ch->sec];
		if (S->kv_stmt == NIL || S->kv_stmt < ch->at) {
			S->kv_stmt = (uint32_t)ch->at;
			S->kv_end = (uint32_t)p;
		}
		if (end_of_line(&ps, &p, "the value") < 0)
			goto out;
		relink_new(doc, n_before);
		break;
	}
	case CH_HEADER: {
		shift(doc, at, del, ins);
		size_t p = ch->at;
		if (parse_header(&ps, &p) < 0 || end_of_line(&ps, &p, "the table header") < 0)
			goto out;
		/* parse_header() added the section last: move it into document order */
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
		uint32_t sec = 0;
		for (uint32_t i = 1; i < doc->n_secs && doc->secs[i].start <= at; i++)
			sec = i;
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
	free(ps.parts);
	free(ps.hc_parts);
	free(ps.hc_parent);
	free(ps.hc_node);
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
	doc->buf = region_need(&doc->text, doc->len - del + ins_len + 1);
	memmove(doc->buf + off + ins_len, doc->buf + off + del, doc->len - off - del);
	memcpy(doc->buf + off, ins, ins_len);
	doc->len = doc->len - del + ins_len;
	doc->buf[doc->len] = '\0';
	_cleanup_error_ struct gp_error e = GP_ERROR_INIT;
	if (ch->kind != CH_REINDEX && apply_change(doc, ch, off, del, ins_len, &e) == 0)
		return 0;
	gp_error_release(&e);
	if (doc_index(doc, &e) == 0)
		return 0;
	memmove(doc->buf + off + del, doc->buf + off + ins_len, doc->len - off - ins_len);
	memcpy(doc->buf + off, old, del);
	doc->len = doc->len - ins_len + del;
	doc->buf[doc->len] = '\0';
	_cleanup_error_ struct gp_error e2 = GP_ERROR_INIT;
	doc_index(doc, &e2);
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
		fmt_key(b, node_key(doc, x), x->key_len);
		sb_addc(b, '.');
	}
}

static void
rest_key(const char *const *rest, struct sbuf *b)
{
	for (size_t i = 0; rest[i]; i++) {
		if (i)
			sb_addc(b, '.');
		fmt_key(b, rest[i], strlen(rest[i]));
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

static size_t
section_end(const struct toml_doc *doc, uint32_t sec)
{
	const struct toml_section *S = &doc->secs[sec];
	return line_end_after(doc, S->kv_stmt != NIL ? S->kv_end : S->hdr_end);
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
	uint32_t id = walk(doc, path, &n);
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
		                    type_name((enum toml_type)node->type));
	}
	if (node->type != TOML_TABLE) {
		_cleanup_free_ char *pre = path_prefix_format(path, n);
		return gp_error_set(err, "cannot create table '%s': '%s' is %s, not a table", p,
		                    pre, type_name((enum toml_type)node->type));
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
	decode_string(doc->buf, n->off, n->end, &b);
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
		return n->type == TOML_INTEGER && int_value(doc->buf, n->off, n->end, &x) &&
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
		uint32_t id = walk(doc, path, &n);
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
			_cleanup_free_ char *pre = path_prefix_format(path, n);
			return gp_error_set(err, "cannot set '%s': '%s' is %s, not a table", p, pre,
			                    type_name((enum toml_type)node->type));
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
	uint32_t id = walk(doc, path, &n);
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
		fmt_string(&t, values[i], strlen(values[i]));
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
toml_delete(struct toml_doc *doc, const char *const *path, struct gp_error *err)
{
	if (!path[0])
		return 0;
	size_t n;
	uint32_t id = walk(doc, path, &n);
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

/* ---- self-check ---- */

static bool
node_same(const struct toml_doc *a, uint32_t ia, const struct toml_doc *b, uint32_t ib)
{
	const struct toml_node *x = &a->nodes[ia], *y = &b->nodes[ib];
	if (x->type != y->type || (x->flags & ~F_KEY_POOL) != (y->flags & ~F_KEY_POOL) ||
	    x->key_len != y->key_len || memcmp(node_key(a, x), node_key(b, y), x->key_len) != 0 ||
	    x->off != y->off || x->end != y->end || x->count != y->count || x->depth != y->depth)
		return false;
	if (stmt_is_offset(x)
	            ? x->stmt != y->stmt
	            : (x->stmt == NIL) != (y->stmt == NIL) ||
	                      (x->stmt != NIL && a->secs[x->stmt].start != b->secs[y->stmt].start))
		return false;
	uint32_t cx = x->first, cy = y->first;
	for (; cx && cy; cx = a->nodes[cx].next, cy = b->nodes[cy].next) {
		if (a->nodes[cx].parent != ia || !node_same(a, cx, b, cy))
			return false;
		/* every key is found through the lookup (the hash table, or the scan) */
		const struct toml_node *c = &a->nodes[cx];
		if (x->type == TOML_TABLE &&
		    child_find(a, ia, node_key(a, c), c->key_len,
		               hash_bytes(node_key(a, c), c->key_len)) != cx)
			return false;
	}
	return !cx && !cy && (!x->last || a->nodes[x->last].next == 0);
}

bool
toml_doc_check(const struct toml_doc *doc)
{
	_cleanup_error_ struct gp_error err = GP_ERROR_INIT;
	struct toml_doc *fresh = NULL;
	if (toml_doc_parse(doc->buf, doc->len, &fresh, &err) < 0)
		return false;
	bool same = doc->n_secs == fresh->n_secs;
	for (uint32_t i = 0; same && i < doc->n_secs; i++) {
		const struct toml_section *x = &doc->secs[i], *y = &fresh->secs[i];
		same = x->start == y->start && x->hdr_end == y->hdr_end &&
		       x->kv_stmt == y->kv_stmt && x->kv_end == y->kv_end &&
		       doc->nodes[x->table].off == fresh->nodes[y->table].off;
	}
	same = same && node_same(doc, 0, fresh, 0);
	toml_doc_free(fresh);
	return same;
}
