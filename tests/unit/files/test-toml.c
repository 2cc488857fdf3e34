// SPDX-License-Identifier: GPL-2.0-or-later
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "error.h"
#include "rows.h"
#include "tap.h"
#include "toml.h"
#include "util.h"

#define CRI    "plugins", "io.containerd.grpc.v1.cri"
#define RTS    CRI, "containerd", "runtimes"
#define P(...) TOML_PATH(__VA_ARGS__)

static const char containerd_v2[] =
        "# /etc/containerd/config.toml, written by hand\n"
        "version = 2\n"
        "\n"
        "# where containerd keeps its state\n"
        "root = \"/var/lib/containerd\"\n"
        "state = \"/run/containerd\"\n"
        "\n"
        "[grpc]\n"
        "  address = \"/run/containerd/containerd.sock\"\n"
        "\n"
        "[plugins]\n"
        "\n"
        "  [plugins.\"io.containerd.grpc.v1.cri\"]\n"
        "    sandbox_image = \"registry.k8s.io/pause:3.9\"  # pinned\n"
        "\n"
        "    [plugins.\"io.containerd.grpc.v1.cri\".containerd]\n"
        "      default_runtime_name = \"runc\"\n"
        "      snapshotter = \"overlayfs\" # the default\n"
        "\n"
        "      [plugins.\"io.containerd.grpc.v1.cri\".containerd.runtimes]\n"
        "\n"
        "        # the stock runtime\n"
        "        [plugins.\"io.containerd.grpc.v1.cri\".containerd.runtimes.runc]\n"
        "          runtime_type = \"io.containerd.runc.v2\"\n"
        "\n"
        "          [plugins.\"io.containerd.grpc.v1.cri\".containerd.runtimes.runc.options]\n"
        "            SystemdCgroup = true # must match kubelet's cgroupDriver\n"
        "\n"
        "    [plugins.\"io.containerd.grpc.v1.cri\".registry]\n"
        "      config_path = \"/etc/containerd/certs.d\"\n";

static const char containerd_v2_nvidia[] =
        "# /etc/containerd/config.toml, written by hand\n"
        "version = 2\n"
        "\n"
        "# where containerd keeps its state\n"
        "root = \"/var/lib/containerd\"\n"
        "state = \"/run/containerd\"\n"
        "imports = [\"/etc/containerd/conf.d/*.toml\"]\n"
        "\n"
        "[grpc]\n"
        "  address = \"/run/containerd/containerd.sock\"\n"
        "\n"
        "[plugins]\n"
        "\n"
        "  [plugins.\"io.containerd.grpc.v1.cri\"]\n"
        "    sandbox_image = \"registry.k8s.io/pause:3.9\"  # pinned\n"
        "    enable_cdi = true\n"
        "\n"
        "    [plugins.\"io.containerd.grpc.v1.cri\".containerd]\n"
        "      default_runtime_name = \"nvidia\"\n"
        "\n"
        "      [plugins.\"io.containerd.grpc.v1.cri\".containerd.runtimes]\n"
        "\n"
        "        # the stock runtime\n"
        "        [plugins.\"io.containerd.grpc.v1.cri\".containerd.runtimes.runc]\n"
        "          runtime_type = \"io.containerd.runc.v2\"\n"
        "\n"
        "          [plugins.\"io.containerd.grpc.v1.cri\".containerd.runtimes.runc.options]\n"
        "            SystemdCgroup = true # must match kubelet's cgroupDriver\n"
        "\n"
        "        [plugins.\"io.containerd.grpc.v1.cri\".containerd.runtimes.nvidia]\n"
        "          runtime_type = \"io.containerd.runc.v2\"\n"
        "\n"
        "          [plugins.\"io.containerd.grpc.v1.cri\".containerd.runtimes.nvidia.options]\n"
        "            BinaryName = \"/usr/bin/nvidia-container-runtime\"\n"
        "            SystemdCgroup = true\n"
        "\n"
        "    [plugins.\"io.containerd.grpc.v1.cri\".registry]\n"
        "      config_path = \"/etc/containerd/certs.d\"\n";

static struct toml_doc *
parse(const char *text)
{
	_cleanup_error_ struct gp_error err = GP_ERROR_INIT;
	struct toml_doc *doc = NULL;
	if (toml_doc_parse(text, strlen(text), &doc, &err) < 0) {
		printf("# parse failed: %s\n", err.msg);
		abort();
	}
	return doc;
}

static void
is_text(const struct toml_doc *doc, const char *want, const char *name)
{
	size_t len;
	const char *got = toml_doc_text(doc, &len);
	bool same = len == strlen(want) && memcmp(got, want, len) == 0;
	ok(same, "%s", name);
	if (!same)
		printf("#   got:\n%.*s\n#   want:\n%s\n", (int)len, got, want);
	ok(toml_doc_check(doc), "%s: the index matches a fresh parse", name);
}

