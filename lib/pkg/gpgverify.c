// SPDX-License-Identifier: GPL-2.0-or-later
#include "gpgverify.h"

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>

#include "proc.h"
#include "tmpfiles.h"

#define GNUPG_HINT "install GnuPG (the Debian packages 'gpg' and 'gpgv')"

void
gpg_key_release(struct gpg_key *k)
{
	if (!k)
		return;
	free(k->workdir);
	free(k->keyring);
	free(k->source);
	strv_free(k->fingerprints);
	free(k->required);
	*k = (struct gpg_key){0};
}

/* Uppercase hex without spaces; a fresh string. */
static char *
normalize_fpr(const char *s)
{
	char *r = xmalloc(strlen(s) + 1);
	size_t n = 0;
	for (; *s; s++)
		if (!isspace((unsigned char)*s))
			r[n++] = (char)toupper((unsigned char)*s);
	r[n] = '\0';
	return r;
}

bool
gpg_key_has(const struct gpg_key *k, const char *fingerprint)
{
	_cleanup_free_ char *want = normalize_fpr(fingerprint);
	return strv_contains(k->fingerprints, want);
}

static char **
gnupg_env(const char *home)
{
	char **env = NULL;
	_cleanup_free_ char *h = xasprintf("GNUPGHOME=%s", home);
	env = strv_push(env, h);
	env = strv_push(env, "LC_ALL=C");
	return env;
}

/* What GnuPG said: its first "gpg:"/"gpgv:" line, or the first line; a static buffer. */
static const char *
complaint(const char *out)
{
	static char buf[512];
	const char *s = out;
	for (const char *l = out; l && *l; l = strchr(l, '\n') ? strchr(l, '\n') + 1 : NULL)
		if (str_startswith(l, "gpg:") || str_startswith(l, "gpgv:")) {
			s = l;
			break;
		}
	size_t n = strcspn(s, "\n");
	if (n >= sizeof(buf))
		n = sizeof(buf) - 1;
	memcpy(buf, s, n);
	buf[n] = '\0';
	return buf;
}

/* Start gpg or gpgv in the key's private GNUPGHOME, keeping the output. */
static int
gnupg_start(const struct gpg_key *k, char *const argv[], struct proc_job *ret, struct gp_error *err)
{
	_cleanup_free_ char *home = xasprintf("%s/gnupg", k->workdir);
	_cleanup_strv_ char **env = gnupg_env(home);
	struct proc_opts o = {.env = env, .keep_output = true};
	if (proc_start(argv, &o, ret, err) < 0)
		return gp_error_hint(err, GNUPG_HINT);
	return 0;
}

/* gnupg_start() and wait. */
static int
gnupg_run(const struct gpg_key *k, char *const argv[], struct proc_result *ret,
          struct gp_error *err)
{
	struct proc_job j;
	*ret = (struct proc_result){0};
	if (gnupg_start(k, argv, &j, err) < 0)
		return -1;
	if (proc_wait(&j, ret, err) < 0)
		return gp_error_hint(err, GNUPG_HINT);
	return 0;
}

static int
b64_value(int c)
{
	if (c >= 'A' && c <= 'Z')
		return c - 'A';
	if (c >= 'a' && c <= 'z')
		return c - 'a' + 26;
	if (c >= '0' && c <= '9')
		return c - '0' + 52;
	if (c == '+')
		return 62;
	if (c == '/')
		return 63;
	return -1;
}

static uint32_t
crc24(const unsigned char *p, size_t n)
{
	uint32_t crc = 0xB704CEu;
	for (size_t i = 0; i < n; i++) {
		crc ^= (uint32_t)p[i] << 16;
		for (int b = 0; b < 8; b++) {
			crc <<= 1;
			if (crc & 0x1000000u)
				crc ^= 0x1864CFBu;
		}
	}
	return crc & 0xFFFFFFu;
}

