// SPDX-License-Identifier: GPL-2.0-or-later
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "digest.h"
#include "tap.h"

static void
vector(enum digest_algo a, const char *msg, size_t repeat, const char *want, const char *name)
{
	struct digest d;
	unsigned char raw[DIGEST_MAX_LEN];
	char hex[DIGEST_HEX_MAX];
	digest_init(&d, a);
	for (size_t i = 0; i < repeat; i++)
		digest_update(&d, msg, strlen(msg));
	size_t n = digest_final(&d, raw);
	for (size_t i = 0; i < n; i++)
		sprintf(hex + 2 * i, "%02x", raw[i]);
	is_str(hex, want, name);
}

/* Compare with coreutils on files whose lengths straddle the block boundaries. */
static void
against_coreutils(const char *dir)
{
	static const size_t lens[] = {0,   1,   55,  56,  57,  63,   64,    65,    111,
	                              112, 113, 127, 128, 129, 1000, 65536, 65537, 200003};
	unsigned char *buf = xmalloc(200003);
	for (size_t i = 0; i < 200003; i++)
		buf[i] = (unsigned char)(i * 2654435761u >> 13);
	for (size_t i = 0; i < GP_ARRAY_SIZE(lens); i++) {
		char path[512], cmd[700], want[DIGEST_HEX_MAX], got[DIGEST_HEX_MAX];
		snprintf(path, sizeof(path), "%s/f%zu", dir, lens[i]);
		FILE *f = fopen(path, "wb");
		fwrite(buf, 1, lens[i], f);
		fclose(f);
		for (int a = 0; a < 2; a++) {
			enum digest_algo algo = a ? DIGEST_SHA512 : DIGEST_SHA256;
			snprintf(cmd, sizeof(cmd), "%ssum '%s'", digest_name(algo), path);
			FILE *p = popen(cmd, "r");
			want[0] = '\0';
			if (p) {
				if (fscanf(p, "%128s", want) != 1)
					want[0] = '\0';
				pclose(p);
			}
			struct gp_error err = GP_ERROR_INIT;
			uint64_t size = 0;
			int r = digest_file_hex(algo, path, got, &size, &err);
			char name[100];
			snprintf(name, sizeof(name), "%s of %zu bytes matches %ssum",
			         digest_name(algo), lens[i], digest_name(algo));
			ok(r == 0 && size == lens[i] && strcmp(got, want) == 0, "%s", name);
			/* The buffer form, fed in odd pieces, agrees too. */
			struct digest d;
			unsigned char raw[DIGEST_MAX_LEN];
			char hex[DIGEST_HEX_MAX];
			digest_init(&d, algo);
			for (size_t off = 0; off < lens[i];) {
				size_t step = 1 + (off * 7) % 97;
				if (step > lens[i] - off)
					step = lens[i] - off;
				digest_update(&d, buf + off, step);
				off += step;
			}
			size_t n = digest_final(&d, raw);
			for (size_t k = 0; k < n; k++)
				sprintf(hex + 2 * k, "%02x", raw[k]);
			snprintf(name, sizeof(name), "%s of %zu bytes in pieces", digest_name(algo),
			         lens[i]);
			is_str(hex, got, name);
		}
		unlink(path);
	}
	free(buf);
}

/*
 * digest_bg against digest_buffer_hex: digests of many lengths (empty, around the queue's
 * 256 KiB slots, several slots) fed in odd pieces, many queued before one sync, with
 * dropped digests between them; and a second round on the same queue after the sync.
 */