/* The error message of a failed call, or "(no error)". */
#define ERR_OF(call)                                                                               \
	({                                                                                         \
		struct gp_error _e = GP_ERROR_INIT;                                                \
		int _r = (call);                                                                   \
		static char _m[512];                                                               \
		snprintf(_m, sizeof(_m), "%s", _r < 0 && _e.msg ? _e.msg : "(no error)");          \
		gp_error_release(&_e);                                                             \
		_m;                                                                                \
	})

/* Type errors point at where the key is written (issue 11, item 14). */
static void
test_positions(void)
{
	_cleanup_toml_doc_ struct toml_doc *doc =
	        parse("version = \"2\"\n[[plugins]]\nx = 1\n[t]\n  \"q.k\" = 5\n"
	              "  a.b.c = 1\n[t.sub]\n[u.v]\n");
	const struct {
		const char *const *path;
		const char *where;
	} at[] = {
	        {P("version"), "1:1"},  {P("plugins"), "2:1"}, {P("t"), "4:1"},
	        {P("t", "q.k"), "5:3"}, {P("t", "a"), "6:3"},  {P("t", "a", "b", "c"), "6:7"},
	        {P("t", "sub"), "7:1"}, {P("u"), "8:2"},
	};
	for (size_t i = 0; i < GP_ARRAY_SIZE(at); i++) {
		unsigned line, col;
		toml_node_line_col(doc, toml_lookup(doc, at[i].path), &line, &col);
		_cleanup_free_ char *got = xasprintf("%u:%u", line, col);
		_cleanup_free_ char *name = toml_path_format(at[i].path);
		is_str(got, at[i].where, name);
	}
	is_str(toml_node_kind(toml_lookup(doc, P("plugins"))), "an array of tables",
	       "kind: an array of tables");
	_cleanup_error_ struct gp_error err = GP_ERROR_INIT;
	int64_t v;
	is_int(toml_get_int(doc, P("version"), &v, &err), -1, "version as a string");
	toml_error_in(&err, "config.toml");
	is_str(err.msg, "config.toml:1:1: 'version' is a string, not an integer",
	       "error_in: FILE:LINE:COL");
	ok(err.hint != NULL, "error_in keeps the hint");
	gp_error_set(&err, "no position here");
	toml_error_in(&err, "config.toml");
	is_str(err.msg, "config.toml: no position here", "error_in without a position");
}

static void
test_read_containerd(void)
{
	_cleanup_error_ struct gp_error err = GP_ERROR_INIT;
	_cleanup_toml_doc_ struct toml_doc *doc = parse(containerd_v2);
	int64_t version = 0;
	is_int(toml_get_int(doc, P("version"), &version, &err), 1, "version exists");
	is_int(version, 2, "version = 2");
	bool systemd = false;
	is_int(toml_get_bool(doc, P(RTS, "runc", "options", "SystemdCgroup"), &systemd, &err), 1,
	       "SystemdCgroup found through seven keys");
	ok(systemd, "SystemdCgroup is true");
	_cleanup_free_ char *image = NULL;
	is_int(toml_get_string(doc, P(CRI, "sandbox_image"), &image, &err), 1, "sandbox_image");
	is_str(image, "registry.k8s.io/pause:3.9", "the string, decoded");
	_cleanup_free_ char *absent = NULL;
	is_int(toml_get_string(doc, P(RTS, "nvidia", "runtime_type"), &absent, &err), 0,
	       "a missing key is 0");
	ok(!absent && !gp_error_is_set(&err), "and sets nothing");
	is_int(toml_get_bool(doc, P("version"), &systemd, &err), -1, "a wrong type is -1");
	is_str(err.msg, "2:1: 'version' is an integer, not a boolean",
	       "and says what it is, at the key");
	ok(err.hint != NULL, "with a hint");
	gp_error_release(&err);
	is_int(toml_get_string(doc, P("root", "x"), &absent, &err), -1,
	       "a path through a value is -1");
	is_str(err.msg, "5:1: 'root' is a string, not a table", "and names the value");
	gp_error_release(&err);

	ok(toml_table_exists(doc, P(RTS, "runc")), "the runc table exists");
	ok(toml_table_is_explicit(doc, P(RTS, "runc")), "explicitly");
	ok(!toml_table_exists(doc, P(RTS, "nvidia")), "no nvidia table");
	is_int(toml_get_type(doc, P("root")), TOML_STRING, "get_type string");
	is_int(toml_get_type(doc, P("nope")), TOML_NONE, "get_type of nothing");

	_cleanup_strv_ char **keys = NULL;
	is_int(toml_table_keys(doc, TOML_ROOT, &keys, &err), 1, "root keys");
	_cleanup_free_ char *joined = NULL;
	{
		size_t n = 0;
		for (size_t i = 0; keys[i]; i++)
			n += strlen(keys[i]) + 1;
		joined = xcalloc(n + 1, 1);
		for (size_t i = 0; keys[i]; i++) {
			strcat(joined, keys[i]);
			strcat(joined, " ");
		}
	}
	is_str(joined, "version root state grpc plugins ", "in document order");
	_cleanup_strv_ char **rk = NULL;
	is_int(toml_table_keys(doc, P(RTS), &rk, &err), 1, "runtimes keys");
	ok(strv_length(rk) == 1 && strcmp(rk[0], "runc") == 0, "just runc");
}