/* Decode base64 text (whitespace ignored) and append to out. */
static int
b64_decode(const char *s, size_t n, unsigned char **out, size_t *out_len, size_t *cap)
{
	uint32_t acc = 0;
	int bits = 0;
	for (size_t i = 0; i < n; i++) {
		char c = s[i];
		if (c == ' ' || c == '\t' || c == '\r' || c == '\n')
			continue;
		if (c == '=')
			break;
		int v = b64_value((unsigned char)c);
		if (v < 0)
			return -1;
		acc = acc << 6 | (uint32_t)v;
		bits += 6;
		if (bits >= 8) {
			bits -= 8;
			if (*out_len == *cap) {
				*cap = *cap ? *cap * 2 : 1024;
				*out = xrealloc(*out, *cap);
			}
			(*out)[(*out_len)++] = (unsigned char)(acc >> bits);
		}
	}
	return 0;
}

int
gpg_dearmor(const char *text, size_t len, unsigned char **ret, size_t *ret_len)
{
	unsigned char *out = NULL;
	size_t out_len = 0, cap = 0, blocks = 0;
	const char *p = text, *end = text + len;
	for (;;) {
		const char *begin =
		        memmem(p, (size_t)(end - p), "-----BEGIN PGP PUBLIC KEY BLOCK-----", 36);
		if (!begin)
			break;
		const char *stop = memmem(begin, (size_t)(end - begin),
		                          "-----END PGP PUBLIC KEY BLOCK-----", 34);
		if (!stop)
			goto fail;
		/* Headers end at the first empty line. */
		const char *body = memchr(begin, '\n', (size_t)(stop - begin));
		while (body && body < stop) {
			body++;
			const char *nl = memchr(body, '\n', (size_t)(stop - body));
			if (!nl)
				goto fail;
			bool empty = true;
			for (const char *c = body; c < nl; c++)
				if (*c != ' ' && *c != '\t' && *c != '\r')
					empty = false;
			if (empty) {
				body = nl + 1;
				break;
			}
			if (!memchr(body, ':', (size_t)(nl - body))) {
				/* No headers and no empty line: the data starts here. */
				break;
			}
			body = nl;
		}
		if (!body || body > stop)
			goto fail;
		/* The checksum line "=XXXX" comes last, if at all. */
		const char *crcline = NULL;
		for (const char *c = body; c < stop; c++)
			if (*c == '=' && (c == body || c[-1] == '\n') && c + 1 < stop &&
			    c[1] != '=' && c[1] != '\n' && c[1] != '\r')
				crcline = c;
		size_t before = out_len;
		if (b64_decode(body, (size_t)((crcline ? crcline : stop) - body), &out, &out_len,
		               &cap) < 0)
			goto fail;
		if (crcline) {
			unsigned char *c = NULL;
			size_t cl = 0, ccap = 0;
			int r = b64_decode(crcline + 1, (size_t)(stop - crcline - 1), &c, &cl,
			                   &ccap);
			uint32_t want =
			        cl == 3 ? (uint32_t)c[0] << 16 | (uint32_t)c[1] << 8 | c[2] : 0;
			free(c);
			if (r < 0 || cl != 3 || crc24(out + before, out_len - before) != want)
				goto fail;
		}
		blocks++;
		p = stop + 34;
	}
	if (!blocks || !out_len)
		goto fail;
	*ret = out;
	*ret_len = out_len;
	return 0;
fail:
	free(out);
	return -1;
}

/* The first packet must be a public key (tag 6), in old or new packet format. */
static bool
looks_like_public_key(const unsigned char *p, size_t len)
{
	if (len < 2 || !(p[0] & 0x80))
		return false;
	unsigned tag = (p[0] & 0x40) ? (p[0] & 0x3Fu) : ((p[0] >> 2) & 0x0Fu);
	return tag == 6;
}

int
gpg_key_load(const void *data, size_t len, const char *source, const char *workdir,
             struct gpg_key *ret, struct gp_error *err)
{
	struct gpg_key k = {0};
	_cleanup_free_ char *home = xasprintf("%s/gnupg", workdir);
	_cleanup_free_ unsigned char *bin = NULL;
	size_t bin_len = len;

