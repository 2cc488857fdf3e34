// SPDX-License-Identifier: GPL-2.0-or-later
#include "manifest.h"
#include "tap.h"
#include "template.h"

static const struct template_var vars[] = {
        {"name", "a: b"},
        {"n", "4"},
        {"on", "true"},
        {"off", NULL},
};

/* Render text with vars; the output, or "ERROR: <message>". */
static char *
render(const char *text)
{
	_cleanup_error_ struct gp_error err = GP_ERROR_INIT;
	char *out = NULL;
	if (template_render("t.yaml", text, vars, GP_ARRAY_SIZE(vars), &out, &err) < 0)
		return xasprintf("ERROR: %s", err.msg);
	return out;
}

#define is_render(text, want, name)                                                                \
	do {                                                                                       \
		_cleanup_free_ char *_o = render(text);                                            \
		is_str(_o, want, name);                                                            \
	} while (0)

static void
test_render(void)
{
	is_render("", "", "an empty template renders empty");
	is_render("plain: text\n", "plain: text\n", "text without tags stays as it is");
	is_render("key: {{name}}\n", "key: \"a: b\"\n", "{{name}} is a double-quoted scalar");
	is_render("replicas: {{&n}}\n", "replicas: 4\n", "{{&name}} is the raw value");
	is_render("a\n{{#on}}\nb\n{{/on}}\nc\n", "a\nb\nc\n",
	          "a set section keeps its text, standalone tags take their lines");
	is_render("a\n{{#off}}\nb: {{name}}\n{{/off}}\nc\n", "a\nc\n",
	          "an unset section drops its text");
	is_render("a\n  {{#on}}  \n  b\n\t{{/on}}\nc\n", "a\n  b\nc\n",
	          "standalone tags may be indented and followed by blanks");
	is_render("x{{#on}}y{{/on}}z\n", "xyz\n", "inline sections keep the line");
	is_render("x {{#off}}y{{/off}} z\n", "x  z\n", "an inline unset section drops only itself");
	is_render("a: {{#on}}\nb\n", "ERROR: template 't.yaml': 1:4: '{{#on}}' is not closed",
	          "a tag after text is not standalone (and this one is not closed)");
	is_render("{{#on}}\n{{#off}}\nx\n{{/off}}\ny\n{{/on}}\n", "y\n", "sections nest");
	is_render("{{#off}}\n{{#on}}\nx\n{{/on}}\n{{/off}}\n", "",
	          "a set section inside an unset one stays dropped");
	is_render("{{#on}}\nlast\n{{/on}}", "last\n", "a standalone tag at the very end");
	is_render("a: 1 }} b\n", "a: 1 }} b\n", "a lone '}}' is text");

	is_render("x\n  y: {{nmae}}\n", "ERROR: template 't.yaml': 2:6: unknown name 'nmae'",
	          "unknown names are errors");
	is_render("{{#off}}\n{{nope}}\n{{/off}}\n",
	          "ERROR: template 't.yaml': 2:1: unknown name 'nope'",
	          "unknown names are errors inside unset sections too");
	is_render("a: {{off}}\n", "ERROR: template 't.yaml': 1:4: 'off' has no value",
	          "an unset value outside its section is an error");
	is_render("a: {{name\n", "ERROR: template 't.yaml': 1:4: '{{' is not closed",
	          "an open '{{' is an error");
	is_render("a: {{ name }}\n", "ERROR: template 't.yaml': 1:4: bad tag '{{ name }}'",
	          "blanks inside tags are errors");
	is_render("a: {{}}\n", "ERROR: template 't.yaml': 1:4: bad tag '{{}}'",
	          "an empty tag is an error");
	is_render("a: {{#}}\n", "ERROR: template 't.yaml': 1:4: bad tag '{{#}}'",
	          "an empty section name is an error");
	is_render("{{/on}}\n", "ERROR: template 't.yaml': 1:1: '{{/on}}' closes no section",
	          "a stray close is an error");
	is_render("{{#on}}\n{{#n}}\n{{/on}}\n{{/n}}\n",
	          "ERROR: template 't.yaml': 3:1: '{{/on}}' closes '{{#n}}'",
	          "crossed sections are errors");

	_cleanup_free_ char *deep = NULL;
	for (int i = 0; i < 17; i++) {
		char *d = xasprintf("%s{{#on}}", deep ? deep : "");
		free(deep);
		deep = d;
	}
	is_render(deep, "ERROR: template 't.yaml': 1:113: sections nested more than 16 deep",
	          "nesting is bounded");

	static const struct template_var bad[] = {{"v", "\xff"}};
	_cleanup_error_ struct gp_error err = GP_ERROR_INIT;
	char *out = NULL;
	is_int(template_render("b.yaml", "v: {{v}}\n", bad, 1, &out, &err), -1,
	       "a value that is not UTF-8 is refused");
	is_str(err.msg, "template 'b.yaml': 1:4: the value of 'v' is not valid UTF-8",
	       "... and the error names it");
	ok(out == NULL, "... and nothing is returned");
}

