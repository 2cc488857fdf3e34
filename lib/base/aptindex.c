// SPDX-License-Identifier: GPL-2.0-or-later
#include "aptindex.h"

#include <ctype.h>
#include <errno.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

static void
stanza_clear(struct apt_stanza *s)
{
	for (size_t i = 0; i < s->n_fields; i++) {
		free(s->fields[i].name);
		free(s->fields[i].value);
	}
	free(s->fields);
	*s = (struct apt_stanza){0};
}

void
apt_stanzas_free(struct apt_stanza *s, size_t n)
{
	if (!s)
		return;
	for (size_t i = 0; i < n; i++)
		stanza_clear(&s[i]);
	free(s);
}

const char *
apt_stanza_get(const struct apt_stanza *s, const char *name)
{
	for (size_t i = 0; i < s->n_fields; i++)
		if (strcasecmp(s->fields[i].name, name) == 0)
			return s->fields[i].value;
	return NULL;
}

static bool
blank(const char *p, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (p[i] != ' ' && p[i] != '\t' && p[i] != '\r')
			return false;
	return true;
}

static void
append_value(struct apt_field *f, const char *p, size_t n)
{
	while (n > 0 && (p[n - 1] == ' ' || p[n - 1] == '\t' || p[n - 1] == '\r'))
		n--;
	size_t old = strlen(f->value);
	f->value = xrealloc(f->value, old + n + 2);
	f->value[old] = '\n';
	memcpy(f->value + old + 1, p, n);
	f->value[old + 1 + n] = '\0';
}

/* Parse text whose first line is line first_line of source. */
static int
parse_text(const char *text, size_t len, const char *source, unsigned first_line,
           struct apt_stanza **ret, size_t *ret_n, struct gp_error *err)
{
	struct apt_stanza *v = NULL;
	size_t n = 0, cap = 0;
	struct apt_stanza cur = {0};
	size_t fcap = 0;
	unsigned lineno = first_line - 1;
	size_t pos = 0;

	while (pos < len) {
		const char *line = text + pos;
		const char *nl = memchr(line, '\n', len - pos);
		size_t ll = nl ? (size_t)(nl - line) : len - pos;
		pos += ll + (nl ? 1 : 0);
		lineno++;

		if (memchr(line, '\0', ll)) {
			gp_error_set(err, "%s: %u:%zu: unexpected NUL byte", source, lineno,
			             (size_t)((const char *)memchr(line, '\0', ll) - line) + 1);
			goto fail;
		}
		if (blank(line, ll)) {
			if (cur.n_fields) {
				if (n == cap) {
					cap = cap ? cap * 2 : 16;
					v = xrealloc(v, cap * sizeof(*v));
				}
				v[n++] = cur;
				cur = (struct apt_stanza){0};
				fcap = 0;
			}
			continue;
		}
		if (line[0] == '#')
			continue;
		if (line[0] == ' ' || line[0] == '\t') {
			if (!cur.n_fields) {
				gp_error_set(err, "%s: %u:1: continuation line outside a field",
				             source, lineno);
				goto fail;
			}
			append_value(&cur.fields[cur.n_fields - 1], line + 1, ll - 1);
			continue;
		}
		const char *colon = memchr(line, ':', ll);
		size_t nlen = colon ? (size_t)(colon - line) : 0;
		bool name_ok = nlen > 0 && line[0] != '-';
		for (size_t i = 0; name_ok && i < nlen; i++)
			if (!isgraph((unsigned char)line[i]))
				name_ok = false;
		if (!name_ok) {
			size_t col = 1;
			if (colon && nlen > 0)
				for (col = 1; col <= nlen && isgraph((unsigned char)line[col - 1]);
				     col++)
					;
			gp_error_set(err, "%s: %u:%zu: expected 'Field: value'", source, lineno,
			             col);
			goto fail;
		}
		_cleanup_free_ char *name = xstrndup(line, nlen);
		for (size_t i = 0; i < cur.n_fields; i++)
			if (strcasecmp(cur.fields[i].name, name) == 0) {
				gp_error_set(err, "%s: %u:1: duplicate field '%s'", source, lineno,
				             name);
				goto fail;
			}
		const char *val = colon + 1;
		size_t vl = ll - nlen - 1;
		while (vl > 0 && (*val == ' ' || *val == '\t')) {
			val++;
			vl--;
		}
		while (vl > 0 && (val[vl - 1] == ' ' || val[vl - 1] == '\t' || val[vl - 1] == '\r'))
			vl--;
		if (cur.n_fields == fcap) {
			fcap = fcap ? fcap * 2 : 8;
			cur.fields = xrealloc(cur.fields, fcap * sizeof(*cur.fields));
		}
		if (!cur.n_fields)
			cur.line = lineno;
		cur.fields[cur.n_fields++] = (struct apt_field){
		        .name = TAKE_PTR(name),
		        .value = xstrndup(val, vl),
		        .line = lineno,
		};
	}
	if (cur.n_fields) {
		if (n == cap) {
			cap = cap ? cap * 2 : 1;
			v = xrealloc(v, cap * sizeof(*v));
		}
		v[n++] = cur;
		cur = (struct apt_stanza){0};
	}
	*ret = v;
	*ret_n = n;
	return 0;
fail:
	stanza_clear(&cur);
	apt_stanzas_free(v, n);
	return -1;
}

