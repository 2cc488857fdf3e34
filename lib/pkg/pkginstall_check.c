// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The package files of an offline source, checked before dpkg or rpm sees any of them: each is
 * a well-formed package (dpkg-deb reads its control file and its whole data archive; rpm checks
 * its digests and reads its header), its name, version and architecture are the plan's, its
 * size is bounded, and its SHA256 matches where the source ships checksums. One failure refuses
 * them all, so nothing is installed. A bundle's packages skip the package tools: its signed
 * index already binds each file's bytes (SHA-256, size) to a name, version and architecture,
 * the repository's own, as apt trusts them.
 */
#include "pkginstall.h"

#include <errno.h>
#include <string.h>
#include <sys/stat.h>

#include "digest.h"
#include "pkgarchive.h"
#include "proc.h"
#include "pkginstall_private.h"

#define NOTHING_INSTALLED "nothing was installed"

char *
pkg_checksum_for(const char *text, const char *name)
{
	_cleanup_free_ char *copy = xstrdup(text);
	char *save = NULL;
	for (char *ln = strtok_r(copy, "\n", &save); ln; ln = strtok_r(NULL, "\n", &save)) {
		char *sp = strpbrk(ln, " \t");
		if (!sp)
			continue;
		*sp = '\0';
		char *n = sp + 1;
		n += strspn(n, " \t");
		if (*n == '*')
			n++;
		str_strip(n);
		const char *nb = strrchr(n, '/') ? strrchr(n, '/') + 1 : n;
		if (strcmp(nb, name) == 0 && strlen(ln) == 64)
			return xstrdup(ln);
	}
	return NULL;
}

int
pkg_verify_sum(const char *file, const char *want, const char *sums, struct gp_error *err)
{
	char hex[DIGEST_HEX_MAX];
	if (digest_file_hex(DIGEST_SHA256, file, hex, NULL, err) < 0)
		return -1;
	if (digest_hex_equal(hex, want))
		return 0;
	const char *base = strrchr(file, '/') ? strrchr(file, '/') + 1 : file;
	gp_error_set(err, "checksum mismatch for '%s': '%s' lists SHA256 %s, the file has %s", base,
	             sums, want, hex);
	return gp_error_hint(err, "the archive is damaged or was changed; download it again");
}

/* The first line of a tool's output, for a message. Fresh string. */
static char *
first_line(const char *out)
{
	if (!out)
		return xstrdup("no output");
	out += strspn(out, "\n");
	size_t n = strcspn(out, "\n");
	return n ? xstrndup(out, n) : xstrdup("no output");
}

static int
malformed(const char *file, const char *kind, const char *why, struct gp_error *err)
{
	gp_error_set(err, "'%s' is not a well-formed %s: %s", file, kind, why);
	return gp_error_hint(err, "the file is damaged or is not a package: get it again; %s",
	                     NOTHING_INSTALLED);
}

/* Run a checking tool; -1 with err set when it cannot run or says the file is bad. */
static int
run_check(char *const argv[], const char *hint, const char *file, const char *kind,
          struct proc_result *ret, struct gp_error *err)
{
	if (pkg_run_keep(argv, hint, ret, err) < 0)
		return -1;
	if (ret->status != 0) {
		_cleanup_free_ char *line = first_line(ret->output);
		/* rpm -K says "<file>: DIGESTS NOT OK", or only "<file>:" for what is no rpm. */
		const char *why = line;
		if (str_startswith(why, file) && why[strlen(file)] == ':')
			why += strlen(file) + 1 + strspn(why + strlen(file) + 1, " ");
		return malformed(file, kind, *why ? why : "not a package file", err);
	}
	return 0;
}

/* The value of "Key: value" in a tool's output, or NULL. Fresh string. */
static char *
field(const char *out, const char *key)
{
	size_t n = strlen(key);
	for (const char *l = out; l && *l; l = strchr(l, '\n') ? strchr(l, '\n') + 1 : NULL)
		if (strncmp(l, key, n) == 0 && l[n] == ':') {
			const char *v = l + n + 1;
			v += strspn(v, " \t");
			return xstrndup(v, strcspn(v, "\n"));
		}
	return NULL;
}

