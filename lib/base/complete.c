// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Shell completion from the usage texts (see complete.h for what is read).
 */
#include <ctype.h>
#include <string.h>

#include "complete.h"
#include "util.h"

struct usage_opt {
	char *name; /* "--output", or NULL for a short option only */
	char shrt;  /* 'o', or 0 */
	char *arg;  /* "FILE", or NULL when it takes no argument */
};

struct usage_verb {
	char *name;
	char **opts; /* the long options in its synopsis */
};

struct usage {
	struct usage_opt *opts;
	size_t n_opts;
	struct usage_verb *verbs;
	size_t n_verbs;
};

static void
usage_release(struct usage *u)
{
	for (size_t i = 0; i < u->n_opts; i++) {
		free(u->opts[i].name);
		free(u->opts[i].arg);
	}
	free(u->opts);
	for (size_t i = 0; i < u->n_verbs; i++) {
		free(u->verbs[i].name);
		strv_free(u->verbs[i].opts);
	}
	free(u->verbs);
}

static bool
is_name_char(char c)
{
	return islower((unsigned char)c) || isdigit((unsigned char)c) || c == '-';
}

/* A word the user types as it stands ("docker", "deb"), not a placeholder ("PATH"). */
static bool
is_literal(const char *s)
{
	if (!islower((unsigned char)*s) && !isdigit((unsigned char)*s))
		return false;
	for (; *s; s++)
		if (!is_name_char(*s) && *s != '.' && *s != '_')
			return false;
	return true;
}

static struct usage_opt *
usage_lookup(struct usage *u, const char *name, size_t len, char shrt)
{
	for (size_t i = 0; i < u->n_opts; i++) {
		struct usage_opt *o = &u->opts[i];
		if (name && o->name && strlen(o->name) == len && strncmp(o->name, name, len) == 0)
			return o;
		if (!name && shrt && o->shrt == shrt)
			return o;
	}
	return NULL;
}

/*
 * Record an option. An argument spelled as a set ("docker|containerd") wins
 * over a placeholder ("R") from another place in the text.
 */
static void
usage_add(struct usage *u, const char *name, size_t len, char shrt, const char *arg, size_t arg_len)
{
	struct usage_opt *o = usage_lookup(u, name, len, shrt);
	if (!o && name && shrt)
		o = usage_lookup(u, NULL, 0, shrt);
	if (!o) {
		u->opts = xrealloc(u->opts, (u->n_opts + 1) * sizeof(*u->opts));
		o = &u->opts[u->n_opts++];
		*o = (struct usage_opt){0};
	}
	if (name && !o->name)
		o->name = xstrndup(name, len);
	if (shrt)
		o->shrt = shrt;
	if (arg && arg_len && (!o->arg || (memchr(arg, '|', arg_len) && !strchr(o->arg, '|')))) {
		free(o->arg);
		o->arg = xstrndup(arg, arg_len);
	}
}

/* "-o, --output FILE  text", "--dry-run  text", "--runtime=NAME": p is at the first '-'. */
static void
parse_option_line(struct usage *u, const char *p)
{
	char shrt = 0;
	const char *name = NULL;
	size_t len = 0;

	if (p[1] != '-' && isalnum((unsigned char)p[1]) && (!p[2] || strchr(" ,", p[2]))) {
		shrt = p[1];
		p += 2;
		if (p[0] == ',' && p[1] == ' ' && p[2] == '-')
			p += 2;
	}
	if (p[0] == '-' && p[1] == '-' && islower((unsigned char)p[2])) {
		name = p;
		len = strspn(p + 2, "abcdefghijklmnopqrstuvwxyz0123456789-") + 2;
		p += len;
	}
	if (!name && !shrt)
		return;
	const char *arg = NULL;
	size_t arg_len = 0;
	if ((p[0] == ' ' || p[0] == '=') && p[1] && p[1] != ' ') {
		arg = p + 1;
		arg_len = strcspn(arg, " ");
	}
	usage_add(u, name, len, shrt, arg, arg_len);
}

/* "[--runtime docker|containerd]", "[--dry-run]" or "[-o FILE]"; p is after '['. */
static void
parse_bracket(struct usage *u, struct usage_verb *verb, const char *p)
{
	size_t end = strcspn(p, "]");
	if (p[end] != ']' || p[0] != '-')
		return;
	size_t len = strcspn(p, " ]");
	const char *arg = p[len] == ' ' ? p + len + 1 : NULL;
	size_t arg_len = arg ? end - len - 1 : 0;
	if (p[1] == '-' && len > 2) {
		usage_add(u, p, len, 0, arg, arg_len);
		if (verb)
			verb->opts = strv_push(verb->opts, usage_lookup(u, p, len, 0)->name);
	} else if (len == 2 && isalnum((unsigned char)p[1])) {
		usage_add(u, NULL, 0, p[1], arg, arg_len);
	}
}

