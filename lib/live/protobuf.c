// SPDX-License-Identifier: GPL-2.0-or-later
#include "protobuf.h"

#include <string.h>

static void
buf_reserve(struct pb_buf *b, size_t extra)
{
	if (b->cap - b->len >= extra)
		return;
	size_t cap = b->cap ? b->cap : 64;
	while (cap - b->len < extra)
		cap *= 2;
	b->data = xrealloc(b->data, cap);
	b->cap = cap;
}

void
pb_buf_release(struct pb_buf *b)
{
	if (!b)
		return;
	free(b->data);
	*b = (struct pb_buf)PB_BUF_INIT;
}

void
pb_put_varint(struct pb_buf *b, uint64_t v)
{
	buf_reserve(b, 10);
	do {
		uint8_t c = v & 0x7f;
		v >>= 7;
		b->data[b->len++] = c | (v ? 0x80 : 0);
	} while (v);
}

void
pb_put_tag(struct pb_buf *b, uint32_t field, enum pb_wire wire)
{
	pb_put_varint(b, ((uint64_t)field << 3) | (uint64_t)wire);
}

void
pb_put_uint(struct pb_buf *b, uint32_t field, uint64_t v)
{
	pb_put_tag(b, field, PB_WIRE_VARINT);
	pb_put_varint(b, v);
}

void
pb_put_bytes(struct pb_buf *b, uint32_t field, const void *data, size_t len)
{
	pb_put_tag(b, field, PB_WIRE_LEN);
	pb_put_varint(b, len);
	buf_reserve(b, len);
	if (len)
		memcpy(b->data + b->len, data, len);
	b->len += len;
}

void
pb_put_string(struct pb_buf *b, uint32_t field, const char *s)
{
	pb_put_bytes(b, field, s, strlen(s));
}

void
pb_reader_init(struct pb_reader *r, const void *data, size_t len)
{
	r->data = data;
	r->len = data ? len : 0;
	r->pos = 0;
}

static int
bad(struct pb_reader *r, size_t at, const char *what, struct gp_error *err)
{
	/* Stop here for good: a caller that ignores the error still cannot loop. */
	r->pos = r->len;
	return gp_error_set(err, "malformed protobuf at byte %zu: %s", at, what);
}

static int
read_varint(struct pb_reader *r, uint64_t *ret, struct gp_error *err)
{
	size_t start = r->pos;
	uint64_t v = 0;
	for (unsigned shift = 0; shift < 64; shift += 7) {
		if (r->pos >= r->len)
			return bad(r, start, "truncated varint", err);
		uint8_t c = r->data[r->pos++];
		/* The tenth byte may only hold the top bit. */
		if (shift == 63 && (c & 0x7e))
			return bad(r, start, "varint overflows 64 bits", err);
		v |= (uint64_t)(c & 0x7f) << shift;
		if (!(c & 0x80)) {
			*ret = v;
			return 0;
		}
	}
	return bad(r, start, "varint longer than 10 bytes", err);
}

int
pb_next(struct pb_reader *r, struct pb_field *ret, struct gp_error *err)
{
	if (r->pos >= r->len)
		return 0;
	size_t start = r->pos;
	uint64_t key;
	if (read_varint(r, &key, err) < 0)
		return -1;
	uint64_t number = key >> 3;
	if (number == 0 || number > 536870911u)
		return bad(r, start, "invalid field number", err);
	*ret = (struct pb_field){.number = (uint32_t)number, .wire = (enum pb_wire)(key & 7)};
	switch (key & 7) {
	case PB_WIRE_VARINT:
		return read_varint(r, &ret->value, err) < 0 ? -1 : 1;
	case PB_WIRE_I64:
	case PB_WIRE_I32: {
		size_t n = (key & 7) == PB_WIRE_I64 ? 8 : 4;
		if (r->len - r->pos < n)
			return bad(r, start, "truncated fixed-width field", err);
		uint64_t v = 0;
		for (size_t i = 0; i < n; i++)
			v |= (uint64_t)r->data[r->pos + i] << (8 * i);
		ret->value = v;
		ret->data = r->data + r->pos;
		ret->len = n;
		r->pos += n;
		return 1;
	}
	case PB_WIRE_LEN: {
		uint64_t n;
		if (read_varint(r, &n, err) < 0)
			return -1;
		if (n > r->len - r->pos)
			return bad(r, start, "length-delimited field runs past the end", err);
		ret->data = r->data + r->pos;
		ret->len = (size_t)n;
		r->pos += (size_t)n;
		return 1;
	}
	default:
		return bad(r, start, "unsupported wire type", err);
	}
}

char *
pb_field_strdup(const struct pb_field *f)
{
	if (f->len && memchr(f->data, '\0', f->len))
		return NULL;
	return xstrndup(f->len ? (const char *)f->data : "", f->len);
}