int
aptindex_parse(const char *text, size_t len, const char *source, struct apt_stanza **ret,
               size_t *ret_n, struct gp_error *err)
{
	return parse_text(text, len, source, 1, ret, ret_n, err);
}

/* True when the stanza text [p, p + n) has a one-line field name whose value is one of values. */
static bool
stanza_matches(const char *p, size_t n, const char *name, const char *const *values)
{
	size_t nl = strlen(name);
	for (const char *end = p + n; p < end;) {
		const char *eol = memchr(p, '\n', (size_t)(end - p));
		size_t ll = eol ? (size_t)(eol - p) : (size_t)(end - p);
		if (ll > nl && p[nl] == ':' && strncasecmp(p, name, nl) == 0) {
			const char *v = p + nl + 1;
			size_t vl = ll - nl - 1;
			while (vl > 0 && (*v == ' ' || *v == '\t')) {
				v++;
				vl--;
			}
			while (vl > 0 &&
			       (v[vl - 1] == ' ' || v[vl - 1] == '\t' || v[vl - 1] == '\r'))
				vl--;
			for (size_t i = 0; values[i]; i++)
				if (strlen(values[i]) == vl && memcmp(values[i], v, vl) == 0)
					return true;
			return false;
		}
		p += ll + 1;
	}
	return false;
}

/* aptindex_parse_matching on text that starts at line first_line, appending to *v and *n. */
static int
parse_matching_at(const char *text, size_t len, const char *source, const char *field,
                  const char *const *values, unsigned first_line, struct apt_stanza **v, size_t *n,
                  struct gp_error *err)
{
	size_t pos = 0, start = 0;
	unsigned lineno = first_line - 1, start_line = first_line;

	while (pos <= len) {
		const char *line = text + pos;
		const char *nl = pos < len ? memchr(line, '\n', len - pos) : NULL;
		size_t ll = nl ? (size_t)(nl - line) : len - pos;
		bool end = pos == len || blank(line, ll);
		lineno++;
		if (end && pos > start &&
		    stanza_matches(text + start, pos - start, field, values)) {
			struct apt_stanza *one = NULL;
			size_t n_one = 0;
			if (parse_text(text + start, pos - start, source, start_line, &one, &n_one,
			               err) < 0)
				return -1;
			*v = xrealloc(*v, (*n + n_one) * sizeof(**v));
			memcpy(*v + *n, one, n_one * sizeof(**v));
			*n += n_one;
			free(one);
		}
		if (pos == len)
			break;
		pos += ll + (nl ? 1 : 0);
		if (end) {
			start = pos;
			start_line = lineno + 1;
		}
	}
	return 0;
}

int
aptindex_parse_matching(const char *text, size_t len, const char *source, const char *field,
                        const char *const *values, struct apt_stanza **ret, size_t *ret_n,
                        struct gp_error *err)
{
	struct apt_stanza *v = NULL;
	size_t n = 0;
	if (parse_matching_at(text, len, source, field, values, 1, &v, &n, err) < 0) {
		apt_stanzas_free(v, n);
		return -1;
	}
	*ret = v;
	*ret_n = n;
	return 0;
}

