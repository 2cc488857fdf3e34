// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Fuzz lib/files/yamledit: the input is a config.yaml. Refusing it is fine; a
 * crash, a set whose spliced text no longer reads back (the editor's own
 * "would not give valid YAML" check), a get that disagrees with the set, or
 * a second identical set that changes anything is a bug.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "yamledit.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static _noreturn_ void
bug(const char *what, const char *detail)
{
	fprintf(stderr, "fuzz-yamledit: %s: %s\n", what, detail ? detail : "");
	abort();
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *text = (const char *)data;
	static const char *const values[] = {"nvidia", "runc", "a b", "yes"};
	const char *value = values[size % 4];
	char *out = NULL, *again = NULL, *got = NULL;
	size_t len = 0, len2 = 0;
	struct gp_error err = GP_ERROR_INIT;
	int r = yaml_set_top_scalar(text, size, "default-runtime", value, &out, &len, &err);
	if (r < 0 && err.msg && strstr(err.msg, "would not give valid YAML"))
		bug("the splice broke the document", err.msg);
	gp_error_release(&err);
	if (r == 1) {
		if (yaml_get_top_scalar(out, len, "default-runtime", &got, &err) != 1 ||
		    strcmp(got, value) != 0)
			bug("get after set", err.msg);
		gp_error_release(&err);
		if (yaml_set_top_scalar(out, len, "default-runtime", value, &again, &len2, &err) !=
		    0)
			bug("a second set changed the text", err.msg);
		gp_error_release(&err);
	}
	free(out);
	free(again);
	free(got);
	return 0;
}
