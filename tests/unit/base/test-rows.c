// SPDX-License-Identifier: GPL-2.0-or-later
#include "rows.h"
#include "tap.h"

int
main(void)
{
	static const struct rows_column cols[] = {
	        {"ADDRESS", "addr"},
	        {"NAME", "name"},
	        {"VF", "vf"},
	};
	_cleanup_json_ json_t *rows =
	        json_pack("[{s:s, s:s, s:b}, {s:s, s:n, s:b}]", "addr", "0000:3b:00.0", "name",
	                  "Tesla T4", "vf", 0, "addr", "0000:af:00.1", "name", "vf", 1);
	_cleanup_free_ char *t = rows_format_table(cols, 3, rows, false);
	is_str(t,
	       "ADDRESS       NAME      VF\n"
	       "0000:3b:00.0  Tesla T4  no\n"
	       "0000:af:00.1  -         yes\n",
	       "table aligns columns, booleans as yes/no, null as -");

	_cleanup_json_ json_t *empty = json_array();
	_cleanup_free_ char *e = rows_format_table(cols, 3, empty, false);
	is_str(e, "ADDRESS  NAME  VF\n", "an empty listing prints the header only");

	_cleanup_json_ json_t *arr = json_pack("[s,s]", "nvidiactl", "nvidia0");
	_cleanup_free_ char *a = rows_cell_text(arr);
	is_str(a, "nvidiactl,nvidia0", "arrays join with commas");

	_cleanup_json_ json_t *doc = json_pack("{s:i, s:s}", "schema_version", 1, "b", "x");
	_cleanup_free_ char *j = rows_format_json(doc);
	is_str(j, "{\n  \"schema_version\": 1,\n  \"b\": \"x\"\n}\n", "json keeps insertion order");

	_cleanup_free_ char *c = rows_format_table(cols, 1, empty, true);
	is_str(c, "\033[1mADDRESS\033[0m\n", "color makes the header bold");
	return tap_done();
}
