/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Just enough protocol buffers to speak to a CRI runtime: varints, tags and
 * length-delimited fields, written into a growing buffer and read back with
 * bounds checks on every step. Unknown fields are skipped by their wire type;
 * the deprecated groups (wire types 3 and 4) and the unused 6 and 7 are
 * refused, so a malformed message always ends in an error and never in a
 * read past its end.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "error.h"

enum pb_wire {
	PB_WIRE_VARINT = 0,
	PB_WIRE_I64 = 1,
	PB_WIRE_LEN = 2,
	PB_WIRE_I32 = 5,
};

/* A message being written. */
struct pb_buf {
	uint8_t *data;
	size_t len, cap;
};

#define PB_BUF_INIT                                                                                \
	{                                                                                          \
		NULL, 0, 0                                                                         \
	}

void pb_buf_release(struct pb_buf *b);
void pb_put_varint(struct pb_buf *b, uint64_t v);
void pb_put_tag(struct pb_buf *b, uint32_t field, enum pb_wire wire);
/* Field `field` as a varint (bool, int32, int64, uint64, enum). */
void pb_put_uint(struct pb_buf *b, uint32_t field, uint64_t v);
/* Field `field` as length-delimited bytes (string, bytes, an embedded message). */
void pb_put_bytes(struct pb_buf *b, uint32_t field, const void *data, size_t len);
void pb_put_string(struct pb_buf *b, uint32_t field, const char *s);

/* A message being read; the data is borrowed. */
struct pb_reader {
	const uint8_t *data;
	size_t len, pos;
};

/* One field as read. For PB_WIRE_LEN, data/len point into the message. */
struct pb_field {
	uint32_t number;
	enum pb_wire wire;
	uint64_t value; /* varint, I64 and I32 values */
	const uint8_t *data;
	size_t len;
};

void pb_reader_init(struct pb_reader *r, const void *data, size_t len);
/*
 * Read the next field. Returns 1 with ret filled, 0 at the end of the
 * message, or -1 with err set ("malformed protobuf at byte N: ...") when the
 * message is truncated or invalid.
 */
int pb_next(struct pb_reader *r, struct pb_field *ret, struct gp_error *err);
/* A fresh NUL-terminated copy of a length-delimited field; NULL if it holds a NUL byte. */
char *pb_field_strdup(const struct pb_field *f);