/* The end of the last empty line in text ("\n\n"), a stanza boundary; 0 when none. */
static size_t
last_boundary(const char *text, size_t len)
{
	for (size_t i = len; i >= 2; i--)
		if (text[i - 1] == '\n' && text[i - 2] == '\n')
			return i;
	return 0;
}

int
aptindex_parse_matching_fd(int fd, const char *source, const char *field, const char *const *values,
                           struct apt_stanza **ret, size_t *ret_n, struct gp_error *err)
{
	struct apt_stanza *v = NULL;
	size_t n = 0, cap = 64 << 10, len = 0;
	_cleanup_free_ char *buf = xmalloc(cap);
	unsigned line = 1;
	for (bool eof = false; !eof;) {
		if (len == cap) /* a stanza longer than the buffer */
			buf = xrealloc(buf, cap *= 2);
		ssize_t r = read(fd, buf + len, cap - len);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0) {
			gp_error_set(err, "cannot read %s: %s", source, strerror(errno));
			goto fail;
		}
		eof = r == 0;
		len += (size_t)r;
		size_t cut = eof ? len : last_boundary(buf, len);
		if (cut == 0)
			continue;
		if (parse_matching_at(buf, cut, source, field, values, line, &v, &n, err) < 0)
			goto fail;
		for (size_t i = 0; i < cut; i++)
			line += buf[i] == '\n';
		memmove(buf, buf + cut, len - cut);
		len -= cut;
	}
	*ret = v;
	*ret_n = n;
	return 0;
fail:
	apt_stanzas_free(v, n);
	return -1;
}

static int
parse_u64(const char *s, uint64_t *ret)
{
	if (!s || !isdigit((unsigned char)*s))
		return -EINVAL;
	uint64_t v = 0;
	for (; *s; s++) {
		if (!isdigit((unsigned char)*s))
			return -EINVAL;
		unsigned d = (unsigned)(*s - '0');
		if (v > (UINT64_MAX - d) / 10)
			return -ERANGE;
		v = v * 10 + d;
	}
	*ret = v;
	return 0;
}

static bool
is_hex(const char *s, size_t want)
{
	size_t n = 0;
	for (; s[n]; n++)
		if (!isxdigit((unsigned char)s[n]))
			return false;
	return n == want;
}

static unsigned
field_line(const struct apt_stanza *s, const char *name)
{
	for (size_t i = 0; i < s->n_fields; i++)
		if (strcasecmp(s->fields[i].name, name) == 0)
			return s->fields[i].line;
	return s->line;
}

void
apt_packages_free(struct apt_package *p, size_t n)
{
	if (!p)
		return;
	for (size_t i = 0; i < n; i++) {
		free(p[i].name);
		free(p[i].version);
		free(p[i].arch);
		free(p[i].filename);
		free(p[i].sha256);
		free(p[i].depends);
	}
	free(p);
}

static char *
dup_or_null(const char *s)
{
	return s ? xstrdup(s) : NULL;
}

int
aptindex_packages(const char *text, size_t len, const char *source, struct apt_package **ret,
                  size_t *ret_n, struct gp_error *err)
{
	struct apt_stanza *st = NULL;
	size_t n = 0;
	if (aptindex_parse(text, len, source, &st, &n, err) < 0)
		return -1;
	struct apt_package *pk = xcalloc(n ? n : 1, sizeof(*pk));
	size_t m = 0;
	for (size_t i = 0; i < n; i++) {
		const struct apt_stanza *s = &st[i];
		static const char *const required[] = {"Package", "Version", "Architecture"};
		for (size_t k = 0; k < GP_ARRAY_SIZE(required); k++)
			if (!apt_stanza_get(s, required[k]) || !*apt_stanza_get(s, required[k])) {
				gp_error_set(err, "%s: %u:1: the entry has no '%s' field", source,
				             s->line, required[k]);
				goto fail;
			}
		struct apt_package *p = &pk[m++];
		p->name = xstrdup(apt_stanza_get(s, "Package"));
		p->version = xstrdup(apt_stanza_get(s, "Version"));
		p->arch = xstrdup(apt_stanza_get(s, "Architecture"));
		p->filename = dup_or_null(apt_stanza_get(s, "Filename"));
		p->depends = dup_or_null(apt_stanza_get(s, "Depends"));
		p->line = s->line;
		const char *sha = apt_stanza_get(s, "SHA256");
		if (sha) {
			if (!is_hex(sha, 64)) {
				gp_error_set(err, "%s: %u:1: 'SHA256' is not 64 hex digits", source,
				             field_line(s, "SHA256"));
				goto fail;
			}
			p->sha256 = xstrdup(sha);
		}
		const char *size = apt_stanza_get(s, "Size");
		if (size && parse_u64(size, &p->size) < 0) {
			gp_error_set(err, "%s: %u:1: 'Size' is not a number: '%s'", source,
			             field_line(s, "Size"), size);
			goto fail;
		}
	}
	apt_stanzas_free(st, n);
	*ret = pk;
	*ret_n = m;
	return 0;
fail:
	apt_stanzas_free(st, n);
	apt_packages_free(pk, m);
	return -1;
}