static void
test_read_kinds(void)
{
	_cleanup_error_ struct gp_error err = GP_ERROR_INIT;
	_cleanup_toml_doc_ struct toml_doc *doc =
	        parse("a.b.c = 1\n"
	              "s1 = \"tab\\there \\\"q\\\" \\u00e9\\U0001F600\"\n"
	              "s2 = 'C:\\path'\n"
	              "s3 = \"\"\"\n  one \\\n    two\"\"\"\n"
	              "s4 = '''\nraw\\n'''\n"
	              "hex = 0xDEAD_beef\n"
	              "oct = 0o755\n"
	              "bin = -0\n"
	              "big = -9_223_372_036_854_775_808\n"
	              "f1 = 6.626e-34\n"
	              "f2 = -inf\n"
	              "dt = 1979-05-27 07:32:00.5-07:30\n"
	              "ld = 1979-05-27\n"
	              "strs = [ \"x\", 'y', # c\n  \"\"\"z\"\"\", ]\n"
	              "mixed = [1, \"a\"]\n"
	              "[t]\n"
	              "in = { x = { y = \"deep\" }, p.q = true }\n"
	              "[[aot]]\n"
	              "n = 1\n"
	              "[[aot]]\n"
	              "n = 2\n"
	              "[imp.lied.table]\n");
	int64_t i = 0;
	toml_get_int(doc, P("a", "b", "c"), &i, &err);
	is_int(i, 1, "dotted keys make tables");
	ok(toml_table_is_explicit(doc, P("a", "b")), "a dotted-key table is explicit");
	_cleanup_free_ char *s1 = NULL, *s2 = NULL, *s3 = NULL, *s4 = NULL;
	toml_get_string(doc, P("s1"), &s1, &err);
	is_str(s1, "tab\there \"q\" \xc3\xa9\xf0\x9f\x98\x80", "basic string escapes");
	toml_get_string(doc, P("s2"), &s2, &err);
	is_str(s2, "C:\\path", "literal string");
	toml_get_string(doc, P("s3"), &s3, &err);
	is_str(s3, "  one two", "multi-line string, line-ending backslash");
	toml_get_string(doc, P("s4"), &s4, &err);
	is_str(s4, "raw\\n", "multi-line literal drops the first newline");
	toml_get_int(doc, P("hex"), &i, &err);
	is_int(i, 0xDEADBEEF, "hex with underscores");
	toml_get_int(doc, P("oct"), &i, &err);
	is_int(i, 0755, "octal");
	toml_get_int(doc, P("big"), &i, &err);
	ok(i == INT64_MIN, "INT64_MIN");
	double d = 0;
	toml_get_float(doc, P("f1"), &d, &err);
	ok(d == 6.626e-34, "float with exponent");
	toml_get_float(doc, P("f2"), &d, &err);
	ok(isinf(d) && d < 0, "-inf");
	struct toml_datetime dt = {0};
	is_int(toml_get_datetime(doc, P("dt"), &dt, &err), 1, "offset date-time");
	ok(dt.type == TOML_DATETIME && dt.year == 1979 && dt.month == 5 && dt.day == 27 &&
	           dt.hour == 7 && dt.minute == 32 && dt.second == 0 &&
	           dt.nanosecond == 500000000 && dt.offset_minutes == -450,
	   "its fields");
	toml_get_datetime(doc, P("ld"), &dt, &err);
	is_int(dt.type, TOML_DATE_LOCAL, "local date");
	_cleanup_strv_ char **strs = NULL;
	is_int(toml_get_strv(doc, P("strs"), &strs, &err), 1, "array of strings");
	ok(strv_length(strs) == 3 && strcmp(strs[2], "z") == 0, "three, comments skipped");
	char **mixed = NULL;
	is_int(toml_get_strv(doc, P("mixed"), &mixed, &err), -1, "a mixed array is not strings");
	is_str(err.msg, "19:10: 'mixed' is not an array of strings: it holds an integer",
	       "message, at the element");
	gp_error_release(&err);
	_cleanup_free_ char *deep = NULL;
	toml_get_string(doc, P("t", "in", "x", "y"), &deep, &err);
	is_str(deep, "deep", "through nested inline tables");
	bool b = false;
	toml_get_bool(doc, P("t", "in", "p", "q"), &b, &err);
	ok(b, "dotted keys inside an inline table");
	toml_get_int(doc, P("aot", "n"), &i, &err);
	is_int(i, 2, "a path through [[aot]] reads the last element");
	const struct toml_node *aot = toml_lookup(doc, P("aot"));
	ok(toml_node_type(aot) == TOML_ARRAY && toml_node_count(aot) == 2, "aot is an array of 2");
	ok(toml_table_exists(doc, P("imp", "lied")), "an implied table exists");
	ok(!toml_table_is_explicit(doc, P("imp", "lied")), "but not explicitly");
	ok(toml_node_is_implicit(toml_lookup(doc, P("imp"))), "node says implicit");
	size_t rl;
	const char *raw = toml_node_raw(doc, toml_lookup(doc, P("hex")), &rl);
	ok(rl == 11 && memcmp(raw, "0xDEAD_beef", 11) == 0, "raw bytes as written");

	json_t *j = toml_doc_to_json(doc);
	json_t *v = json_object_get(json_object_get(j, "dt"), "value");
	is_str(json_string_value(v), "1979-05-27T07:32:00.500-07:30", "tagged JSON date-time");
	v = json_object_get(json_object_get(j, "hex"), "value");
	is_str(json_string_value(v), "3735928559", "tagged JSON integer in decimal");
	json_decref(j);
}

