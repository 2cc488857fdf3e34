// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Without libFuzzer (a gcc build), each fuzz target is linked with this
 * driver and replays its corpus: every file named on the command line, or
 * every file in a directory named there, goes through LLVMFuzzerTestOneInput
 * once. Under ASan/UBSan this is the regression test for every input a fuzz
 * run ever kept. Prints TAP.
 */
#include <dirent.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int n;

static void
run_file(const char *path)
{
	FILE *f = fopen(path, "rb");
	if (!f) {
		printf("not ok %d - cannot open %s\n", ++n, path);
		return;
	}
	size_t cap = 4096, len = 0;
	uint8_t *buf = malloc(cap);
	size_t r;
	while ((r = fread(buf + len, 1, cap - len, f)) > 0) {
		len += r;
		if (len == cap)
			buf = realloc(buf, cap *= 2);
	}
	fclose(f);
	LLVMFuzzerTestOneInput(buf, len);
	free(buf);
	printf("ok %d - %s\n", ++n, path);
}

int
main(int argc, char **argv)
{
	for (int i = 1; i < argc; i++) {
		struct stat st;
		if (stat(argv[i], &st) == 0 && S_ISDIR(st.st_mode)) {
			struct dirent **list;
			int m = scandir(argv[i], &list, NULL, alphasort);
			for (int j = 0; j < m; j++) {
				if (list[j]->d_name[0] != '.') {
					char p[4096];
					snprintf(p, sizeof(p), "%s/%s", argv[i], list[j]->d_name);
					run_file(p);
				}
				free(list[j]);
			}
			if (m >= 0)
				free(list);
		} else {
			run_file(argv[i]);
		}
	}
	printf("1..%d\n", n);
	return n > 0 ? 0 : 1;
}