	if (mkdir(home, 0700) < 0 && errno != EEXIST)
		return gp_error_set_errno(err, errno, "creating '%s'", home);
	if (len == 0)
		return gp_error_set(err, "%s: the key file is empty", source);
	bool armored = memmem(data, len > 4096 ? 4096 : len, "-----BEGIN PGP", 14) != NULL;
	if (armored && gpg_dearmor(data, len, &bin, &bin_len) < 0) {
		gp_error_set(err, "%s: not an OpenPGP public key: the ASCII armor is damaged",
		             source);
		return gp_error_hint(
		        err, "the key must be an OpenPGP public key, ASCII-armored or binary");
	}
	const unsigned char *keydata = armored ? bin : data;
	if (!looks_like_public_key(keydata, bin_len)) {
		gp_error_set(err, "%s: no OpenPGP public key found", source);
		return gp_error_hint(
		        err, "the key must be an OpenPGP public key, ASCII-armored or binary");
	}
	k.workdir = xstrdup(workdir);
	k.keyring = xasprintf("%s/keyring.gpg", workdir);
	k.source = xstrdup(source);
	if (tmpfiles_write(k.keyring, keydata, bin_len, 0600, err) < 0) {
		gpg_key_release(&k);
		return -1;
	}
	*ret = k;
	return 0;
}

int
gpg_key_list(struct gpg_key *k, struct gp_error *err)
{
	char *argv[] = {"gpg",      "--batch", "--no-autostart", "--with-colons", "--show-keys",
	                k->keyring, NULL};
	struct proc_result res = {0};
	char **fprs = NULL;
	if (gnupg_run(k, argv, &res, err) < 0)
		return -1;
	/* "pub:..." then "fpr:::::::::<FPR>:" for the primary key; "sub"/"fpr" for subkeys. */
	bool want_fpr = false;
	char *save = NULL;
	_cleanup_free_ char *said = xstrdup(complaint(res.output));
	for (char *ln = strtok_r(res.output, "\n", &save); ln; ln = strtok_r(NULL, "\n", &save)) {
		if (str_startswith(ln, "pub:")) {
			want_fpr = true;
		} else if (str_startswith(ln, "fpr:") && want_fpr) {
			want_fpr = false;
			char *f = ln;
			for (int i = 0; i < 9 && f; i++) {
				f = strchr(f, ':');
				if (f)
					f++;
			}
			if (f) {
				f[strcspn(f, ":")] = '\0';
				_cleanup_free_ char *norm = normalize_fpr(f);
				if (*norm)
					fprs = strv_push(fprs, norm);
			}
		} else if (str_startswith(ln, "sub:") || str_startswith(ln, "sec:")) {
			want_fpr = false;
		}
	}
	if (res.status != 0 || !fprs) {
		gp_error_set(err, "%s: no OpenPGP public key found%s%s", k->source,
		             *said ? ": " : "", said);
		gp_error_hint(err,
		              "the key must be an OpenPGP public key, ASCII-armored or binary");
		proc_result_release(&res);
		strv_free(fprs);
		return -1;
	}
	proc_result_release(&res);
	strv_free(k->fingerprints);
	k->fingerprints = fprs;
	return 0;
}

void
gpg_key_pin(struct gpg_key *k, const char *fingerprint)
{
	free(k->required);
	k->required = normalize_fpr(fingerprint);
}

int
gpg_key_require(struct gpg_key *k, const char *fingerprint, struct gp_error *err)
{
	if (!k->fingerprints && gpg_key_list(k, err) < 0)
		return -1;
	_cleanup_free_ char *want = normalize_fpr(fingerprint);
	bool only = strv_length(k->fingerprints) == 1 && strcmp(k->fingerprints[0], want) == 0;
	if (only) {
		gpg_key_pin(k, want);
		return 0;
	}
	_cleanup_free_ char *have = xstrdup("");
	for (size_t i = 0; k->fingerprints && k->fingerprints[i]; i++) {
		char *n = xasprintf("%s%s%s", have, i ? ", " : "", k->fingerprints[i]);
		free(have);
		have = n;
	}
	gp_error_set(err, "wrong key fingerprint: %s has %s, expected %s%s", k->source, have, want,
	             gpg_key_has(k, want) ? " alone" : "");
	gp_error_hint(err, "the download may have been tampered with or redirected; a private "
	                   "mirror with its own key needs --keyring FILE");
	return -1;
}

