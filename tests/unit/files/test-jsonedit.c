// SPDX-License-Identifier: GPL-2.0-or-later
#include <string.h>

#include "jsonedit.h"
#include "rows.h"
#include "tap.h"

#define P(...) ((const char *const[]){__VA_ARGS__, NULL})

static struct jsonedit_doc *
parse(const char *text)
{
	struct jsonedit_doc *doc = NULL;
	_cleanup_error_ struct gp_error err = GP_ERROR_INIT;
	if (jsonedit_parse("daemon.json", text, strlen(text), &doc, &err) < 0)
		printf("# parse failed: %s\n", err.msg);
	return doc;
}

static void
parse_fails(const char *text, const char *want, const char *name)
{
	struct jsonedit_doc *doc = NULL;
	_cleanup_error_ struct gp_error err = GP_ERROR_INIT;
	int r = jsonedit_parse("daemon.json", text, strlen(text), &doc, &err);
	ok(r < 0 && !doc, "%s: refused", name);
	is_str(err.msg, want, name);
	jsonedit_free(doc);
}

/* Apply one edit to text and compare the result. */
enum op { SET, DEL, APPEND, ASET, ADEL };

static void
edit_is(const char *text, enum op op, const char *const *path, const char *value_json, size_t index,
        const char *want, const char *name)
{
	_cleanup_(jsonedit_freep) struct jsonedit_doc *doc = parse(text);
	_cleanup_error_ struct gp_error err = GP_ERROR_INIT;
	_cleanup_json_ json_t *v =
	        value_json ? json_loads(value_json, JSON_DECODE_ANY, NULL) : NULL;
	int r = -1;
	if (doc) {
		switch (op) {
		case SET:
			r = jsonedit_set(doc, path, v, &err);
			break;
		case DEL:
			r = jsonedit_delete(doc, path, &err);
			break;
		case APPEND:
			r = jsonedit_array_append(doc, path, v, &err);
			break;
		case ASET:
			r = jsonedit_array_set(doc, path, index, v, &err);
			break;
		case ADEL:
			r = jsonedit_array_delete(doc, path, index, &err);
			break;
		}
	}
	if (r < 0)
		printf("# edit failed: %s\n", err.msg ? err.msg : "(no doc)");
	is_str(r == 0 ? jsonedit_text(doc, NULL) : NULL, want, name);
}