static void
test_edit_containerd(void)
{
	_cleanup_error_ struct gp_error err = GP_ERROR_INIT;
	_cleanup_toml_doc_ struct toml_doc *doc = parse(containerd_v2);
	is_int(toml_table_create(doc, P(RTS, "nvidia"), &err), 1,
	       "create runtimes.nvidia after runc's tables");
	is_int(toml_table_create(doc, P(RTS, "nvidia", "options"), &err), 1,
	       "create runtimes.nvidia.options");
	is_int(toml_set_string(doc, P(RTS, "nvidia", "runtime_type"), "io.containerd.runc.v2",
	                       &err),
	       1, "set a key in an empty table");
	is_int(toml_set_string(doc, P(RTS, "nvidia", "options", "BinaryName"),
	                       "/usr/bin/nvidia-container-runtime", &err),
	       1, "set BinaryName");
	is_int(toml_set_bool(doc, P(RTS, "nvidia", "options", "SystemdCgroup"), true, &err), 1,
	       "set SystemdCgroup after BinaryName");
	is_int(toml_set_string(doc, P(CRI, "containerd", "default_runtime_name"), "nvidia", &err),
	       1, "set default_runtime_name in place");
	is_int(toml_delete(doc, P(CRI, "containerd", "snapshotter"), &err), 1,
	       "delete snapshotter with its comment");
	is_int(toml_set_strv(doc, P("imports"), P("/etc/containerd/conf.d/*.toml"), &err), 1,
	       "set imports at the root");
	is_int(toml_set_bool(doc, P(CRI, "enable_cdi"), true, &err), 1,
	       "set enable_cdi on the CRI table");
	ok(!gp_error_is_set(&err), "no errors");
	is_text(doc, containerd_v2_nvidia, "the exact bytes");

	/* Every edit again: nothing to do, and nothing changes. */
	is_int(toml_table_create(doc, P(RTS, "nvidia"), &err), 0, "table again: 0");
	is_int(toml_set_string(doc, P(CRI, "containerd", "default_runtime_name"), "nvidia", &err),
	       0, "same string: 0");
	is_int(toml_set_bool(doc, P(RTS, "nvidia", "options", "SystemdCgroup"), true, &err), 0,
	       "same bool: 0");
	is_int(toml_set_strv(doc, P("imports"), P("/etc/containerd/conf.d/*.toml"), &err), 0,
	       "same array: 0");
	is_int(toml_delete(doc, P(CRI, "containerd", "snapshotter"), &err), 0,
	       "deleting a missing key: 0");
	is_text(doc, containerd_v2_nvidia, "the bytes are the same");

	is_int(toml_set_strv(doc, P("imports"), P("/a/*.toml", "/b/\"q\".toml"), &err), 1,
	       "replace an array");
	const struct toml_node *n = toml_lookup(doc, P("imports"));
	size_t rl;
	const char *raw = toml_node_raw(doc, n, &rl);
	_cleanup_free_ char *rawc = xstrndup(raw, rl);
	is_str(rawc, "[\"/a/*.toml\", \"/b/\\\"q\\\".toml\"]", "written as basic strings, escaped");
}

