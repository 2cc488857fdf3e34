// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * toml-test's decoder interface: TOML on stdin, tagged JSON on stdout, exit 0;
 * or the error on stderr, exit 1. For debugging and for toml-test itself.
 */
#include <jansson.h>
#include <stdio.h>

#include "error.h"
#include "toml.h"
#include "util.h"

int
main(void)
{
	size_t cap = 65536, len = 0, r;
	char *buf = xmalloc(cap);
	while ((r = fread(buf + len, 1, cap - len, stdin)) > 0) {
		len += r;
		if (len == cap)
			buf = xrealloc(buf, cap *= 2);
	}
	_cleanup_error_ struct gp_error err = GP_ERROR_INIT;
	struct toml_doc *doc = NULL;
	int ret = 0;
	if (toml_doc_parse(buf, len, &doc, &err) < 0) {
		fprintf(stderr, "toml-decode: %s\n", err.msg);
		ret = 1;
	} else {
		json_t *j = toml_doc_to_json(doc);
		json_dumpf(j, stdout, JSON_INDENT(2) | JSON_SORT_KEYS);
		putchar('\n');
		json_decref(j);
	}
	toml_doc_free(doc);
	free(buf);
	return ret;
}
