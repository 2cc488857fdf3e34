// SPDX-License-Identifier: GPL-2.0-or-later
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

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

/* Write len bytes of buf to fd in odd pieces, telling t after each how far the file is written. */
static void
write_growing(struct digest_tail *t, int fd, const unsigned char *buf, size_t len, size_t salt)
{
	for (size_t done = 0; done < len;) {
		size_t step = 1 + (done * 31 + salt * 65537) % 200000;
		if (step > len - done)
			step = len - done;
		if (write(fd, buf + done, step) != (ssize_t)step)
			abort();
		done += step;
		digest_tail_grow(t, done);
	}
}

/* A file in dir to write, and a descriptor of its own to read it back (given to t). */
static int
begin_file(struct digest_tail *t, const char *dir, size_t i, char *hex)
{
	char path[512];
	snprintf(path, sizeof(path), "%s/t%zu", dir, i);
	int w = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	int r = open(path, O_RDONLY);
	if (w < 0 || r < 0)
		abort();
	unlink(path);
	digest_tail_begin(t, r, hex);
	return w;
}

/*
 * digest_tail against digest_buffer_hex: files of many lengths (empty, around the thread's
 * 512 KiB wake-ups and 64 KiB reads, several MB) written in odd pieces while it follows them,
 * many ended before one sync, with dropped digests between them, and a second round on the
 * same thread after the sync; a file read back shorter than it was said to be written, and a
 * descriptor that cannot be read, leave their hex empty and the next digest whole.
 */
static void
following(const char *dir)
{
	static const size_t lens[] = {0,           1,      64,   255,         524287,
	                              524288,      524289, 5000, 1048576 + 7, 3 * 524288 - 1,
	                              2621440 + 3, 65536,  65537};
	size_t total = 0;
	for (size_t i = 0; i < GP_ARRAY_SIZE(lens); i++)
		total += lens[i];
	unsigned char *buf = xmalloc(total);
	for (size_t i = 0; i < total; i++)
		buf[i] = (unsigned char)(i * 2654435761u >> 11);
	struct digest_tail *t = digest_tail_new(DIGEST_SHA256);
	for (int round = 0; round < 2; round++) {
		char got[GP_ARRAY_SIZE(lens)][DIGEST_HEX_MAX];
		char dropped[GP_ARRAY_SIZE(lens)][DIGEST_HEX_MAX];
		memset(got, 0, sizeof(got));
		memset(dropped, 0, sizeof(dropped));
		size_t off = 0;
		for (size_t i = 0; i < GP_ARRAY_SIZE(lens); i++) {
			int w = begin_file(t, dir, i, got[i]);
			write_growing(t, w, buf + off, lens[i], i + (size_t)round);
			close(w);
			digest_tail_end(t, lens[i], true);
			/* A digest dropped between two: nothing written, nothing leaks on. */
			w = begin_file(t, dir, 100 + i, dropped[i]);
			write_growing(t, w, (const unsigned char *)"dropped", 7, i);
			close(w);
			digest_tail_end(t, 7, false);
			off += lens[i];
		}
		digest_tail_sync(t);
		off = 0;
		bool all = true, none = true;
		for (size_t i = 0; i < GP_ARRAY_SIZE(lens); i++) {
			char want[DIGEST_HEX_MAX];
			digest_buffer_hex(DIGEST_SHA256, buf + off, lens[i], want);
			if (strcmp(got[i], want) != 0) {
				printf("# round %d, %zu bytes: got '%s', want '%s'\n", round,
				       lens[i], got[i], want);
				all = false;
			}
			none = none && dropped[i][0] == '\0';
			off += lens[i];
		}
		ok(all, "digests of %zu files followed as written, then synced, round %d",
		   GP_ARRAY_SIZE(lens), round + 1);
		ok(none, "dropped digests leave their hex untouched, round %d", round + 1);
	}

	/* Said to be 2 MB, but cut to 10 bytes under it: no digest, and the next is whole. */
	char cut[DIGEST_HEX_MAX] = "", bad[DIGEST_HEX_MAX] = "", after[DIGEST_HEX_MAX] = "";
	int w = begin_file(t, dir, 200, cut);
	write_growing(t, w, buf, 2097152, 3);
	if (ftruncate(w, 10) < 0)
		abort();
	close(w);
	digest_tail_end(t, 2097152, true);
	/* A descriptor open only for writing: it cannot be read back. */
	char path[512];
	snprintf(path, sizeof(path), "%s/wo", dir);
	int wo = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	unlink(path);
	digest_tail_begin(t, wo, bad);
	if (write(wo, buf, 1000) != 1000)
		abort();
	digest_tail_end(t, 1000, true);
	w = begin_file(t, dir, 201, after);
	write_growing(t, w, buf, 1048576, 5);
	close(w);
	digest_tail_end(t, 1048576, true);
	digest_tail_sync(t);
	char want[DIGEST_HEX_MAX];
	digest_buffer_hex(DIGEST_SHA256, buf, 1048576, want);
	is_str(cut, "", "a file read back shorter than said leaves no digest");
	is_str(bad, "", "a descriptor that cannot be read leaves no digest");
	is_str(after, want, "the digest after those two is whole");

	/* Freed with a digest not synced: the thread stops and writes nothing after. */
	char late[DIGEST_HEX_MAX] = "";
	w = begin_file(t, dir, 202, late);
	write_growing(t, w, buf, total, 7);
	close(w);
	digest_tail_end(t, total, true);
	digest_tail_free(t);
	digest_buffer_hex(DIGEST_SHA256, buf, total, want);
	ok(late[0] == '\0' || strcmp(late, want) == 0,
	   "freed before a sync: a hex holds nothing or the whole digest");
	free(buf);
}