static void
test_edit_small(void)
{
	_cleanup_error_ struct gp_error err = GP_ERROR_INIT;
	struct toml_doc *doc;

	doc = parse("");
	is_int(toml_set_int(doc, P("version"), 2, &err), 1, "set in an empty document");
	is_text(doc, "version = 2\n", "one line");
	is_int(toml_set_string(doc, P("plugins", "io.containerd.grpc.v1.cri", "x"), "y", &err), 1,
	       "set a deep key in a new table");
	is_text(doc, "version = 2\n\n[plugins.\"io.containerd.grpc.v1.cri\"]\nx = \"y\"\n",
	        "the table gets a header, a blank line before it");
	toml_doc_free(doc);

	doc = parse("x = 'C:\\dir'\n");
	is_int(toml_set_string(doc, P("x"), "C:\\dir", &err), 0,
	       "an equal literal string is left as written");
	is_int(toml_set_string(doc, P("x"), "tab\there \"q\" \x01", &err), 1, "a new string");
	is_text(doc, "x = \"tab\\there \\\"q\\\" \\u0001\"\n", "as an escaped basic string");
	toml_doc_free(doc);

	doc = parse("a = 1\r\n[t]\r\nb = 2\r\n");
	toml_set_int(doc, P("t", "c"), 3, &err);
	is_text(doc, "a = 1\r\n[t]\r\nb = 2\r\nc = 3\r\n", "CRLF documents get CRLF lines");
	toml_doc_free(doc);

	doc = parse("a = 1");
	toml_set_int(doc, P("b"), 2, &err);
	is_text(doc, "a = 1\nb = 2", "no final newline stays so");
	toml_doc_free(doc);

	doc = parse("# top\n\n[a]\nx = 1\n");
	toml_set_int(doc, P("version"), 2, &err);
	is_text(doc, "# top\n\nversion = 2\n\n[a]\nx = 1\n",
	        "a root key before the first header, set apart");
	toml_doc_free(doc);

	doc = parse("# about a\n[a]\nx = 1\n");
	toml_set_int(doc, P("version"), 2, &err);
	is_text(doc, "version = 2\n\n# about a\n[a]\nx = 1\n",
	        "above the comment that belongs to the first header");
	toml_doc_free(doc);

	doc = parse("[t]\n\tk = 1\n\t\"my key\" = 2 # two\n\n[u]\n");
	toml_set_string(doc, P("t", "a b"), "v", &err);
	toml_set_bool(doc, P("t", "bare-key_1"), false, &err);
	is_text(doc,
	        "[t]\n\tk = 1\n\t\"my key\" = 2 # two\n\t\"a b\" = \"v\"\n\tbare-key_1 = "
	        "false\n\n[u]\n",
	        "indented like the siblings, quoted only when needed");
	is_int(toml_delete(doc, P("t", "my key"), &err), 1, "delete a quoted key");
	is_text(doc, "[t]\n\tk = 1\n\t\"a b\" = \"v\"\n\tbare-key_1 = false\n\n[u]\n",
	        "the whole line went");
	toml_doc_free(doc);

	doc = parse("imports = [\n  \"/a.toml\", # first\n  \"/b.toml\",\n]\nx = 1\n");
	toml_set_strv(doc, P("imports"), P("/a.toml", "/b.toml", "/c/*.toml"), &err);
	is_text(doc, "imports = [\"/a.toml\", \"/b.toml\", \"/c/*.toml\"]\nx = 1\n",
	        "a multi-line array is replaced as a whole");
	is_int(toml_delete(doc, P("imports"), &err), 1, "delete it");
	is_text(doc, "x = 1\n", "gone");
	toml_doc_free(doc);

	doc = parse("\xEF\xBB\xBFk = 1\n");
	toml_delete(doc, P("k"), &err);
	is_text(doc, "\xEF\xBB\xBF", "the byte order mark stays");
	toml_doc_free(doc);
}

