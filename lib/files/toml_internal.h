/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Inside the TOML reader and editor (toml.h is the interface): the document,
 * its index and the parser's state, shared by the files that make it up, each
 * using only those above it in this list:
 *
 *   toml_text.c   TOML text token by token: UTF-8, error positions, comments,
 *                 strings, keys, numbers and date-times as the parser reads
 *                 them, and keys and strings as the editor writes them
 *   toml_parse.c  the index (nodes, the key hash, sections) and the parser
 *                 that builds it; documents: parse, load, free; the self-check
 *   toml_get.c    reading: paths, handles, typed values, toml-test's JSON
 *   toml_edit.c   editing: splicing the text and indexing just the new bytes
 *
 * The index: every table, array and value is a node in one array. A node
 * names its bytes ([off, end) in the text), its parent, its children (a
 * linked list, in document order) and its decoded key: bytes in the text
 * when the key has no escapes, else bytes in a side pool. One open-addressing
 * hash table maps (parent, key) to the child for the whole document. A
 * section is the run of lines under one [header] (section 0 is the root's):
 * it remembers its header's span and its last key-value line, which is where
 * new keys go.
 *
 * Only lib/files/toml_*.c include this.
 */
#pragma once

#include <stdarg.h>
#include <stdint.h>
#include <string.h>

#include "toml.h"
#include "util.h"

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
 * The text, the nodes and the hash slots each live on the heap while small (a key parsed on
 * its own, a small config: no mapping to make and unmap), and past 256 KB in a mapping of
 * their own whose used part is populated ahead of use, a range per call. On some
 * virtual machines the first touch of a page costs tens of microseconds (a
 * trap to the hypervisor), more than parsing the bytes on it.
 */
struct region {
	char *p;
	size_t cap; /* bytes mapped */
	size_t pop; /* bytes populated */
	bool exact; /* populate what is asked for; else an eighth more, for growing arrays */
	bool heap;  /* small: malloc'd (cap <= 256 KB), not mapped */
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

/* Free what a parser allocated (its key parts and header cache). */
void toml_parser_release(struct parser *ps);

/* A growable byte string. */
struct sbuf {
	char *p;
	size_t len, cap;
};

static inline void
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

static inline void
sb_add(struct sbuf *b, const char *s, size_t n)
{
	sb_grow(b, n);
	memcpy(b->p + b->len, s, n);
	b->len += n;
	b->p[b->len] = '\0';
}

static inline void
sb_adds(struct sbuf *b, const char *s)
{
	sb_add(b, s, strlen(s));
}

static inline void
sb_addc(struct sbuf *b, char c)
{
	sb_add(b, &c, 1);
}

static inline void _printf_(2, 3) sb_addf(struct sbuf *b, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	_cleanup_free_ char *s = xvasprintf(fmt, ap);
	va_end(ap);
	sb_adds(b, s);
}

static inline void
sb_release(struct sbuf *b)
{
	free(b->p);
	*b = (struct sbuf){0};
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

static inline size_t
skip_ws(const char *s, size_t p)
{
	while (is_ws(s[p]))
		p++;
	return p;
}

/* ---- the index ---- */

static inline const char *
node_key(const struct toml_doc *doc, const struct toml_node *n)
{
	return (n->flags & F_KEY_POOL ? doc->pool : doc->buf) + n->key_off;
}

static inline uint32_t
hash_bytes(const char *s, size_t n)
{
	uint32_t h = 2166136261u;
	for (size_t i = 0; i < n; i++)
		h = (h ^ (unsigned char)s[i]) * 16777619u;
	return h;
}

/* Is the node's stmt an offset (key-values), rather than a section (tables)? */
static inline bool
stmt_is_offset(const struct toml_node *n)
{
	return !(n->type == TOML_TABLE && !(n->flags & F_INLINE_ROOT));
}

/* ---- toml_text.c ---- */

/* Offset of the first byte that is not valid UTF-8 (overlongs and surrogates included), or len. */
size_t toml_utf8_check(const unsigned char *s, size_t len);
/* Line and column (1-based, columns in characters) of offset pos. */
void toml_pos_line_col(const char *s, size_t bom, size_t pos, unsigned *ret_line,
                       unsigned *ret_col);
/* Set ps->err to "LINE:COL: message" for pos (once: a later failure keeps the first); -1. */
int toml_fail(struct parser *ps, size_t pos, const char *fmt, ...) _printf_(3, 4);
/* Names the character at pos for a message: 'x', newline, U+0007, end of file. */
const char *toml_what(struct parser *ps, size_t pos, char out[16]);
/* After a statement: white space, maybe a comment, then a newline or the end. */
int toml_end_of_line(struct parser *ps, size_t *pos, const char *after);
/* White space, comments and newlines, as arrays allow between values. */
int toml_skip_wcn(struct parser *ps, size_t *pos);
/* A string at s[p] (its opening quote); *ret_end is past the closing quote(s). */
int toml_scan_string(struct parser *ps, size_t p, size_t *ret_end, bool *ret_escapes);
/* Decode a valid string literal s[off, end) (quotes included) onto out. */
void toml_decode_string(const char *s, size_t off, size_t end, struct sbuf *out);
/* A key, dotted or not, into ps->parts; *pos ends past the white space after it. */
int toml_parse_key(struct parser *ps, size_t *pos);
/* The value of valid integer text s[p, q) (sign, base prefix, underscores); false on overflow. */
bool toml_int_value(const char *s, size_t p, size_t q, int64_t *ret);
/* An integer or float at s[p0, q); *ret_type is TOML_INTEGER or TOML_FLOAT. */
int toml_scan_number(struct parser *ps, size_t p0, size_t q, uint8_t *ret_type);
/*
 * A date-time at s[p, q) into ret (may be NULL); the text is known to start
 * like a date (DDDD-) or a time (DD:). Fails with a message when invalid.
 */
int toml_scan_datetime(struct parser *ps, const char *s, size_t p, size_t q,
                       struct toml_datetime *ret);
/* Does the bare value s[p, q) start like a date (DDDD-), or a time (DD:)? */
bool toml_looks_like_date(const char *s, size_t p, size_t q);
bool toml_looks_like_time(const char *s, size_t p, size_t q);
/* A string as a TOML basic string. */
void toml_fmt_string(struct sbuf *b, const char *s, size_t n);
/* A key as TOML writes it: bare where it can be, else a basic string. */
void toml_fmt_key(struct sbuf *b, const char *k, size_t n);
/* The first n keys of path, as toml_path_format() writes them. */
char *toml_path_prefix_format(const char *const *path, size_t n);
/* A table's path for messages, as a TOML key. */
char *toml_node_path(const struct toml_doc *doc, uint32_t id);
/* "a string", "an integer", ...: a type for messages. */
const char *toml_type_name(enum toml_type t);

/* ---- toml_parse.c ---- */

/* Make bytes [0, n) of a region usable, keeping their contents; returns its (moved?) base. */
void *toml_region_need(struct region *r, size_t n);
/* Take a node out of the hash table, if it is there (backward-shift deletion). */
void toml_slots_remove(struct toml_doc *doc, uint32_t id);
/* The child of a table by key (NUL-terminated), or NIL. */
uint32_t toml_child_find_str(const struct toml_doc *doc, uint32_t parent, const char *key);
/* The statements and values the parser reads at *pos, into the index (edits reuse them). */
int toml_parse_keyval(struct parser *ps, size_t *pos, uint32_t table);
int toml_parse_value(struct parser *ps, size_t *pos, uint32_t id);
int toml_parse_header(struct parser *ps, size_t *pos);
/* Index doc->buf from scratch. */
int toml_doc_index(struct toml_doc *doc, struct gp_error *err);

/* ---- toml_get.c ---- */

/*
 * A type error about node id (the whole path, or its prefix: what it names):
 * "LINE:COL: [<context>: ]'<what>' is <kind>, not <want>" at where the node is
 * written, with a hint. context may be NULL. Returns -1.
 */
int toml_type_error(const struct toml_doc *doc, uint32_t id, const char *context, const char *what,
                    const char *want, struct gp_error *err);

/*
 * Follow a path as far as it exists. Returns the node of the whole path
 * (*ret_n is its length), or where it stopped: the table in which path[*ret_n]
 * is missing, or a value that is not a table. Arrays of tables step into
 * their last element.
 */
uint32_t toml_walk(const struct toml_doc *doc, const char *const *path, size_t *ret_n);
