// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * TOML 1.0: a validating parser that indexes spans of one buffer. The index
 * (nodes, the key hash, sections), the parser that builds it, documents
 * (parse, load, free) and the self-check. See toml_internal.h.
 */
#include "toml_internal.h"

#include <errno.h>
#include <string.h>
#include <sys/mman.h>

#ifndef MADV_POPULATE_WRITE
#define MADV_POPULATE_WRITE 23
#endif

/* ---- the index ---- */

static size_t
round_up(size_t n, size_t to)
{
	return (n + to - 1) / to * to;
}

/*
 * Below this a region is on the heap: a key parsed on its own, a small config, never pay a
 * mapping's mmap, madvise and munmap (and its page faults).
 */
#define REGION_HEAP_MAX (256 * 1024)

/* Make bytes [0, n) of a region usable, keeping their contents; returns its (moved?) base. */
void *
toml_region_need(struct region *r, size_t n)
{
	if (n <= r->cap)
		goto populate;
	if (n <= REGION_HEAP_MAX && (r->heap || !r->p)) {
		size_t cap = r->cap ? r->cap : 256;
		while (cap < n)
			cap *= 2;
		r->p = xrealloc(r->p, cap);
		memset(r->p + r->cap, 0, cap - r->cap); /* zeroed, as a fresh mapping is */
		r->cap = cap;
		r->heap = true;
		r->pop = cap; /* heap memory needs no populating */
		return r->p;
	}
	size_t cap = r->cap > 65536 ? r->cap : 65536;
	while (cap < n)
		cap *= 2;
	void *p;
	if (r->heap) {
		/* Outgrew the heap: into a mapping of its own, the used part populated. */
		p = mmap(NULL, cap, PROT_READ | PROT_WRITE,
		         MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
		if (p != MAP_FAILED) {
			madvise(p, round_up(r->cap, 16384), MADV_POPULATE_WRITE);
			memcpy(p, r->p, r->cap);
			free(r->p);
			r->pop = round_up(r->cap, 16384);
			r->heap = false;
		}
	} else {
		p = r->p ? mremap(r->p, r->cap, cap, MREMAP_MAYMOVE)
		         : mmap(NULL, cap, PROT_READ | PROT_WRITE,
		                MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	}
	if (p == MAP_FAILED)
		xmalloc(SIZE_MAX); /* the one way lib/ fails on memory: abort */
	r->p = p;
	r->cap = cap;
populate:
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
	if (r->heap)
		free(r->p);
	else if (r->p)
		munmap(r->p, r->cap);
	*r = (struct region){.exact = r->exact};
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
		doc->slots = toml_region_need(&doc->slot_mem, n * sizeof(*doc->slots));
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
void
toml_slots_remove(struct toml_doc *doc, uint32_t id)
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

uint32_t
toml_child_find_str(const struct toml_doc *doc, uint32_t parent, const char *key)
{
	size_t n = strlen(key);
	return child_find(doc, parent, key, n, hash_bytes(key, n));
}

/* ---- the parser ---- */

static uint32_t
node_new(struct parser *ps, uint32_t parent, const struct kpart *kp, uint8_t type, uint8_t flags)
{
	struct toml_doc *doc = ps->doc;
	if (doc->nodes[parent].depth >= MAX_DEPTH) {
		toml_fail(ps, kp ? kp->src : doc->nodes[parent].off,
		          "nesting deeper than %d levels", MAX_DEPTH);
		return 0;
	}
	if (doc->n_nodes == doc->cap_nodes) {
		doc->nodes =
		        toml_region_need(&doc->node_mem, (doc->n_nodes + 1) * sizeof(*doc->nodes));
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
		if (kp->src < n->off) /* as in toml_parse_header() */
			n->off = kp->src;
		if (n->flags & F_IMPLICIT) {
			n->flags = (uint8_t)((n->flags & ~F_IMPLICIT) | F_DOTTED);
			n->stmt = ps->sec;
		}
		*ret = c;
		return 0;
	}
	_cleanup_free_ char *path = toml_node_path(doc, c);
	if (n->type == TOML_TABLE && (n->flags & F_INLINE))
		return toml_fail(ps, kp->src, "cannot add keys to the inline table '%s'", path);
	if (n->type == TOML_TABLE)
		return toml_fail(
		        ps, kp->src,
		        "table '%s' is defined by a [header]: dotted keys cannot add to it", path);
	if (n->type == TOML_ARRAY)
		return toml_fail(ps, kp->src, "cannot add keys to the array '%s' with a dotted key",
		                 path);
	return toml_fail(ps, kp->src, "key '%s' is already defined as a value, not a table", path);
}

int
toml_parse_keyval(struct parser *ps, size_t *pos, uint32_t table)
{
	const char *s = ps->s;
	size_t stmt = *pos, p = *pos;
	if (toml_parse_key(ps, &p) < 0)
		return -1;
	if (s[p] != '=') {
		char w[16];
		return toml_fail(ps, p, "expected '=' after the key, found %s",
		                 toml_what(ps, p, w));
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
		_cleanup_free_ char *path = toml_node_path(doc, dup);
		return toml_fail(ps, kp->src, "duplicate key '%s'", path);
	}
	uint32_t id = node_new(ps, t, kp, TOML_NONE, 0);
	if (!id)
		return -1;
	doc->nodes[id].stmt = (uint32_t)stmt;
	if (toml_parse_value(ps, &p, id) < 0)
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
		if (toml_skip_wcn(ps, &p) < 0)
			return -1;
		if (s[p] == ']') {
			p++;
			break;
		}
		uint32_t e = node_new(ps, id, NULL, TOML_NONE, 0);
		if (!e || toml_parse_value(ps, &p, e) < 0)
			return -1;
		if (toml_skip_wcn(ps, &p) < 0)
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
		return toml_fail(ps, p, "expected ',' or ']' in the array, found %s",
		                 toml_what(ps, p, w));
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
			if (toml_parse_keyval(ps, &p, id) < 0)
				return -1;
			p = skip_ws(s, p);
			if (s[p] == ',') {
				p = skip_ws(s, p + 1);
				if (s[p] == '}')
					return toml_fail(
					        ps, p,
					        "a trailing comma is not allowed in an inline "
					        "table");
				continue;
			}
			if (s[p] == '}') {
				p++;
				break;
			}
			char w[16];
			return toml_fail(ps, p, "expected ',' or '}' in the inline table, found %s",
			                 toml_what(ps, p, w));
		}
	}
	freeze(ps->doc, id);
	*pos = p;
	return 0;
}

int
toml_parse_value(struct parser *ps, size_t *pos, uint32_t id)
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
		if (toml_scan_string(ps, p, &end, NULL) < 0)
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
			return toml_fail(ps, p, "expected a value, found %s", toml_what(ps, p, w));
		if (toml_looks_like_date(s, p, end)) {
			/* "1979-05-27 07:32:00": a space may separate the date and the time */
			if (end - p == 10 && s[end] == ' ' && is_digit(s[end + 1]) &&
			    is_digit(s[end + 2]) && s[end + 3] == ':') {
				end++;
				while (is_tok(s[end]))
					end++;
			}
			struct toml_datetime dt;
			if (toml_scan_datetime(ps, s, p, end, &dt) < 0)
				return -1;
			type = (uint8_t)dt.type;
		} else if (toml_looks_like_time(s, p, end)) {
			if (toml_scan_datetime(ps, s, p, end, NULL) < 0)
				return -1;
			type = TOML_TIME_LOCAL;
		} else if ((end - p == 4 && memcmp(s + p, "true", 4) == 0) ||
		           (end - p == 5 && memcmp(s + p, "false", 5) == 0)) {
			type = TOML_BOOL;
		} else {
			if (toml_scan_number(ps, p, end, &type) < 0)
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

int
toml_parse_header(struct parser *ps, size_t *pos)
{
	struct toml_doc *doc = ps->doc;
	const char *s = ps->s;
	char w[16];
	size_t start = *pos;
	bool aot = s[start + 1] == '[';
	size_t p = skip_ws(s, start + (aot ? 2 : 1));
	if (toml_parse_key(ps, &p) < 0)
		return -1;
	if (s[p] != ']')
		return toml_fail(ps, p, "expected '%s' to close the table header, found %s",
		                 aot ? "]]" : "]", toml_what(ps, p, w));
	p++;
	if (aot) {
		if (s[p] != ']')
			return toml_fail(ps, p,
			                 "expected ']]' to close the array-of-tables header");
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
		_cleanup_free_ char *path = toml_node_path(doc, c);
		if (n->type == TOML_TABLE)
			return toml_fail(ps, kp->src, "cannot add a table to the inline table '%s'",
			                 path);
		if (n->type == TOML_ARRAY)
			return toml_fail(ps, kp->src, "cannot add a table to the static array '%s'",
			                 path);
		return toml_fail(ps, kp->src, "key '%s' is already defined as a value, not a table",
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
			_cleanup_free_ char *path = toml_node_path(doc, c);
			if (aot)
				return toml_fail(ps, kp->src,
				                 "'%s' is already defined, and not as an array of "
				                 "tables",
				                 path);
			if (n->type == TOML_ARRAY && (n->flags & F_AOT))
				return toml_fail(ps, kp->src,
				                 "'%s' is an array of tables; its elements are "
				                 "[[%s]]",
				                 path, path);
			if (n->type != TOML_TABLE)
				return toml_fail(ps, kp->src, "duplicate key '%s'", path);
			if (n->flags & F_HEADER)
				return toml_fail(ps, kp->src, "table [%s] is defined twice", path);
			if (n->flags & F_DOTTED)
				return toml_fail(ps, kp->src,
				                 "table '%s' is already defined by dotted keys",
				                 path);
			return toml_fail(ps, kp->src,
			                 "table '%s' is already defined as an inline table", path);
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
int
toml_doc_index(struct toml_doc *doc, struct gp_error *err)
{
	struct parser ps = {.doc = doc, .s = doc->buf, .len = doc->len, .err = err};
	const char *s = doc->buf;
	int r = -1;

	doc->bom = doc->len >= 3 && memcmp(s, "\xEF\xBB\xBF", 3) == 0 ? 3 : 0;
	if (!doc->cap_nodes) {
		/* a guess from the size, so that most documents need no growing */
		doc->nodes = toml_region_need(&doc->node_mem,
		                              (doc->len / 64 + 64) * sizeof(*doc->nodes));
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

	size_t bad = toml_utf8_check((const unsigned char *)s, doc->len);
	if (bad < doc->len) {
		toml_fail(&ps, bad, "invalid UTF-8");
		goto out;
	}
	size_t p = doc->bom;
	while (p < doc->len) {
		p = skip_ws(s, p);
		const char *after = "a comment";
		if (s[p] == '[') {
			if (toml_parse_header(&ps, &p) < 0)
				goto out;
			after = "the table header";
		} else if (s[p] != '#' && s[p] != '\n' && s[p] != '\r' && p < doc->len) {
			size_t stmt = p;
			if (toml_parse_keyval(&ps, &p, ps.table) < 0)
				goto out;
			doc->secs[ps.sec].kv_stmt = (uint32_t)stmt;
			doc->secs[ps.sec].kv_end = (uint32_t)p;
			after = "the value";
		}
		if (toml_end_of_line(&ps, &p, after) < 0)
			goto out;
	}
	r = 0;
out:
	toml_parser_release(&ps);
	return r;
}

void
toml_parser_release(struct parser *ps)
{
	free(ps->parts);
	free(ps->hc_parts);
	free(ps->hc_parent);
	free(ps->hc_node);
}

/* ---- documents ---- */

static struct toml_doc *
doc_new(const char *text, size_t len)
{
	struct toml_doc *doc = xcalloc(1, sizeof(*doc));
	doc->text.exact = true;
	doc->buf = toml_region_need(&doc->text, len + 1);
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
	if (toml_doc_index(doc, err) < 0) {
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
	doc->buf = toml_region_need(&doc->text, want);
	for (;;) {
		if (doc->len + 1 >= doc->text.pop)
			doc->buf = toml_region_need(&doc->text, doc->text.pop * 2);
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
	if (toml_doc_index(doc, &e) < 0) {
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

char *
toml_doc_finish(struct toml_doc *doc, size_t *ret_len)
{
	/* The index goes first, so that the text and its copy are all there is at the peak. */
	region_free(&doc->node_mem);
	region_free(&doc->slot_mem);
	size_t len = doc->len;
	char *out;
	if (doc->text.heap) {
		out = TAKE_PTR(doc->text.p);
		doc->text = (struct region){0};
	} else {
		/* A mapping (page-aligned, buf at its start): copied 1 MB at a time, each MB's
		 * pages given back once copied. */
		const size_t chunk = 1024 * 1024;
		out = xmalloc(len + 1);
		for (size_t off = 0; off < len; off += chunk) {
			size_t n = len - off < chunk ? len - off : chunk;
			memcpy(out + off, doc->buf + off, n);
			size_t to = (off + n) / 4096 * 4096;
			if (to > off)
				madvise(doc->buf + off, to - off, MADV_DONTNEED);
		}
	}
	out[len] = '\0';
	toml_doc_free(doc);
	if (ret_len)
		*ret_len = len;
	return out;
}

const char *
toml_doc_text(const struct toml_doc *doc, size_t *ret_len)
{
	if (ret_len)
		*ret_len = doc->len;
	return doc->buf;
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
	/* An offset, or a section: the same index, as the sections are checked to be the same. */
	if (x->stmt != y->stmt)
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
