// SPDX-License-Identifier: GPL-2.0-or-later
#include <stdint.h>

#include "protobuf.h"
#include "tap.h"

static int
next(const void *data, size_t len, struct pb_field *f, struct gp_error *err)
{
	struct pb_reader r;
	pb_reader_init(&r, data, len);
	return pb_next(&r, f, err);
}

static void
roundtrip(uint64_t v, size_t want_len)
{
	struct pb_buf b = PB_BUF_INIT;
	struct gp_error err = GP_ERROR_INIT;
	pb_put_uint(&b, 1, v);
	char label[100];
	snprintf(label, sizeof(label), "varint %llu takes %zu bytes", (unsigned long long)v,
	         want_len);
	is_int(b.len, 1 + want_len, label);
	struct pb_field f;
	snprintf(label, sizeof(label), "varint %llu reads back", (unsigned long long)v);
	ok(next(b.data, b.len, &f, &err) == 1 && f.number == 1 && f.wire == PB_WIRE_VARINT &&
	           f.value == v,
	   "%s", label);
	pb_buf_release(&b);
}

static void
refused(const char *bytes, size_t len, const char *want, const char *name)
{
	struct gp_error err = GP_ERROR_INIT;
	struct pb_field f;
	struct pb_reader r;
	pb_reader_init(&r, bytes, len);
	int k;
	while ((k = pb_next(&r, &f, &err)) > 0)
		;
	is_int(k, -1, name);
	is_str(err.msg, want, name);
	ok(r.pos == r.len, "%s: the reader stops for good", name);
	gp_error_release(&err);
}

int
main(void)
{
	roundtrip(0, 1);
	roundtrip(1, 1);
	roundtrip(127, 1);
	roundtrip(128, 2);
	roundtrip(300, 2);
	roundtrip(UINT32_MAX, 5);
	roundtrip(UINT64_MAX, 10);

	struct pb_buf b = PB_BUF_INIT;
	pb_put_uint(&b, 1, 1);
	ok(b.len == 2 && memcmp(b.data, "\x08\x01", 2) == 0, "verbose=true is 08 01");
	pb_buf_release(&b);
	pb_put_string(&b, 1, "v1");
	ok(b.len == 4 && memcmp(b.data, "\x0a\x02v1", 4) == 0, "a string field is 0a 02 'v1'");
	pb_buf_release(&b);
	pb_put_bytes(&b, 2, "", 0);
	ok(b.len == 2 && memcmp(b.data, "\x12\x00", 2) == 0, "an empty field is 12 00");
	pb_buf_release(&b);
	pb_put_tag(&b, 300, PB_WIRE_LEN);
	ok(b.len == 2 && memcmp(b.data, "\xe2\x12", 2) == 0, "field 300 takes a 2-byte tag");
	pb_buf_release(&b);

	/* Unknown fields of every wire type are skipped; the known one is found. */
	static const char msg[] = "\x18\x96\x01"                         /* 3: varint 150 */
	                          "\x21\x01\x02\x03\x04\x05\x06\x07\x08" /* 4: fixed64 */
	                          "\x2d\x11\x22\x33\x44"                 /* 5: fixed32 */
	                          "\x32\x03"
	                          "abc" /* 6: bytes */
	                          "\x0a\x02"
	                          "ok"; /* 1: string */
	struct pb_reader r;
	struct pb_field f;
	struct gp_error err = GP_ERROR_INIT;
	pb_reader_init(&r, msg, sizeof(msg) - 1);
	int n = 0, k;
	const char *found = NULL;
	while ((k = pb_next(&r, &f, &err)) > 0) {
		n++;
		if (f.number == 1)
			found = (const char *)f.data;
		if (f.number == 4)
			ok(f.value == 0x0807060504030201ull, "fixed64 is little-endian");
		if (f.number == 5)
			ok(f.value == 0x44332211u, "fixed32 is little-endian");
	}
	is_int(k, 0, "the message ends cleanly");
	is_int(n, 5, "five fields");
	ok(found && memcmp(found, "ok", 2) == 0, "the known field after the unknown ones");

	f = (struct pb_field){.wire = PB_WIRE_LEN, .data = (const uint8_t *)"a\0b", .len = 3};
	ok(pb_field_strdup(&f) == NULL, "a string with a NUL byte is refused");
	f.len = 1;
	char *s = pb_field_strdup(&f);
	is_str(s, "a", "a string is copied");
	free(s);

	ok(next("", 0, &f, &err) == 0, "an empty message has no fields");
	refused("\x08", 1, "malformed protobuf at byte 1: truncated varint", "truncated value");
	refused("\x08\x80\x80", 3, "malformed protobuf at byte 1: truncated varint",
	        "truncated varint");
	refused("\x08\xff\xff\xff\xff\xff\xff\xff\xff\xff\x80\x01", 12,
	        "malformed protobuf at byte 1: varint longer than 10 bytes", "11-byte varint");
	refused("\x08\xff\xff\xff\xff\xff\xff\xff\xff\xff\x02", 11,
	        "malformed protobuf at byte 1: varint overflows 64 bits", "varint over 64 bits");
	refused("\x0a\x05"
	        "abc",
	        5, "malformed protobuf at byte 0: length-delimited field runs past the end",
	        "length past the end");
	refused("\x0a\xff\xff\xff\xff\xff\xff\xff\xff\x7f", 10,
	        "malformed protobuf at byte 0: length-delimited field runs past the end",
	        "a huge length");
	refused("\x09\x01\x02", 3, "malformed protobuf at byte 0: truncated fixed-width field",
	        "truncated fixed64");
	refused("\x0b", 1, "malformed protobuf at byte 0: unsupported wire type", "group start");
	refused("\x0c", 1, "malformed protobuf at byte 0: unsupported wire type", "group end");
	refused("\x0e", 1, "malformed protobuf at byte 0: unsupported wire type", "wire type 6");
	refused("\x02\x00", 2, "malformed protobuf at byte 0: invalid field number",
	        "field number 0");
	refused("\x08\x01\x0a\x09", 4,
	        "malformed protobuf at byte 2: length-delimited field runs past the end",
	        "the offset of the bad field");
	return tap_done();
}
