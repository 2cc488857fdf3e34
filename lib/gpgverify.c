// SPDX-License-Identifier: GPL-2.0-or-later
#include "gpgverify.h"

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>

#include "spawn.h"
#include "tmpfiles.h"

#define GNUPG_HINT "install GnuPG (the Debian packages 'gpg' and 'gpgv')"

void
gpg_key_release(struct gpg_key *k)
{
	if (!k)
		return;
	free(k->workdir);
	free(k->keyring);
	strv_free(k->fingerprints);
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

static const char *
first_line(const char *s)
{
	static char buf[512];
	size_t n = strcspn(s, "\n");
	if (n >= sizeof(buf))
		n = sizeof(buf) - 1;
	memcpy(buf, s, n);
	buf[n] = '\0';
	return buf;
}

int
gpg_key_load(const void *data, size_t len, const char *source, const char *workdir,
             struct gpg_key *ret, struct gp_error *err)
{
	struct gpg_key k = {0};
	_cleanup_free_ char *home = xasprintf("%s/gnupg", workdir);
	_cleanup_free_ char *in = xasprintf("%s/key.in", workdir);
	_cleanup_strv_ char **env = gnupg_env(home);
	struct spawn_result res = {0};
	_cleanup_free_ char *out = NULL;

	if (mkdir(home, 0700) < 0 && errno != EEXIST)
		return gp_error_set_errno(err, errno, "creating '%s'", home);
	if (len == 0)
		return gp_error_set(err, "%s: the key file is empty", source);
	if (tmpfiles_write_atomic(in, data, len, 0600, err) < 0)
		return -1;
	k.workdir = xstrdup(workdir);
	k.keyring = xasprintf("%s/keyring.gpg", workdir);

	bool armored = len > 10 && memmem(data, len > 4096 ? 4096 : len, "-----BEGIN PGP", 14);
	if (armored) {
		char *argv[] = {"gpg",     "--batch",   "--no-autostart",
		                "--yes",   "--dearmor", "--output",
		                k.keyring, in,          NULL};
		if (spawn_capture(argv, env, GNUPG_HINT, &res, err) < 0)
			goto fail;
		if (res.status != 0) {
			gp_error_set(err, "%s: not an OpenPGP public key: %s", source,
			             first_line(res.err_text));
			goto fail;
		}
		spawn_result_release(&res);
	} else if (rename(in, k.keyring) < 0) {
		gp_error_set_errno(err, errno, "writing '%s'", k.keyring);
		goto fail;
	}

	char *argv[] = {"gpg",     "--batch", "--no-autostart", "--with-colons", "--show-keys",
	                k.keyring, NULL};
	if (spawn_capture(argv, env, GNUPG_HINT, &res, err) < 0)
		goto fail;
	/* "pub:..." then "fpr:::::::::<FPR>:" for the primary key; "sub"/"fpr" for subkeys. */
	bool want_fpr = false;
	out = xstrdup(res.out);
	char *save = NULL;
	for (char *ln = strtok_r(out, "\n", &save); ln; ln = strtok_r(NULL, "\n", &save)) {
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
					k.fingerprints = strv_push(k.fingerprints, norm);
			}
		} else if (str_startswith(ln, "sub:") || str_startswith(ln, "sec:")) {
			want_fpr = false;
		}
	}
	if (res.status != 0 || !k.fingerprints) {
		gp_error_set(err, "%s: no OpenPGP public key found%s%s", source,
		             *res.err_text ? ": " : "", first_line(res.err_text));
		gp_error_hint(err,
		              "the key must be an OpenPGP public key, ASCII-armored or binary");
		goto fail;
	}
	spawn_result_release(&res);
	*ret = k;
	return 0;
fail:
	spawn_result_release(&res);
	gpg_key_release(&k);
	return -1;
}

int
gpg_key_require(const struct gpg_key *k, const char *fingerprint, const char *source,
                struct gp_error *err)
{
	if (gpg_key_has(k, fingerprint))
		return 0;
	_cleanup_free_ char *want = normalize_fpr(fingerprint);
	_cleanup_free_ char *have = xstrdup("");
	for (size_t i = 0; k->fingerprints && k->fingerprints[i]; i++) {
		char *n = xasprintf("%s%s%s", have, i ? ", " : "", k->fingerprints[i]);
		free(have);
		have = n;
	}
	gp_error_set(err, "wrong key fingerprint: %s has %s, expected %s", source, have, want);
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
			if (!valid && (gpg_key_has(k, primary) || gpg_key_has(k, words[1])))
				valid = normalize_fpr(primary);
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

int
gpg_verify_clearsigned(const struct gpg_key *k, const char *path, const char *source,
                       char **ret_text, size_t *ret_len, char **ret_fpr, struct gp_error *err)
{
	_cleanup_free_ char *home = xasprintf("%s/gnupg", k->workdir);
	_cleanup_free_ char *outp = xasprintf("%s/verified", k->workdir);
	_cleanup_free_ char *input = xstrdup(path);
	if (unlink(outp) < 0 && errno != ENOENT)
		return gp_error_set_errno(err, errno, "removing '%s'", outp);
	_cleanup_strv_ char **env = gnupg_env(home);
	char *argv[] = {"gpgv",     "--status-fd", "1",   "--keyring", k->keyring,
	                "--output", outp,          input, NULL};
	struct spawn_result res = {0};
	if (spawn_capture(argv, env, GNUPG_HINT, &res, err) < 0) {
		unlink(outp);
		return -1;
	}
	int r = gpg_status_check(res.out, k, source, ret_fpr, err);
	if (r == 0 && res.status != 0) {
		r = gp_error_set(err, "%s: gpgv failed: %s", source, first_line(res.err_text));
	}
	spawn_result_release(&res);
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
gpg_key_armor(const struct gpg_key *k, char **ret_text, struct gp_error *err)
{
	_cleanup_free_ char *home = xasprintf("%s/gnupg", k->workdir);
	_cleanup_strv_ char **env = gnupg_env(home);
	char *argv[] = {"gpg",       "--batch",  "--no-autostart", "--no-default-keyring",
	                "--keyring", k->keyring, "--armor",        "--export",
	                NULL};
	struct spawn_result res = {0};
	if (spawn_capture(argv, env, GNUPG_HINT, &res, err) < 0)
		return -1;
	if (res.status != 0 || !strstr(res.out, "BEGIN PGP PUBLIC KEY BLOCK")) {
		gp_error_set(err, "exporting the key from '%s': %s", k->keyring,
		             first_line(res.err_text));
		spawn_result_release(&res);
		return -1;
	}
	*ret_text = TAKE_PTR(res.out);
	spawn_result_release(&res);
	return 0;
}