/* "gpuprep manifest test-pod [...]": a synopsis line that names a verb; p is after "gpuprep ". */
static struct usage_verb *
parse_synopsis_start(struct usage *u, const char *p)
{
	p += strcspn(p, " ");
	p += strspn(p, " ");
	size_t len = 0;
	while (is_name_char(p[len]))
		len++;
	if (len == 0 || !islower((unsigned char)p[0]) || (p[len] && p[len] != ' '))
		return NULL;
	u->verbs = xrealloc(u->verbs, (u->n_verbs + 1) * sizeof(*u->verbs));
	struct usage_verb *v = &u->verbs[u->n_verbs++];
	*v = (struct usage_verb){.name = xstrndup(p, len)};
	return v;
}

static void
usage_parse(struct usage *u, const char *text, bool verbs)
{
	bool synopsis = true;
	size_t verb = (size_t)-1;

	*u = (struct usage){0};
	for (const char *line = text; line && *line;) {
		const char *nl = strchr(line, '\n');
		_cleanup_free_ char *l = nl ? xstrndup(line, nl - line) : xstrdup(line);
		line = nl ? nl + 1 : NULL;

		const char *p = l + strspn(l, " \t");
		if (!*p) {
			synopsis = false;
			continue;
		}
		if (synopsis) {
			if (str_startswith(p, "usage: "))
				p += strlen("usage: ");
			if (str_startswith(p, "gpuprep ")) {
				struct usage_verb *v =
				        verbs ? parse_synopsis_start(u, p + strlen("gpuprep "))
				              : NULL;
				verb = v ? (size_t)(v - u->verbs) : (size_t)-1;
			}
			for (const char *b = strchr(p, '['); b; b = strchr(b + 1, '['))
				parse_bracket(u, verb != (size_t)-1 ? &u->verbs[verb] : NULL,
				              b + 1);
		} else if (p[0] == '-' && p > l) {
			parse_option_line(u, p);
		}
	}
}

static struct usage_opt *
usage_find(struct usage *u, const char *word, const char **ret_value)
{
	*ret_value = NULL;
	if (word[0] != '-' || !word[1])
		return NULL;
	if (word[1] == '-') {
		size_t len = strcspn(word, "=");
		if (word[len] == '=')
			*ret_value = word + len + 1;
		return usage_lookup(u, word, len, 0);
	}
	/* A cluster of short options ("-qv"); one that takes an argument takes the rest. */
	for (const char *p = word + 1; *p; p++) {
		struct usage_opt *o = usage_lookup(u, NULL, 0, *p);
		if (!o)
			return NULL;
		if (o->arg) {
			if (p[1])
				*ret_value = p + 1;
			return o;
		}
	}
	return NULL;
}

static char **
push_matching(char **v, const char *word, const char *prefix)
{
	if (str_startswith(word, prefix) && !strv_contains(v, word))
		v = strv_push(v, word);
	return v;
}

/* The values of an argument: a set, check ids (a list for "ID,..."), files, directories. */
static enum complete_kind
complete_arg(const struct complete_spec *spec, const char *arg, const char *value,
             char ***ret_words)
{
	if (str_endswith(arg, "DIR"))
		return COMPLETE_DIRS;
	if (str_endswith(arg, "FILE") || str_endswith(arg, "PATH"))
		return COMPLETE_FILES;

	/* In a list, the ids already given stay as they are and are not offered again. */
	const char *last = strrchr(value, ',');
	_cleanup_free_ char *head = xstrndup(value, last ? (size_t)(last - value + 1) : 0);
	_cleanup_strv_ char **given = NULL;
	for (const char *p = head; *p; p += strcspn(p, ",") + 1) {
		_cleanup_free_ char *id = xstrndup(p, strcspn(p, ","));
		given = strv_push(given, id);
	}

	char **v = xcalloc(1, sizeof(char *));
	_cleanup_free_ char *alts = xstrdup(arg);
	char *save = NULL;
	for (char *alt = strtok_r(alts, "|", &save); alt; alt = strtok_r(NULL, "|", &save)) {
		bool list = str_endswith(alt, ",...");
		if (strcmp(alt, "ID") == 0 || strcmp(alt, "ID,...") == 0) {
			if (*head && !list)
				continue;
			for (const char *const *id = spec->ids; id && *id; id++) {
				if (strv_contains(given, *id))
					continue;
				_cleanup_free_ char *w = xasprintf("%s%s", head, *id);
				v = push_matching(v, w, value);
			}
		} else if (is_literal(alt) && !*head) {
			v = push_matching(v, alt, value);
		}
	}
	*ret_words = strv_sort(v);
	return COMPLETE_WORDS;
}