#if !defined(__SANITIZE_ADDRESS__)
static void *
nothing(void *arg)
{
	return arg;
}
#endif

/*
 * Where no thread can be started (here: no address space left for its stack), the same calls
 * hash in the caller's thread. In a child, whose address space is capped; before any thread of
 * this test has ended, whose stack the C library would keep to start the next one.
 */
static void
without_thread(const char *dir)
{
#if defined(__SANITIZE_ADDRESS__)
	ok(1, "# SKIP the sanitizers' runtime maps memory of its own: no cap under it");
#else
	size_t len = 3 * 1048576 + 11;
	unsigned char *buf = xmalloc(len);
	for (size_t i = 0; i < len; i++)
		buf[i] = (unsigned char)(i * 40503u >> 7);
	char want[DIGEST_HEX_MAX];
	digest_buffer_hex(DIGEST_SHA256, buf, len, want);
	int p[2];
	if (pipe(p) < 0)
		abort();
	pid_t pid = fork();
	if (pid == 0) {
		close(p[0]);
		/* Whatever is mapped now, plus 4 MB: less than a thread's stack (8 MB). */
		unsigned long vm = 0;
		FILE *f = fopen("/proc/self/statm", "r");
		if (!f || fscanf(f, "%lu", &vm) != 1)
			_exit(3);
		fclose(f);
		struct rlimit rl = {.rlim_cur =
		                            vm * (unsigned long)sysconf(_SC_PAGESIZE) + (4 << 20),
		                    .rlim_max = RLIM_INFINITY};
		setrlimit(RLIMIT_AS, &rl);
		pthread_t th;
		if (pthread_create(&th, NULL, nothing, NULL) == 0)
			_exit(4); /* the cap did not stop a thread: nothing tested */
		char hex[DIGEST_HEX_MAX] = "";
		struct digest_tail *t = digest_tail_new(DIGEST_SHA256);
		int w = begin_file(t, dir, 300, hex);
		write_growing(t, w, buf, len, 9);
		close(w);
		digest_tail_end(t, len, true);
		/* Hashed in the calls themselves: written before the sync. */
		if (write(p[1], hex, sizeof(hex)) != (ssize_t)sizeof(hex))
			_exit(5);
		digest_tail_sync(t);
		digest_tail_free(t);
		_exit(0);
	}
	close(p[1]);
	char got[DIGEST_HEX_MAX] = "";
	ssize_t n = read(p[0], got, sizeof(got));
	close(p[0]);
	int st = 0;
	waitpid(pid, &st, 0);
	ok(n == (ssize_t)sizeof(got) && WIFEXITED(st) && WEXITSTATUS(st) == 0 &&
	           strcmp(got, want) == 0,
	   "with no thread to be had, digest_tail hashes in the caller (exit %d, got '%s')",
	   WIFEXITED(st) ? WEXITSTATUS(st) : -1, got);
	free(buf);
#endif
}

int
main(void)
{
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
		without_thread(tmpl);
		following(tmpl);
		rmdir(tmpl);
	}
	return tap_done();
}