/* What the package file says it is: name, version, architecture (deb or rpm). */
static int
read_identity(const struct pkg_plan *p, const char *file, char *ret[3], struct gp_error *err)
{
	struct proc_result pr = {0};
	int r = -1;
	if (p->family == OS_FAMILY_RPM) {
		char *const k[] = {"rpm", "-K", "--nosignature", (char *)file, NULL};
		if (run_check(k, RPM_HINT, file, ".rpm", &pr, err) < 0)
			goto out;
		proc_result_release(&pr);
		char *const q[] = {
		        "rpm",
		        "-qp",
		        "--nosignature",
		        "--qf",
		        "Package: %{NAME}\nVersion: %|EPOCH?{%{EPOCH}:}:{}|%{VERSION}-%{RELEASE}\n"
		        "Architecture: %{ARCH}\n",
		        (char *)file,
		        NULL};
		if (run_check(q, RPM_HINT, file, ".rpm", &pr, err) < 0)
			goto out;
	} else {
		/* --contents reads the whole data archive: a damaged one fails here. */
		char *const c[] = {"dpkg-deb", "--contents", (char *)file, NULL};
		if (run_check(c, DPKG_HINT, file, ".deb", &pr, err) < 0)
			goto out;
		proc_result_release(&pr);
		char *const f[] = {"dpkg-deb", "--field",      (char *)file, "Package",
		                   "Version",  "Architecture", NULL};
		if (run_check(f, DPKG_HINT, file, ".deb", &pr, err) < 0)
			goto out;
	}
	static const char *const keys[] = {"Package", "Version", "Architecture"};
	for (size_t i = 0; i < 3; i++)
		if (!(ret[i] = field(pr.output, keys[i]))) {
			_cleanup_free_ char *why = xasprintf("it has no %s", keys[i]);
			malformed(file, p->family == OS_FAMILY_RPM ? ".rpm" : ".deb", why, err);
			goto out;
		}
	r = 0;
out:
	proc_result_release(&pr);
	return r;
}

static int
check_one(const struct pkg_plan *p, size_t k, const char *sums_text, const char *sums_name,
          struct gp_error *err)
{
	const char *file = p->files[k];
	const char *base = strrchr(file, '/') ? strrchr(file, '/') + 1 : file;
	struct stat st;
	if (stat(file, &st) < 0)
		return gp_error_set_errno(err, errno, "cannot read '%s'", file);
	if ((uint64_t)st.st_size > PKG_MAX_FILE_SIZE) {
		_cleanup_free_ char *size = pkgarchive_size_str((uint64_t)st.st_size);
		_cleanup_free_ char *max = pkgarchive_size_str(PKG_MAX_FILE_SIZE);
		gp_error_set(err, "'%s' is %s, more than the %s a toolkit package may be", file,
		             size, max);
		return gp_error_hint(err,
		                     "the toolkit's packages are a few MiB each: this is not "
		                     "one; %s",
		                     NOTHING_INSTALLED);
	}
	if (sums_text) {
		_cleanup_free_ char *want = pkg_checksum_for(sums_text, base);
		if (want && pkg_verify_sum(file, want, sums_name, err) < 0)
			return -1;
	}
	if (p->vouched)
		return 0;
	char *id[3] = {NULL, NULL, NULL};
	if (read_identity(p, file, id, err) < 0) {
		for (size_t i = 0; i < 3; i++)
			free(id[i]);
		return -1;
	}
	const char *any = p->family == OS_FAMILY_RPM ? "noarch" : "all";
	int r = 0;
	if (strcmp(id[0], apt_repo_toolkit[k]) != 0 ||
	    pkg_vercmp(p->family)(id[1], p->version) != 0 ||
	    (strcmp(id[2], p->arch) != 0 && strcmp(id[2], any) != 0)) {
		gp_error_set(err,
		             "'%s' is the package %s %s (%s), but the plan installs %s %s (%s) "
		             "from it",
		             file, id[0], id[1], id[2], apt_repo_toolkit[k], p->version, p->arch);
		r = gp_error_hint(err,
		                  "the file was renamed or replaced: get the packages again; %s",
		                  NOTHING_INSTALLED);
	}
	for (size_t i = 0; i < 3; i++)
		free(id[i]);
	return r;
}

int
pkg_plan_check_files(const struct pkg_plan *p, const char *sums_text, const char *sums_name,
                     struct gp_error *err)
{
	for (size_t k = 0; k < N_PKGS; k++)
		if (check_one(p, k, sums_text, sums_name, err) < 0)
			return -1;
	return 0;
}