int
gpg_status_check(const char *status, const struct gpg_key *k, const char *source, char **ret_fpr,
                 struct gp_error *err)
{
	_cleanup_free_ char *copy = xstrdup(status);
	_cleanup_free_ char *valid = NULL;
	_cleanup_free_ char *problem = NULL;
	_cleanup_free_ char *other = NULL;
	bool good = false;
	char *save = NULL;
	for (char *ln = strtok_r(copy, "\n", &save); ln; ln = strtok_r(NULL, "\n", &save)) {
		if (!str_startswith(ln, "[GNUPG:] "))
			continue;
		ln += 9;
		char *words[12] = {0};
		size_t n = 0;
		char *s2 = NULL;
		for (char *w = strtok_r(ln, " ", &s2); w && n < GP_ARRAY_SIZE(words);
		     w = strtok_r(NULL, " ", &s2))
			words[n++] = w;
		if (n == 0)
			continue;
		if (strcmp(words[0], "GOODSIG") == 0) {
			good = true;
		} else if (strcmp(words[0], "VALIDSIG") == 0 && n >= 2) {
			/* VALIDSIG <fpr> <date> <ts> <expire> <ver> <res> <algo> <hash> <class>
			 * <primary-fpr> */
			const char *primary = n >= 11 ? words[10] : words[1];
			_cleanup_free_ char *pn = normalize_fpr(primary);
			bool trusted;
			if (k->required)
				trusted = strcmp(pn, k->required) == 0;
			else if (k->fingerprints)
				trusted = gpg_key_has(k, primary) || gpg_key_has(k, words[1]);
			else
				trusted = true; /* gpgv only validates with keys in the keyring */
			if (!valid && trusted)
				valid = TAKE_PTR(pn);
			else if (!valid && !other)
				other = TAKE_PTR(pn);
		} else if (strcmp(words[0], "BADSIG") == 0) {
			free(problem);
			problem = xstrdup("bad signature");
		} else if (strcmp(words[0], "ERRSIG") == 0 || strcmp(words[0], "NO_PUBKEY") == 0) {
			if (!problem)
				problem =
				        xasprintf("signed by a key not in the keyring (key ID %s)",
				                  n >= 2 ? words[1] : "?");
		} else if (strcmp(words[0], "EXPKEYSIG") == 0) {
			free(problem);
			problem = xstrdup("signed by an expired key");
		} else if (strcmp(words[0], "REVKEYSIG") == 0) {
			free(problem);
			problem = xstrdup("signed by a revoked key");
		} else if (strcmp(words[0], "EXPSIG") == 0) {
			free(problem);
			problem = xstrdup("the signature has expired");
		}
	}
	if (!problem && good && !valid && other && k->required) {
		gp_error_set(err, "wrong key fingerprint: %s has %s, expected %s",
		             k->source ? k->source : source, other, k->required);
		return gp_error_hint(err, "the download may have been tampered with or redirected; "
		                          "a private mirror with its own key needs --keyring FILE");
	}
	if (problem || !good || !valid) {
		gp_error_set(err, "%s: %s", source,
		             problem ? problem : "no valid signature by the trusted key");
		gp_error_hint(err,
		              "the repository index does not verify with the trusted key; "
		              "check --repo-url, or give the mirror's key with --keyring FILE");
		return -1;
	}
	if (ret_fpr)
		*ret_fpr = TAKE_PTR(valid);
	return 0;
}

struct gpg_job {
	struct proc_job proc;
	char *outp;
};

void
gpg_job_release(struct gpg_job *j)
{
	if (!j)
		return;
	proc_abandon(&j->proc); /* an error path: its answer is not needed */
	free(j->outp);
	free(j);
}

