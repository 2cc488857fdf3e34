// SPDX-License-Identifier: GPL-2.0-or-later
#include <stdlib.h>
#include <unistd.h>

#include "cabundle.h"
#include "tap.h"

/* find ENV_FILE ENV_DIR PATHS DEFAULT: run cabundle_find, keeping the result and error. */
static struct cabundle ca;
static struct gp_error err;
static int
find(const char *env_file, const char *env_dir, const char *const *paths, const char *def)
{
	cabundle_release(&ca);
	gp_error_release(&err);
	return cabundle_find(env_file, env_dir, paths, def, &ca, &err);
}

int
main(void)
{
	char tmpl[] = "/tmp/test-cabundle.XXXXXX";
	const char *d = mkdtemp(tmpl);
	if (!d) {
		ok(0, "mkdtemp");
		return tap_done();
	}
	_cleanup_free_ char *a = xasprintf("%s/a/ca-certificates.crt", d);
	_cleanup_free_ char *b = xasprintf("%s/b/ca-bundle.crt", d);
	_cleanup_free_ char *c = xasprintf("%s/c/cert.pem", d);
	_cleanup_free_ char *dir = xasprintf("%s/certs", d);
	_cleanup_free_ char *missing = xasprintf("%s/nowhere.pem", d);
	tap_write_file(b, "-----BEGIN CERTIFICATE-----\n", 0644);
	tap_write_file(c, "-----BEGIN CERTIFICATE-----\n", 0644);
	mkdir_p(dir, 0755);
	mkdir_p(a, 0755); /* a directory where a file is expected: passed over */
	const char *const paths[] = {a, missing, b, c, NULL};

	is_int(find(NULL, NULL, paths, NULL), 0, "the usual paths");
	is_str(ca.file, b, "the first readable regular file wins");
	is_str(ca.from, "the usual paths", "from the list");
	ok(ca.dir == NULL, "no directory");

	is_int(find(c, NULL, paths, NULL), 0, "SSL_CERT_FILE");
	is_str(ca.file, c, "SSL_CERT_FILE wins over the list");
	is_str(ca.from, "SSL_CERT_FILE", "from SSL_CERT_FILE");
	is_int(find("", "", paths, NULL), 0, "empty variables are unset");
	is_str(ca.file, b, "empty variables: the list");

	is_int(find(missing, NULL, paths, NULL), -1, "SSL_CERT_FILE names nothing");
	_cleanup_free_ char *want =
	        xasprintf("SSL_CERT_FILE names '%s', which cannot be used: No such file or "
	                  "directory",
	                  missing);
	is_str(err.msg, want, "SSL_CERT_FILE names nothing: message");
	ok(err.hint && strstr(err.hint, "unset it"), "SSL_CERT_FILE names nothing: hint");
	ok(ca.file == NULL, "SSL_CERT_FILE names nothing: no silent fallback");
	is_int(find(dir, NULL, paths, NULL), -1, "SSL_CERT_FILE names a directory");
	free(want);
	want = xasprintf("SSL_CERT_FILE names '%s', which cannot be used: Is a directory", dir);
	is_str(err.msg, want, "SSL_CERT_FILE names a directory: message");

	is_int(find(NULL, dir, paths, NULL), 0, "SSL_CERT_DIR alone");
	is_str(ca.dir, dir, "SSL_CERT_DIR: the directory");
	ok(ca.file == NULL, "SSL_CERT_DIR alone: no file");
	is_str(ca.from, "SSL_CERT_DIR", "from SSL_CERT_DIR");
	is_int(find(c, dir, paths, NULL), 0, "both variables");
	ok(ca.file && ca.dir && strcmp(ca.from, "SSL_CERT_FILE") == 0, "both variables: both set");
	is_int(find(NULL, b, paths, NULL), -1, "SSL_CERT_DIR names a file");
	free(want);
	want = xasprintf("SSL_CERT_DIR names '%s', which is not a directory", b);
	is_str(err.msg, want, "SSL_CERT_DIR names a file: message");

	const char *const none[] = {a, missing, NULL};
	is_int(find(NULL, NULL, none, c), 0, "libcurl's default when the list has nothing");
	is_str(ca.file, c, "libcurl's default: its path");
	is_str(ca.from, "libcurl", "from libcurl");
	is_int(find(NULL, NULL, none, "/nonexistent/curl-ca-bundle.crt"), -1, "nothing anywhere");
	free(want);
	want = xasprintf("no CA certificates to verify HTTPS servers with: tried %s, %s, "
	                 "/nonexistent/curl-ca-bundle.crt (libcurl's default)",
	                 a, missing);
	is_str(err.msg, want, "nothing anywhere: every path tried is listed");
	ok(err.hint && strstr(err.hint, "ca-certificates") && strstr(err.hint, "SSL_CERT_FILE"),
	   "nothing anywhere: the hint names the package and SSL_CERT_FILE");
	is_int(find(NULL, NULL, none, missing), -1, "libcurl's default is in the list");
	free(want);
	want = xasprintf("no CA certificates to verify HTTPS servers with: tried %s, %s", a,
	                 missing);
	is_str(err.msg, want, "libcurl's default is in the list: listed once");
	is_int(find(NULL, NULL, none, NULL), -1, "nothing, no libcurl default");
	free(want);
	want = xasprintf("no CA certificates to verify HTTPS servers with: tried %s, %s", a,
	                 missing);
	is_str(err.msg, want, "nothing, no libcurl default: message");

	ok(strcmp(cabundle_paths[0], "/etc/ssl/certs/ca-certificates.crt") == 0,
	   "Debian's bundle is looked at first");
	bool rhel = false, suse = false, alpine = false;
	for (size_t i = 0; cabundle_paths[i]; i++) {
		rhel |= strcmp(cabundle_paths[i], "/etc/pki/tls/certs/ca-bundle.crt") == 0;
		suse |= strcmp(cabundle_paths[i], "/etc/ssl/ca-bundle.pem") == 0;
		alpine |= strcmp(cabundle_paths[i], "/etc/ssl/cert.pem") == 0;
	}
	ok(rhel && suse && alpine, "RHEL's, SUSE's and Alpine's paths are in the list");

	cabundle_release(&ca);
	cabundle_release(NULL);
	gp_error_release(&err);
	_cleanup_free_ char *rm = xasprintf("rm -rf '%s'", d);
	ok(system(rm) == 0, "clean up");
	return tap_done();
}