static void
test_edit_inline_dotted_implicit(void)
{
	_cleanup_error_ struct gp_error err = GP_ERROR_INIT;
	struct toml_doc *doc;

	doc = parse("x = { a = 1 }\ne = {}\n");
	is_int(toml_set_int(doc, P("x", "b"), 2, &err), 1, "add to an inline table");
	is_int(toml_set_int(doc, P("x", "a"), 5, &err), 1, "change in an inline table");
	is_int(toml_set_bool(doc, P("x", "c", "d"), true, &err), 1, "deeper, as a dotted key");
	is_int(toml_set_string(doc, P("e", "k"), "v", &err), 1, "add to an empty inline table");
	is_text(doc, "x = { a = 5, b = 2, c.d = true }\ne = { k = \"v\" }\n", "inside the braces");
	is_int(toml_set_int(doc, P("x", "c", "z"), 0, &err), 1, "into a dotted table in braces");
	is_text(doc, "x = { a = 5, b = 2, c.d = true, c.z = 0 }\ne = { k = \"v\" }\n",
	        "written from the braces");
	is_int(toml_delete(doc, P("x", "a"), &err), 1, "delete the first pair");
	is_int(toml_delete(doc, P("x", "c", "z"), &err), 1, "delete the last pair");
	is_int(toml_delete(doc, P("e", "k"), &err), 1, "delete the only pair");
	is_text(doc, "x = { b = 2, c.d = true }\ne = {  }\n", "pairs and commas removed");
	is_int(toml_table_create(doc, P("x", "sub"), &err), 1, "a table in an inline table");
	is_text(doc, "x = { b = 2, c.d = true, sub = {} }\ne = {  }\n", "is an inline table");
	toml_doc_free(doc);

	doc = parse("[fruit]\napple.color = \"red\"\nsize = 3\n\n[veg]\n");
	is_int(toml_set_bool(doc, P("fruit", "apple", "sweet"), true, &err), 1,
	       "add to a dotted-key table");
	is_text(doc, "[fruit]\napple.color = \"red\"\nsize = 3\napple.sweet = true\n\n[veg]\n",
	        "as a dotted key in its section");
	is_int(toml_table_create(doc, P("fruit", "apple", "texture"), &err), 1,
	       "a header table below a dotted-key table");
	is_text(doc,
	        "[fruit]\napple.color = \"red\"\nsize = 3\napple.sweet = true\n\n"
	        "[fruit.apple.texture]\n\n[veg]\n",
	        "after the section that defines it");
	toml_doc_free(doc);

	/*
	 * A dotted key added inside an inline table under a header makes a table of
	 * that header's section, not the root's (issue 11, item 16; fuzz-toml found it
	 * with the header indented, and the self-check now compares sections by index).
	 */
	static const char *const under_header[] = {" [u.d]\nl={a=1}", "[u.d]\nl={a=1}",
	                                           "[u]\n[u.d]\nl={a=1}\n[v]\n"};
	for (size_t i = 0; i < GP_ARRAY_SIZE(under_header); i++) {
		doc = parse(under_header[i]);
		is_int(toml_set_int(doc, P("u", "d", "l", "a"), -42, &err), 1,
		       "an edit in an inline table under a header");
		is_int(toml_set_strv(doc, P("u", "d", "l", "new", "k"), P("a", "b"), &err), 1,
		       "a dotted key added in it");
		ok(toml_doc_check(doc), "the index matches a fresh parse (case %zu)", i);
		toml_doc_free(doc);
	}

	doc = parse("[t]\na.b = 1\nc = 2\n");
	is_int(toml_delete(doc, P("t", "a", "b"), &err), 1, "delete a dotted key's line");
	is_text(doc, "[t]\nc = 2\n", "the line went");
	ok(!toml_table_exists(doc, P("t", "a")), "and the table only it made");
	toml_doc_free(doc);

	doc = parse("[a.b]\nx = 1\n");
	is_int(toml_set_int(doc, P("a", "y"), 2, &err), 1, "set in an implied table");
	is_text(doc, "[a]\ny = 2\n[a.b]\nx = 1\n", "it gets its header before its sub-table");
	toml_doc_free(doc);

	doc = parse("  [a.b.c]\n  x = 1\n");
	is_int(toml_table_create(doc, P("a", "b"), &err), 1, "create an implied table");
	is_int(toml_table_create(doc, P("a", "b"), &err), 0, "then it exists");
	is_text(doc, "  [a.b]\n  [a.b.c]\n  x = 1\n", "header before the first sub-table");
	toml_doc_free(doc);

	doc = parse("[[p]]\nn = 1\n[[p]]\nn = 2\n\n[q]\n");
	is_int(toml_set_int(doc, P("p", "m"), 3, &err), 1, "set in an array of tables");
	is_text(doc, "[[p]]\nn = 1\n[[p]]\nn = 2\nm = 3\n\n[q]\n", "goes to its last element");
	toml_doc_free(doc);

	doc = parse("[a]\nx = 1\n\n[a.b]\ny = 2\n\n[c]\nz = 3\n");
	is_int(toml_table_create(doc, P("a", "d"), &err), 1, "a second sub-table");
	is_text(doc, "[a]\nx = 1\n\n[a.b]\ny = 2\n\n[a.d]\n\n[c]\nz = 3\n",
	        "after the last sub-table of its parent, blank line like its sibling");
	toml_doc_free(doc);
}