int
main(void)
{
	/* Parse errors: line:col at the start of the offending token, and what was expected. */
	parse_fails("{\n  \"a\": 1,\n}\n", "daemon.json:3:1: string or '}' expected near '}'",
	            "trailing comma");
	parse_fails("{\n  \"a\": 1\n  \"b\": 2\n}\n", "daemon.json:3:3: '}' expected near '\"b\"'",
	            "missing comma");
	parse_fails("{\"a\": tru}", "daemon.json:1:7: invalid token near 'tru'", "bad literal");
	parse_fails("{\"a\": \"x", "daemon.json:1:7: premature end of input near '\"x'",
	            "unterminated string");
	parse_fails("{\"a\": 1} x", "daemon.json:1:10: end of file expected near 'x'",
	            "trailing garbage");
	parse_fails("{\"a\": 1, \"a\": 2}", "daemon.json:1:10: duplicate object key near '\"a\"'",
	            "duplicate key");
	parse_fails("[1, 2]\n", "daemon.json:1:1: the document is an array, not an object",
	            "an array");
	parse_fails("\"str\"", "daemon.json:1:1: the document is a string, not an object",
	            "a string");
	parse_fails("\n\n  5\n", "daemon.json:3:3: the document is a number, not an object",
	            "a number, pointed at");
	parse_fails("{\"é\": 1,}", "daemon.json:1:9: string or '}' expected near '}'",
	            "columns count characters, not bytes");
	{
		struct jsonedit_doc *doc = NULL;
		_cleanup_error_ struct gp_error err = GP_ERROR_INIT;
		ok(jsonedit_parse("d", "{}\n\0x", 5, &doc, &err) < 0, "a NUL byte is refused");
		is_str(err.msg, "d:2:1: the file holds a NUL byte, which JSON does not allow",
		       "a NUL byte: where");
	}
	/* Only NUL bytes (a crash while writing) is not blank: refused, never replaced. */
	const size_t nul_lens[] = {1, 4, 4096};
	for (size_t i = 0; i < GP_ARRAY_SIZE(nul_lens); i++) {
		_cleanup_free_ char *zeros = xcalloc(nul_lens[i], 1);
		struct jsonedit_doc *doc = NULL;
		_cleanup_error_ struct gp_error err = GP_ERROR_INIT;
		ok(jsonedit_parse("d", zeros, nul_lens[i], &doc, &err) < 0 && !doc,
		   "%zu NUL bytes are refused", nul_lens[i]);
		is_str(err.msg, "d:1:1: the file holds only NUL bytes, not JSON",
		       "only NULs: message");
		ok(err.hint && strstr(err.hint, "backup"), "only NULs: a hint");
	}
	{
		/* Spaces then NULs: still refused. */
		struct jsonedit_doc *doc = NULL;
		_cleanup_error_ struct gp_error err = GP_ERROR_INIT;
		ok(jsonedit_parse("d", " \n\0\0", 4, &doc, &err) < 0, "blank then NULs refused");
		is_str(err.msg, "d:2:1: the file holds a NUL byte, which JSON does not allow",
		       "blank then NULs: where");
	}
	{
		/* Type errors point at the value. */
		_cleanup_(jsonedit_freep) struct jsonedit_doc *doc =
		        parse("{\n  \"runtimes\": {\n    \"nvidia\":   \"x\"\n  }\n}\n");
		_cleanup_error_ struct gp_error err = GP_ERROR_INIT;
		ok(jsonedit_type_error(doc, P("runtimes", "nvidia"), "an object", &err) < 0,
		   "type_error returns -1");
		is_str(err.msg, "daemon.json:3:17: 'runtimes.nvidia' is a string, not an object",
		       "type_error: the value's line:col");
		ok(err.hint != NULL, "type_error: a hint");
		unsigned line, col;
		jsonedit_position(doc, P("runtimes"), &line, &col);
		ok(line == 2 && col == 15, "position of runtimes: %u:%u", line, col);
	}

	/* Blank files read as {}; indentation and separators are detected. */
	const char *blanks[] = {"", "  \n", "\n\t\n"};
	for (size_t i = 0; i < GP_ARRAY_SIZE(blanks); i++) {
		_cleanup_(jsonedit_freep) struct jsonedit_doc *doc = parse(blanks[i]);
		ok(doc && json_is_object(jsonedit_root(doc)) &&
		           json_object_size(jsonedit_root(doc)) == 0,
		   "blank file %zu reads as {}", i);
	}
	struct {
		const char *text, *indent;
	} ind[] = {
	        {"{\n\t\"a\": 1\n}\n", "\t"},
	        {"{\n  \"a\": 1\n}\n", "  "},
	        {"{\n    \"a\": 1\n}\n", "    "},
	        {"{\"a\": 1}", "  "},
	        {"{}", "  "},
	};
	for (size_t i = 0; i < GP_ARRAY_SIZE(ind); i++) {
		_cleanup_(jsonedit_freep) struct jsonedit_doc *doc = parse(ind[i].text);
		is_str(doc ? jsonedit_indent(doc) : NULL, ind[i].indent, "indent detected");
	}

	/* set: a new key after the last, like its siblings. */
	edit_is("{\n  \"a\": 1\n}\n", SET, P("b"), "\"x\"", 0,
	        "{\n  \"a\": 1,\n  \"b\": \"x\"\n}\n", "set: new key, 2 spaces");
	edit_is("{\n\t\"a\": 1\n}", SET, P("o", "k"), "true", 0,
	        "{\n\t\"a\": 1,\n\t\"o\": {\n\t\t\"k\": true\n\t}\n}",
	        "set: nested new object, tabs");
	edit_is("{}\n", SET, P("r", "n"), "{\"path\": \"p\", \"args\": []}", 0,
	        "{\n  \"r\": {\n    \"n\": {\n      \"path\": \"p\",\n      \"args\": []\n    }\n  "
	        "}\n}\n",
	        "set: into an empty object");
	edit_is("{\"a\":1}", SET, P("b"), "2", 0, "{\"a\":1,\"b\":2}",
	        "set: compact inline object");
	edit_is("{\"a\": 1, \"b\": 2}", SET, P("c"), "{\"d\": [1]}", 0,
	        "{\"a\": 1, \"b\": 2, \"c\": {\"d\": [1]}}", "set: inline object stays inline");
	edit_is("{\n  \"o\": {\"x\": 1}\n}\n", SET, P("o", "y"), "2", 0,
	        "{\n  \"o\": {\"x\": 1, \"y\": 2}\n}\n", "set: into an inline nested object");
	edit_is("{\n  \"o\": {\n  }\n}\n", SET, P("o", "y"), "2", 0,
	        "{\n  \"o\": {\n    \"y\": 2\n  }\n}\n", "set: into an empty nested object");
	edit_is("{\n  \"a\": \"old\",\n  \"b\": [ 1, 2 ]\n}\n", SET, P("a"), "\"new\"", 0,
	        "{\n  \"a\": \"new\",\n  \"b\": [ 1, 2 ]\n}\n", "set: replace a value only");
	edit_is("{\n  \"a\": 1\n}\n", SET, P("a"), "1", 0, "{\n  \"a\": 1\n}\n",
	        "set: the same value changes nothing");
	edit_is("{\"\\u0061\": 1}", SET, P("a"), "2", 0, "{\"\\u0061\": 2}",
	        "set: finds a key written with escapes");
	edit_is("{\r\n  \"a\": 1\r\n}\r\n", SET, P("o", "k"), "1", 0,
	        "{\r\n  \"a\": 1,\r\n  \"o\": {\r\n    \"k\": 1\r\n  }\r\n}\r\n",
	        "set: CRLF is kept");
	edit_is("{\n  \"s\": \"caf\\u00e9 \\/ é\"\n}\n", SET, P("t"), "\"é\"", 0,
	        "{\n  \"s\": \"caf\\u00e9 \\/ é\",\n  \"t\": \"é\"\n}\n",
	        "set: other strings keep their escapes");
	edit_is("{\n  \"a\": 1\n\n\n}\n", SET, P("b"), "2", 0,
	        "{\n  \"a\": 1,\n  \"b\": 2\n\n\n}\n", "set: blank lines before the brace stay");
	{
		_cleanup_(jsonedit_freep) struct jsonedit_doc *doc = parse("{\"a\": [1]}");
		_cleanup_error_ struct gp_error err = GP_ERROR_INIT;
		ok(jsonedit_set(doc, P("a", "b"), json_true(), &err) < 0,
		   "set through an array fails");
		is_str(err.msg, "daemon.json:1:7: 'a' is an array, not an object",
		       "set: the type error");
		is_str(jsonedit_text(doc, NULL), "{\"a\": [1]}",
		       "set: a failed edit changes nothing");
	}

	/* delete */
	edit_is("{\n  \"a\": 1,\n  \"b\": 2,\n  \"c\": 3\n}\n", DEL, P("b"), NULL, 0,
	        "{\n  \"a\": 1,\n  \"c\": 3\n}\n", "delete: middle");
	edit_is("{\n  \"a\": 1,\n  \"b\": 2\n}\n", DEL, P("a"), NULL, 0, "{\n  \"b\": 2\n}\n",
	        "delete: first");
	edit_is("{\n  \"a\": 1,\n  \"b\": 2\n}\n", DEL, P("b"), NULL, 0, "{\n  \"a\": 1\n}\n",
	        "delete: last");
	edit_is("{\n  \"a\": 1\n}\n", DEL, P("a"), NULL, 0, "{}\n", "delete: the only key");
	edit_is("{\"o\": {\"x\": 1, \"y\": 2}}", DEL, P("o", "x"), NULL, 0, "{\"o\": {\"y\": 2}}",
	        "delete: nested");
	edit_is("{\"a\": 1}", DEL, P("zz"), NULL, 0, "{\"a\": 1}", "delete: missing is no error");

	/* arrays */
	edit_is("{\"e\": []}", APPEND, P("e"), "\"x\"", 0, "{\"e\": [\"x\"]}", "append: empty");
	edit_is("{\"e\": [\"a\"]}", APPEND, P("e"), "\"x\"", 0, "{\"e\": [\"a\", \"x\"]}",
	        "append: one inline");
	edit_is("{\"e\": [\"a\",\"b\"]}", APPEND, P("e"), "\"x\"", 0,
	        "{\"e\": [\"a\",\"b\",\"x\"]}", "append: compact");
	edit_is("{\n  \"e\": [\n    \"a\"\n  ]\n}\n", APPEND, P("e"), "\"x\"", 0,
	        "{\n  \"e\": [\n    \"a\",\n    \"x\"\n  ]\n}\n", "append: one per line");
	edit_is("{\"e\": [1, 2, 3]}", ADEL, P("e"), NULL, 1, "{\"e\": [1, 3]}",
	        "array delete: middle");
	edit_is("{\"e\": [1, 2, 3]}", ADEL, P("e"), NULL, 0, "{\"e\": [2, 3]}",
	        "array delete: first");
	edit_is("{\"e\": [1, 2, 3]}", ADEL, P("e"), NULL, 2, "{\"e\": [1, 2]}",
	        "array delete: last");
	edit_is("{\"e\": [ 1 ]}", ADEL, P("e"), NULL, 0, "{\"e\": []}",
	        "array delete: the only one");
	edit_is("{\n  \"e\": [\n    1,\n    2\n  ]\n}\n", ADEL, P("e"), NULL, 1,
	        "{\n  \"e\": [\n    1\n  ]\n}\n", "array delete: one per line");
	edit_is("{\"e\": [1, 2, 3]}", ASET, P("e"), "\"two\"", 1, "{\"e\": [1, \"two\", 3]}",
	        "array set");
	{
		_cleanup_(jsonedit_freep) struct jsonedit_doc *doc = parse("{\"e\": {}}");
		_cleanup_error_ struct gp_error err = GP_ERROR_INIT;
		_cleanup_json_ json_t *v = json_string("x");
		ok(jsonedit_array_append(doc, P("e"), v, &err) < 0, "append to an object fails");
		is_str(err.msg, "daemon.json:1:7: 'e' is an object, not an array",
		       "append: the type error");
	}

	_cleanup_free_ char *ps = jsonedit_path_str(P("runtimes", "nvidia", "path"));
	is_str(ps, "runtimes.nvidia.path", "path_str");
	return tap_done();
}
