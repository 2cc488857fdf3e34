// SPDX-License-Identifier: GPL-2.0-or-later
#include "cabundle.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "util.h"

const char *const cabundle_paths[] = {
        "/etc/ssl/certs/ca-certificates.crt",                /* Debian, Ubuntu, Gentoo, Arch */
        "/etc/pki/tls/certs/ca-bundle.crt",                  /* Fedora, RHEL 6+, CentOS */
        "/etc/pki/ca-trust/extracted/pem/tls-ca-bundle.pem", /* RHEL/CentOS 7+, Rocky */
        "/etc/ssl/ca-bundle.pem",                            /* openSUSE, SLES */
        "/etc/pki/tls/cacert.pem",                           /* OpenELEC */
        "/etc/ssl/cert.pem",                                 /* Alpine, macOS, OpenBSD */
        "/usr/share/ssl/certs/ca-bundle.crt",                /* old Red Hat (curl's list) */
        "/usr/local/share/certs/ca-root-nss.crt",            /* FreeBSD (curl's list) */
        NULL,
};

/* 0 when path is a regular file this process can read, else a negative errno. */
static int
readable_file(const char *path)
{
	struct stat st;
	if (stat(path, &st) < 0)
		return -errno;
	if (S_ISDIR(st.st_mode))
		return -EISDIR;
	if (!S_ISREG(st.st_mode))
		return -EINVAL;
	return access(path, R_OK) < 0 ? -errno : 0;
}

int
cabundle_find(const char *env_file, const char *env_dir, const char *const *paths,
              const char *curl_default, struct cabundle *ret, struct gp_error *err)
{
	*ret = (struct cabundle){0};
	if (env_file && *env_file) {
		int r = readable_file(env_file);
		if (r < 0) {
			gp_error_set_errno(err, -r,
			                   "SSL_CERT_FILE names '%s', which cannot be used",
			                   env_file);
			return gp_error_hint(err, "point SSL_CERT_FILE at a PEM file of CA "
			                          "certificates, or unset it to use the system's");
		}
		ret->file = xstrdup(env_file);
		ret->from = "SSL_CERT_FILE";
	}
	if (env_dir && *env_dir) {
		if (!path_is_dir(env_dir)) {
			cabundle_release(ret);
			gp_error_set(err, "SSL_CERT_DIR names '%s', which is not a directory",
			             env_dir);
			return gp_error_hint(err, "point SSL_CERT_DIR at a directory of hashed CA "
			                          "certificates (c_rehash), or unset it");
		}
		ret->dir = xstrdup(env_dir);
		if (!ret->from)
			ret->from = "SSL_CERT_DIR";
	}
	if (ret->from)
		return 0;

	for (size_t i = 0; paths && paths[i]; i++) {
		if (readable_file(paths[i]) == 0) {
			ret->file = xstrdup(paths[i]);
			ret->from = "the usual paths";
			return 0;
		}
	}
	if (curl_default && readable_file(curl_default) == 0) {
		ret->file = xstrdup(curl_default);
		ret->from = "libcurl";
		return 0;
	}

	struct strbuf tried = {0};
	for (size_t i = 0; paths && paths[i]; i++) {
		strbuf_puts(&tried, i ? ", " : "");
		strbuf_puts(&tried, paths[i]);
	}
	if (curl_default && !strv_contains((char *const *)paths, curl_default))
		strbuf_printf(&tried, "%s%s (libcurl's default)", tried.len ? ", " : "",
		              curl_default);
	gp_error_set(err, "no CA certificates to verify HTTPS servers with: tried %s",
	             tried.s ? tried.s : "nothing");
	free(tried.s);
	return gp_error_hint(err, "install the CA certificates (the package 'ca-certificates'), "
	                          "or set SSL_CERT_FILE to a PEM file of CA certificates");
}

void
cabundle_release(struct cabundle *ca)
{
	if (!ca)
		return;
	free(ca->file);
	free(ca->dir);
	*ca = (struct cabundle){0};
}