void
apt_release_release(struct apt_release *r)
{
	if (!r)
		return;
	free(r->date);
	for (size_t i = 0; i < r->n_files; i++) {
		free(r->files[i].name);
		free(r->files[i].sha256);
		free(r->files[i].sha512);
	}
	free(r->files);
	*r = (struct apt_release){0};
}

const struct apt_release_file *
apt_release_find(const struct apt_release *r, const char *name)
{
	for (size_t i = 0; i < r->n_files; i++)
		if (strcmp(r->files[i].name, name) == 0)
			return &r->files[i];
	return NULL;
}

static struct apt_release_file *
release_file(struct apt_release *r, const char *name)
{
	for (size_t i = 0; i < r->n_files; i++)
		if (strcmp(r->files[i].name, name) == 0)
			return &r->files[i];
	r->files = xrealloc(r->files, (r->n_files + 1) * sizeof(*r->files));
	r->files[r->n_files] = (struct apt_release_file){.name = xstrdup(name)};
	return &r->files[r->n_files++];
}

/* One hash list ("SHA512:" field): lines of "<hex> <size> <name>". */
static int
parse_hashes(struct apt_release *r, const struct apt_stanza *s, const char *field, size_t hexlen,
             const char *source, struct gp_error *err)
{
	const char *val = apt_stanza_get(s, field);
	if (!val)
		return 0;
	unsigned lineno = field_line(s, field);
	_cleanup_free_ char *copy = xstrdup(val);
	char *save = NULL;
	/* The first line (after "SHA512:") is normally empty; strtok skips it. */
	for (char *ln = strtok_r(copy, "\n", &save); ln; ln = strtok_r(NULL, "\n", &save)) {
		lineno++;
		char *f[3];
		char *s2 = NULL;
		size_t k = 0;
		for (char *w = strtok_r(ln, " \t", &s2); w && k < 4; w = strtok_r(NULL, " \t", &s2))
			if (k < 3)
				f[k++] = w;
			else
				k++;
		uint64_t size;
		if (k != 3 || !is_hex(f[0], hexlen) || parse_u64(f[1], &size) < 0)
			return gp_error_set(err, "%s: %u:2: expected '<%s> <size> <file>'", source,
			                    lineno, field);
		struct apt_release_file *rf = release_file(r, f[2]);
		if (rf->size && rf->size != size)
			return gp_error_set(err, "%s: %u:2: '%s' is listed with two sizes", source,
			                    lineno, f[2]);
		rf->size = size;
		char **slot = hexlen == 128 ? &rf->sha512 : &rf->sha256;
		free(*slot);
		*slot = xstrdup(f[0]);
	}
	return 0;
}

int
aptindex_release(const char *text, size_t len, const char *source, struct apt_release *ret,
                 struct gp_error *err)
{
	struct apt_stanza *st = NULL;
	size_t n = 0;
	struct apt_release r = {0};
	if (aptindex_parse(text, len, source, &st, &n, err) < 0)
		return -1;
	if (n != 1) {
		apt_stanzas_free(st, n);
		return gp_error_set(err, "%s: expected one Release stanza, found %zu", source, n);
	}
	const char *date = apt_stanza_get(&st[0], "Date");
	r.date = dup_or_null(date);
	if (parse_hashes(&r, &st[0], "SHA512", 128, source, err) < 0 ||
	    parse_hashes(&r, &st[0], "SHA256", 64, source, err) < 0) {
		apt_stanzas_free(st, n);
		apt_release_release(&r);
		return -1;
	}
	apt_stanzas_free(st, n);
	*ret = r;
	return 0;
}