static void
background(void)
{
	static const size_t lens[] = {
	        0, 1, 64, 255, 262143, 262144, 262145, 524288, 1048576 + 7, 3 * 262144 - 1, 5000};
	size_t total = 0;
	for (size_t i = 0; i < GP_ARRAY_SIZE(lens); i++)
		total += lens[i];
	unsigned char *buf = xmalloc(total);
	for (size_t i = 0; i < total; i++)
		buf[i] = (unsigned char)(i * 2654435761u >> 11);
	struct digest_bg *b = digest_bg_new(DIGEST_SHA256);
	for (int round = 0; round < 2; round++) {
		char got[GP_ARRAY_SIZE(lens)][DIGEST_HEX_MAX];
		memset(got, 0, sizeof(got));
		size_t off = 0;
		for (size_t i = 0; i < GP_ARRAY_SIZE(lens); i++) {
			for (size_t done = 0; done < lens[i];) {
				size_t step = 1 + (done * 31 + i * 65537 + (size_t)round) % 200000;
				if (step > lens[i] - done)
					step = lens[i] - done;
				digest_bg_update(b, buf + off + done, step);
				done += step;
			}
			digest_bg_final_hex(b, got[i]);
			/* A digest dropped between two: its bytes must not leak into the next. */
			digest_bg_update(b, "dropped", 7);
			digest_bg_final_hex(b, NULL);
			off += lens[i];
		}
		digest_bg_sync(b);
		off = 0;
		bool all = true;
		for (size_t i = 0; i < GP_ARRAY_SIZE(lens); i++) {
			char want[DIGEST_HEX_MAX];
			digest_buffer_hex(DIGEST_SHA256, buf + off, lens[i], want);
			if (strcmp(got[i], want) != 0) {
				printf("# round %d, %zu bytes: got '%s', want '%s'\n", round,
				       lens[i], got[i], want);
				all = false;
			}
			off += lens[i];
		}
		ok(all, "background digests of %zu lengths, queued then synced, round %d",
		   GP_ARRAY_SIZE(lens), round + 1);
	}
	/* Freed with digests still queued: the thread stops and nothing is written after. */
	char late[DIGEST_HEX_MAX] = "";
	digest_bg_update(b, buf, total);
	digest_bg_final_hex(b, late);
	digest_bg_free(b);
	char want[DIGEST_HEX_MAX];
	digest_buffer_hex(DIGEST_SHA256, buf, total, want);
	ok(late[0] == '\0' || strcmp(late, want) == 0,
	   "freed with a digest queued: its buffer holds nothing or the whole digest");
	free(buf);
}

int
main(void)
{
	background();
	vector(DIGEST_SHA256, "", 1,
	       "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855", "sha256('')");
	vector(DIGEST_SHA256, "abc", 1,
	       "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad", "sha256('abc')");
	vector(DIGEST_SHA256, "abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq", 1,
	       "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1",
	       "sha256 two blocks");
	vector(DIGEST_SHA256, "a", 1000000,
	       "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0",
	       "sha256 of a million 'a'");
	vector(DIGEST_SHA512, "", 1,
	       "cf83e1357eefb8bdf1542850d66d8007d620e4050b5715dc83f4a921d36ce9ce47d0d13c5d85f2b0ff8"
	       "318"
	       "d2877eec2f63b931bd47417a81a538327af927da3e",
	       "sha512('')");
	vector(DIGEST_SHA512, "abc", 1,
	       "ddaf35a193617abacc417349ae20413112e6fa4e89a97ea20a9eeee64b55d39a2192992a274fc1a836b"
	       "a3c"
	       "23a3feebbd454d4423643ce80e2a9ac94fa54ca49f",
	       "sha512('abc')");
	vector(DIGEST_SHA512,
	       "abcdefghbcdefghicdefghijdefghijkefghijklfghijklmghijklmnhijklmnoijklmnopjklmnopqklm"
	       "nopqr"
	       "lmnopqrsmnopqrstnopqrstu",
	       1,
	       "8e959b75dae313da8cf4f72814fc143f8f7779c6eb9f7fa17299aeadb6889018501d289e4900f7e4331"
	       "b99"
	       "dec4b5433ac7d329eeb6dd26545e96e55b874be909",
	       "sha512 two blocks");
	vector(DIGEST_SHA512, "a", 1000000,
	       "e718483d0ce769644e2e42c7bc15b4638e1f98b13b2044285632a803afa973ebde0ff244877ea60a4cb"
	       "043"
	       "2ce577c31beb009c5c2c49aa2e4eadb217ad8cc09b",
	       "sha512 of a million 'a'");

	ok(digest_hex_equal("ABCdef", "abcDEF"), "hex compare ignores case");
	ok(!digest_hex_equal("abc", "abcd"), "hex compare checks the length");
	ok(!digest_hex_equal(NULL, "abc"), "hex compare with NULL");

	struct gp_error err = GP_ERROR_INIT;
	char hex[DIGEST_HEX_MAX];
	is_int(digest_file_hex(DIGEST_SHA256, "/nonexistent/gpuprep", hex, NULL, &err), -1,
	       "a missing file is an error");
	is_str(err.msg, "reading '/nonexistent/gpuprep': No such file or directory",
	       "the error names the file");
	gp_error_release(&err);

	char tmpl[] = "/tmp/gpuprep-digest-XXXXXX";
	if (mkdtemp(tmpl)) {
		against_coreutils(tmpl);
		rmdir(tmpl);
	}
	return tap_done();
}