/*
 * The long options (of the verb, where it has a synopsis line: a verb with none
 * in its brackets, "gpuprep manifest runtimeclass", takes only --help), that start
 * with prefix.
 */
static char **
complete_options(struct usage *u, const struct usage_verb *verb, const char *prefix)
{
	char **v = xcalloc(1, sizeof(char *));
	if (verb) {
		for (char **o = verb->opts; o && *o; o++)
			v = push_matching(v, *o, prefix);
		if (usage_lookup(u, "--help", strlen("--help"), 0))
			v = push_matching(v, "--help", prefix);
	} else {
		for (size_t i = 0; i < u->n_opts; i++)
			if (u->opts[i].name)
				v = push_matching(v, u->opts[i].name, prefix);
	}
	return strv_sort(v);
}

static char **
complete_commands(const struct complete_spec *spec, const char *prefix)
{
	char **v = xcalloc(1, sizeof(char *));
	for (size_t i = 0; i < spec->n_commands; i++)
		v = push_matching(v, spec->commands[i].name, prefix);
	v = push_matching(v, "help", prefix);
	return strv_sort(v);
}

/*
 * Skip the options in words[*i..n-2] (and their arguments), up to the first
 * other word when stop is set. Returns the option whose argument is the last
 * word, or NULL; *ret_seen collects the other words.
 */
static struct usage_opt *
skip_options(struct usage *u, char *const *words, size_t n, size_t *i, bool stop, char ***ret_seen)
{
	bool dashdash = false;
	for (; *i < n - 1; (*i)++) {
		const char *w = words[*i];
		if (dashdash || w[0] != '-' || !w[1]) {
			if (stop)
				return NULL;
			*ret_seen = strv_push(*ret_seen, w);
			continue;
		}
		if (strcmp(w, "--") == 0) {
			dashdash = true;
			continue;
		}
		const char *value;
		struct usage_opt *o = usage_find(u, w, &value);
		if (o && o->arg && !value) {
			if (*i + 1 == n - 1)
				return o;
			(*i)++;
		}
	}
	return NULL;
}

enum complete_kind
complete_line(const struct complete_spec *spec, char *const *words, size_t n, char ***ret_words)
{
	const char *cur = n ? words[n - 1] : "";
	enum complete_kind kind = COMPLETE_WORDS;
	char **v = NULL;
	size_t i = 0;
	struct usage g, c = {0};
	_cleanup_strv_ char **args = NULL;

	*ret_words = NULL;
	usage_parse(&g, spec->usage, false);
	struct usage_opt *o = n ? skip_options(&g, words, n, &i, true, &v) : NULL;
	if (o) {
		kind = complete_arg(spec, o->arg, cur, &v);
		goto out;
	}
	const char *value;
	if (i >= n - 1 || n == 0) {
		if (str_startswith(cur, "--") && (o = usage_find(&g, cur, &value)) && value) {
			if (o->arg)
				kind = complete_arg(spec, o->arg, value, &v);
		} else if (cur[0] == '-') {
			v = complete_options(&g, NULL, cur);
		} else {
			v = complete_commands(spec, cur);
		}
		goto out;
	}

	const char *name = words[i++];
	const struct complete_command *cmd = NULL;
	for (size_t k = 0; k < spec->n_commands; k++)
		if (strcmp(spec->commands[k].name, name) == 0)
			cmd = &spec->commands[k];
	if (strcmp(name, "help") == 0 && i == n - 1) {
		v = complete_commands(spec, cur);
		goto out;
	}
	if (!cmd) {
		v = xcalloc(1, sizeof(char *));
		goto out;
	}

	usage_parse(&c, cmd->usage, true);
	o = skip_options(&c, words, n, &i, false, &args);
	if (o) {
		kind = complete_arg(spec, o->arg, cur, &v);
		goto out;
	}
	const struct usage_verb *verb = NULL;
	for (size_t k = 0; k < c.n_verbs && args; k++)
		if (strcmp(c.verbs[k].name, args[0]) == 0)
			verb = &c.verbs[k];

	if (str_startswith(cur, "--") && (o = usage_find(&c, cur, &value)) && value) {
		if (o->arg)
			kind = complete_arg(spec, o->arg, value, &v);
	} else if (cur[0] == '-' || (!c.n_verbs && !cur[0]) || verb) {
		v = complete_options(&c, verb, cur);
	} else if (c.n_verbs && !args) {
		v = xcalloc(1, sizeof(char *));
		for (size_t k = 0; k < c.n_verbs; k++)
			v = push_matching(v, c.verbs[k].name, cur);
		strv_sort(v);
	}
out:
	if (kind == COMPLETE_WORDS && !v)
		v = xcalloc(1, sizeof(char *));
	usage_release(&g);
	usage_release(&c);
	if (kind != COMPLETE_WORDS) {
		strv_free(v);
		v = NULL;
	}
	*ret_words = v;
	return kind;
}