/* Issue 12: a new string or key in the file's quote style; new tables after trailing comments. */
static void
test_edit_style(void)
{
	_cleanup_error_ struct gp_error err = GP_ERROR_INIT;
	struct toml_doc *doc;

	doc = parse("version = 3\nroot = '/var/lib/containerd'\n\n"
	            "[plugins.'io.containerd.cri.v1.runtime'.containerd]\n"
	            "default_runtime_name = 'runc'\n");
	is_int(toml_set_string(doc,
	                       P("plugins", "io.containerd.cri.v1.runtime", "containerd",
	                         "default_runtime_name"),
	                       "nvidia", &err),
	       1, "literal style: replace a literal string");
	is_int(toml_set_string(doc,
	                       P("plugins", "io.containerd.cri.v1.runtime", "containerd",
	                         "runtimes", "nvidia", "runtime_type"),
	                       "io.containerd.runc.v2", &err),
	       1, "literal style: a new table and string");
	is_int(toml_set_string(doc, P("plugins", "io.containerd.cri.v1.runtime", "x"), "it's",
	                       &err),
	       1, "literal style: a string a literal cannot hold");
	is_text(doc,
	        "version = 3\nroot = '/var/lib/containerd'\n\n"
	        "[plugins.'io.containerd.cri.v1.runtime']\nx = \"it's\"\n"
	        "[plugins.'io.containerd.cri.v1.runtime'.containerd]\n"
	        "default_runtime_name = 'nvidia'\n\n"
	        "[plugins.'io.containerd.cri.v1.runtime'.containerd.runtimes.nvidia]\n"
	        "runtime_type = 'io.containerd.runc.v2'\n",
	        "literal style: single quotes throughout, basic where a literal cannot be");
	toml_doc_free(doc);

	doc = parse("a = \"x\"\nb = 'y'\n");
	toml_set_string(doc, P("b"), "z", &err);
	toml_set_string(doc, P("c"), "w", &err);
	is_text(doc, "a = \"x\"\nb = 'z'\nc = \"w\"\n",
	        "mixed quotes: a replaced string keeps its quotes, a new one is basic");
	toml_doc_free(doc);

	const char *commented = "[a]\nk = 1\n  # k2 = 2\n  # k3 = 3\n\n# about b\n[b]\nm = 1\n";
	doc = parse(commented);
	toml_set_int(doc, P("a", "sub", "x"), 1, &err);
	is_text(doc,
	        "[a]\nk = 1\n  # k2 = 2\n  # k3 = 3\n\n[a.sub]\nx = 1\n\n# about b\n[b]\nm = 1\n",
	        "a new table goes after the table's trailing comments, before the next one's");
	toml_doc_free(doc);

	doc = parse("[a]\nk = 1\n# about b\n[b]\nm = 1\n");
	toml_set_int(doc, P("a", "sub", "x"), 1, &err);
	is_text(doc, "[a]\nk = 1\n\n[a.sub]\nx = 1\n# about b\n[b]\nm = 1\n",
	        "comments that run into the next header stay with it");
	toml_doc_free(doc);
}

