// SPDX-License-Identifier: GPL-2.0-or-later
#include <string.h>

#include "tap.h"
#include "yamltree.h"

static struct yaml_tree *
parse(const char *text, struct gp_error *err)
{
	struct yaml_tree *t = NULL;
	yaml_tree_parse(text, strlen(text), &t, err);
	return t;
}

static void
test_paths(void)
{
	_cleanup_error_ struct gp_error err = GP_ERROR_INIT;
	/* Block and flow styles, quotes and an alias, as real configs mix them. */
	const char *text = "base: &b {driver: systemd}\n"
	                   "modules:\n"
	                   "  edged: {enable: yes, tailoredKubeletConfig: *b}\n"
	                   "  list: [a, 'b', \"c\"]\n";
	_cleanup_(yaml_tree_freep) struct yaml_tree *t = parse(text, &err);
	ok(t != NULL, "block, flow, quotes and an alias parse");
	static const char *const path[] = {"modules", "edged", "tailoredKubeletConfig", "driver",
	                                   NULL};
	yaml_node_id n = yaml_tree_path(t, yaml_tree_root(t), path, &err);
	is_str(yaml_tree_scalar(t, n, NULL), "systemd", "the alias resolves to its anchor's node");
	static const char *const en[] = {"modules", "edged", "enable", NULL};
	bool b = false;
	is_int(yaml_tree_bool(t, yaml_tree_path(t, yaml_tree_root(t), en, &err), &b), 1,
	       "yes is a YAML 1.1 boolean");
	ok(b, "yes is true");
	static const char *const lp[] = {"modules", "list", NULL};
	yaml_node_id l = yaml_tree_path(t, yaml_tree_root(t), lp, &err);
	is_int(yaml_tree_len(t, l), 3, "a flow sequence has its items");
	bool plain = true;
	is_str(yaml_tree_scalar(t, yaml_tree_item(t, l, 1), &plain), "b", "a quoted item");
	ok(!plain, "a quoted item is not plain");
	static const char *const missing[] = {"modules", "nothing", "deeper", NULL};
	is_int(yaml_tree_path(t, yaml_tree_root(t), missing, &err), 0, "a missing key: 0");
	size_t line, col;
	yaml_tree_mark(t, l, &line, &col);
	ok(line == 4 && col == 9, "marks are 1-based (got %zu:%zu)", line, col);
}

static void
test_errors(void)
{
	_cleanup_error_ struct gp_error err = GP_ERROR_INIT;
	_cleanup_(yaml_tree_freep) struct yaml_tree *t = parse("a: 1\nb: [2\n", &err);
	ok(t == NULL, "an unclosed flow sequence fails");
	ok(err.msg && str_startswith(err.msg, "3:1: "), "with line:col (%s)", err.msg);

	gp_error_release(&err);
	_cleanup_(yaml_tree_freep) struct yaml_tree *two = parse("a: 1\n---\nb: 2\n", &err);
	ok(two == NULL, "a second document fails");
	is_str(err.msg, "2:1: a second YAML document", "and says where: its ---");

	gp_error_release(&err);
	_cleanup_(yaml_tree_freep) struct yaml_tree *dup = parse("a: 1\nb: 2\na: 3\n", &err);
	ok(dup != NULL, "duplicate keys parse");
	is_int(yaml_tree_get(dup, yaml_tree_root(dup), "a", &err), -1, "a duplicate key: -1");
	is_str(err.msg, "3:1: duplicate key 'a'", "at the second one");

	gp_error_release(&err);
	_cleanup_(yaml_tree_freep) struct yaml_tree *empty = parse("# nothing\n", &err);
	ok(empty != NULL && yaml_tree_root(empty) == 0, "a comment-only text has no root");

	bool b = true;
	_cleanup_(yaml_tree_freep) struct yaml_tree *q = parse("a: \"true\"\nb: Off\n", &err);
	is_int(yaml_tree_bool(q, yaml_tree_get(q, 1, "a", &err), &b), 0, "\"true\" is a string");
	is_int(yaml_tree_bool(q, yaml_tree_get(q, 1, "b", &err), &b), 1, "Off is a boolean");
	ok(!b, "Off is false");
}

static void
test_stream(void)
{
	_cleanup_error_ struct gp_error err = GP_ERROR_INIT;
	struct yaml_tree **all = NULL;
	const char *text = "---\na: 1\n---\n---\nb: 2\n...\n";
	is_int(yaml_tree_parse_all(text, strlen(text), &all, &err), 0, "a stream parses");
	size_t n = 0;
	while (all && all[n])
		n++;
	is_int(n, 2, "its two documents, the empty one left out");
	for (size_t i = 0; i < n; i++)
		yaml_tree_free(all[i]);
	free(all);
	is_int(yaml_tree_parse_all("a: [\n", 5, &all, &err), -1, "a broken stream fails");
}

int
main(void)
{
	test_paths();
	test_errors();
	test_stream();
	return tap_done();
}