struct gpg_job *
gpg_verify_clearsigned_start(const struct gpg_key *k, const char *path, struct gp_error *err)
{
	_cleanup_free_ char *outp = xasprintf("%s/verified", k->workdir);
	_cleanup_free_ char *input = xstrdup(path);
	_cleanup_free_ char *keyring = xstrdup(k->keyring);
	if (unlink(outp) < 0 && errno != ENOENT) {
		gp_error_set_errno(err, errno, "removing '%s'", outp);
		return NULL;
	}
	/* Status lines ("[GNUPG:] ...") are told from gpgv's messages by their prefix. */
	char *argv[] = {"gpgv",     "--status-fd", "1",   "--keyring", keyring,
	                "--output", outp,          input, NULL};
	struct gpg_job *j = xcalloc(1, sizeof(*j));
	if (gnupg_start(k, argv, &j->proc, err) < 0) {
		free(j);
		return NULL;
	}
	j->outp = TAKE_PTR(outp);
	return j;
}

int
gpg_verify_clearsigned_finish(struct gpg_job *j, const struct gpg_key *k, const char *source,
                              char **ret_text, size_t *ret_len, char **ret_fpr,
                              struct gp_error *err)
{
	struct proc_result res = {0};
	int r = proc_wait(&j->proc, &res, err);
	_cleanup_free_ char *outp = TAKE_PTR(j->outp);
	gpg_job_release(j);
	if (r < 0) {
		unlink(outp);
		return gp_error_hint(err, GNUPG_HINT);
	}
	r = gpg_status_check(res.output, k, source, ret_fpr, err);
	if (r == 0 && res.status != 0)
		r = gp_error_set(err, "%s: gpgv failed: %s", source, complaint(res.output));
	proc_result_release(&res);
	if (r < 0) {
		unlink(outp);
		return -1;
	}
	char *text;
	size_t len;
	r = read_file(outp, &text, &len);
	unlink(outp);
	if (r < 0) {
		if (ret_fpr) {
			free(*ret_fpr);
			*ret_fpr = NULL;
		}
		return gp_error_set_errno(err, r, "reading '%s'", outp);
	}
	*ret_text = text;
	*ret_len = len;
	return 0;
}

int
gpg_verify_clearsigned(const struct gpg_key *k, const char *path, const char *source,
                       char **ret_text, size_t *ret_len, char **ret_fpr, struct gp_error *err)
{
	struct gpg_job *j = gpg_verify_clearsigned_start(k, path, err);
	if (!j)
		return -1;
	return gpg_verify_clearsigned_finish(j, k, source, ret_text, ret_len, ret_fpr, err);
}

int
gpg_verify_detached(const struct gpg_key *k, const char *path, const char *sig_path,
                    const char *source, char **ret_fpr, struct gp_error *err)
{
	_cleanup_free_ char *data = xstrdup(path);
	_cleanup_free_ char *sig = xstrdup(sig_path);
	char *argv[] = {"gpgv", "--status-fd", "1", "--keyring", k->keyring, sig, data, NULL};
	struct proc_result res = {0};
	if (gnupg_run(k, argv, &res, err) < 0)
		return -1;
	int r = gpg_status_check(res.output, k, source, ret_fpr, err);
	if (r == 0 && res.status != 0)
		r = gp_error_set(err, "%s: gpgv failed: %s", source, complaint(res.output));
	proc_result_release(&res);
	return r < 0 ? -1 : 0;
}

int
gpg_key_armor(const struct gpg_key *k, char **ret_text, struct gp_error *err)
{
	_cleanup_free_ char *outp = xasprintf("%s/armored.asc", k->workdir);
	unlink(outp);
	char *argv[] = {"gpg",
	                "--batch",
	                "--no-autostart",
	                "--no-default-keyring",
	                "--keyring",
	                k->keyring,
	                "--armor",
	                "--output",
	                outp,
	                "--export",
	                NULL};
	struct proc_result res = {0};
	if (gnupg_run(k, argv, &res, err) < 0)
		return -1;
	char *text = NULL;
	if (res.status != 0 || read_file(outp, &text, NULL) < 0 ||
	    !strstr(text, "BEGIN PGP PUBLIC KEY BLOCK")) {
		gp_error_set(err, "exporting the key from '%s': %s", k->keyring,
		             complaint(res.output));
		free(text);
		proc_result_release(&res);
		return -1;
	}
	proc_result_release(&res);
	*ret_text = text;
	return 0;
}