static void
is_quote(const char *in, const char *want, const char *name)
{
	_cleanup_free_ char *q = yaml_quote(in);
	is_str(q, want, name);
}

static void
test_yaml_quote(void)
{
	is_quote("", "\"\"", "empty");
	is_quote("kube-system", "\"kube-system\"", "plain");
	is_quote("a: b #c *d &e {} [] - x", "\"a: b #c *d &e {} [] - x\"",
	         "YAML indicators are plain text inside double quotes");
	is_quote("say \"hi\" \\o/", "\"say \\\"hi\\\" \\\\o/\"", "quotes and backslashes");
	is_quote(" lead and trail ", "\" lead and trail \"", "blanks at the ends stay");
	is_quote("a\nb\tc\rd", "\"a\\nb\\tc\\rd\"", "newline, tab, CR");
	is_quote("\x01\x1b\x1f\x7f", "\"\\u0001\\u001B\\u001F\\u007F\"", "C0 controls and DEL");
	is_quote("\xc2\x80\xc2\x85\xc2\x9f", "\"\\u0080\\u0085\\u009F\"", "C1 controls");
	is_quote("\xe2\x80\xa8\xe2\x80\xa9\xef\xbb\xbf\xef\xbf\xbe\xef\xbf\xbf",
	         "\"\\u2028\\u2029\\uFEFF\\uFFFE\\uFFFF\"",
	         "line separators, BOM and non-characters");
	is_quote("caf\xc3\xa9 \xe6\x97\xa5\xe6\x9c\xac \xf0\x9f\x98\x80 \xc2\xa0",
	         "\"caf\xc3\xa9 \xe6\x97\xa5\xe6\x9c\xac \xf0\x9f\x98\x80 \xc2\xa0\"",
	         "printable UTF-8 stays as it is");

	static const char *const invalid[] = {
	        "\xff",             /* never in UTF-8 */
	        "\x80",             /* a lone continuation byte */
	        "a\xc3",            /* cut short */
	        "\xc3(",            /* a bad continuation */
	        "\xc0\x80",         /* overlong NUL */
	        "\xe0\x80\xaf",     /* overlong '/' */
	        "\xed\xa0\x80",     /* a surrogate */
	        "\xf4\x90\x80\x80", /* above U+10FFFF */
	        "\xf8\x88\x80\x80\x80",
	};
	for (size_t i = 0; i < GP_ARRAY_SIZE(invalid); i++) {
		_cleanup_free_ char *q = yaml_quote(invalid[i]);
		ok(q == NULL, "invalid UTF-8 %zu is refused", i);
	}
}

static void
test_builtin(void)
{
	static const char *const names[] = {"ansible-defaults.yml", "ansible-playbook-vars.yml",
	                                    "ansible-site.yml",     "ansible-tasks.yml",
	                                    "device-plugin.yaml",   "runtimeclass.yaml",
	                                    "test-pod.yaml",        "time-slicing.yaml"};
	is_int(template_files_count, GP_ARRAY_SIZE(names), "every template is built in");
	for (size_t i = 0; i < GP_ARRAY_SIZE(names); i++) {
		const struct template_file *t = template_find(names[i]);
		ok(t && t->len > 0 && strlen(t->text) == t->len, "%s is built in", names[i]);
	}
	ok(template_find("nope.yaml") == NULL, "an unknown template is NULL");

	_cleanup_error_ struct gp_error err = GP_ERROR_INIT;
	_cleanup_free_ char *y = NULL;
	struct manifest_device_plugin one = {.replicas = 1};
	is_int(manifest_device_plugin_render(&one, &y, &err), -1,
	       "one time-slicing replica is refused");
	is_str(err.msg, "time-slicing needs at least 2 replicas per GPU", "... with a message");
}

int
main(void)
{
	test_render();
	test_yaml_quote();
	test_builtin();
	return tap_done();
}
