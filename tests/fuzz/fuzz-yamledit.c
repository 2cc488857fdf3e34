// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Fuzz lib/files/yamledit: the input is a config.yaml. Refusing it is fine,
 * including the editor's own guard ("would not give valid YAML"): libFuzzer
 * reaches shapes no config.yaml has (tags on keys, nested keys with empty
 * values) where the splice is refused and nothing is written. A crash, an
 * accepted set whose text does not read back to the value, or a second
 * identical set that changes anything is a bug. The guard's refusals of plain
 * shapes were bugs and are seeds in the corpus: a top-level ~ and *alias.
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