static void
test_errors(void)
{
	_cleanup_error_ struct gp_error err = GP_ERROR_INIT;
	struct toml_doc *doc = NULL;

	is_int(toml_doc_parse("a = 1\nb = \n", 11, &doc, &err), -1, "a missing value");
	is_str(err.msg, "2:5: expected a value, found newline", "line:col and what was found");
	gp_error_release(&err);
	const char *t = "[x]\n  name \"v\"\n";
	toml_doc_parse(t, strlen(t), &doc, &err);
	is_str(err.msg, "2:8: expected '=' after the key, found '\"'", "expected '='");
	gp_error_release(&err);
	t = "a = 1\n[t]\na = 2\n[t]\n";
	toml_doc_parse(t, strlen(t), &doc, &err);
	is_str(err.msg, "4:2: table [t] is defined twice", "a duplicate table");
	gp_error_release(&err);
	t = "k = \"caf\xc3\xa9\" \xff\n";
	toml_doc_parse(t, strlen(t), &doc, &err);
	is_str(err.msg, "1:12: invalid UTF-8", "columns count characters");
	gp_error_release(&err);

	char dir[] = "/tmp/gpuprep-test-toml-XXXXXX";
	ok(mkdtemp(dir) != NULL, "mkdtemp");
	_cleanup_free_ char *path = xasprintf("%s/config.toml", dir);
	FILE *f = fopen(path, "w");
	fputs("version = 2\n[plugins\n", f);
	fclose(f);
	is_int(toml_doc_load(path, &doc, &err), -1, "load a malformed file");
	_cleanup_free_ char *want =
	        xasprintf("%s:2:9: expected ']' to close the table header, found newline", path);
	is_str(err.msg, want, "PATH:LINE:COL: message");
	ok(err.hint != NULL, "with a hint");
	gp_error_release(&err);
	unlink(path);
	is_int(toml_doc_load(path, &doc, &err), -1, "load a missing file");
	_cleanup_free_ char *want2 = xasprintf("reading '%s': No such file or directory", path);
	is_str(err.msg, want2, "names the file");
	gp_error_release(&err);
	rmdir(dir);

	doc = parse("a = 1\n[t]\n[[arr]]\n");
	const char *before = "a = 1\n[t]\n[[arr]]\n";
	is_str(ERR_OF(toml_set_int(doc, P("a", "b"), 1, &_e)),
	       "1:1: cannot set 'a.b': 'a' is an integer, not a table", "set through a value");
	is_str(ERR_OF(toml_set_int(doc, P("t"), 1, &_e)), "cannot set 't': it is a table",
	       "set over a table");
	is_str(ERR_OF(toml_delete(doc, P("t"), &_e)),
	       "cannot delete 't': it is a table; only keys can be deleted", "delete a table");
	is_str(ERR_OF(toml_table_create(doc, P("a"), &_e)),
	       "cannot create table 'a': it is an integer", "create over a value");
	is_str(ERR_OF(toml_set_raw(doc, P("t", "x"), "[1,", &_e)),
	       "invalid TOML value '[1,': 1:8: expected a value, found end of file",
	       "a bad raw value");
	is_str(ERR_OF(toml_set_raw(doc, P("t", "x"), "1 # c", &_e)),
	       "invalid TOML value '1 # c': not a single value", "raw takes only a value");
	is_str(ERR_OF(toml_set_string(doc, P("t", "bad"), "\xff", &_e)),
	       "the edit would make the document invalid: 3:8: invalid UTF-8",
	       "an edit that would break the document is refused");
	is_text(doc, before, "and every failed edit left the text alone");
	/* set_raw_parsed trusts its text to be one value, but the edit still checks it in place. */
	ok(toml_set_raw_parsed(doc, P("t", "x"), "[1,", &err) < 0 && err.msg &&
	           strstr(err.msg, "the edit would make the document invalid"),
	   "set_raw_parsed: a bad value is refused by the edit");
	gp_error_release(&err);
	is_text(doc, before, "set_raw_parsed: and the text is left alone");
	is_int(toml_set_raw(doc, P("t", "x"), "{ y = [1, 2] }", &err), 1, "a good raw value");
	is_text(doc, "a = 1\n[t]\nx = { y = [1, 2] }\n[[arr]]\n", "goes in as written");
	is_int(toml_set_raw_parsed(doc, P("t", "z"), "'lit'", &err), 1,
	       "set_raw_parsed: a value as a document wrote it");
	is_text(doc, "a = 1\n[t]\nx = { y = [1, 2] }\nz = 'lit'\n[[arr]]\n",
	        "set_raw_parsed: goes in as written");
	toml_doc_free(doc);

	_cleanup_free_ char *p =
	        toml_path_format(P("plugins", "io.containerd.grpc.v1.cri", "a b", "", "ok-1"));
	is_str(p, "plugins.\"io.containerd.grpc.v1.cri\".\"a b\".\"\".ok-1",
	       "path_format quotes as needed");
}

/* toml_doc_finish: the text as toml_doc_text gave it, small (heap) and big (a mapping). */
static void
test_finish(void)
{
	for (int big = 0; big < 2; big++) {
		struct strbuf t = {0};
		strbuf_puts(&t, "[plugins]\n");
		for (int i = 0; i < (big ? 40000 : 3); i++)
			strbuf_printf(&t, "[plugins.r%d]\nname = \"runtime %d\"\n", i, i);
		_cleanup_free_ char *text = t.s;
		struct toml_doc *doc = parse(text);
		_cleanup_error_ struct gp_error err = GP_ERROR_INIT;
		is_int(toml_set_string(doc, P("plugins", "r1", "name"), "nvidia", &err), 1,
		       big ? "edit a big document" : "edit a small document");
		size_t want_len, len = 0;
		_cleanup_free_ char *want = xstrdup(toml_doc_text(doc, &want_len));
		_cleanup_free_ char *got = toml_doc_finish(doc, &len);
		ok(len == want_len && memcmp(got, want, len) == 0 && got[len] == '\0',
		   big ? "finish gives a big document's text (%zu bytes)"
		       : "finish gives a small document's text (%zu bytes)",
		   len);
	}
}

int
main(void)
{
	test_finish();
	test_read_containerd();
	test_positions();
	test_read_kinds();
	test_edit_containerd();
	test_edit_small();
	test_edit_inline_dotted_implicit();
	test_edit_style();
	test_errors();
	return tap_done();
}
