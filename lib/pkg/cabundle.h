/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The CA certificates that HTTPS downloads verify servers with. libcurl carries one
 * compiled-in path, the distribution's where it was built; a static gpuprep runs on every
 * distribution, so the bundle is looked up where each keeps it.
 *
 * These are the paths of the machine gpuprep runs on, never under --root: the download is
 * made from this machine's network, so it is this machine's trust that decides which servers
 * are genuine (an image under --root may have no CA certificates yet, or stale ones).
 *
 *	struct cabundle ca;
 *	if (cabundle_find(getenv("SSL_CERT_FILE"), getenv("SSL_CERT_DIR"), cabundle_paths,
 *	                  curl_default, &ca, err) < 0)
 *		return -1;
 *	... CURLOPT_CAINFO = ca.file, CURLOPT_CAPATH = ca.dir ...
 *	cabundle_release(&ca);
 */
#pragma once

#include "error.h"

struct cabundle {
	char *file;       /* a PEM file of CA certificates, or NULL (then dir is set) */
	char *dir;        /* a directory of hashed certificates (SSL_CERT_DIR), or NULL */
	const char *from; /* "SSL_CERT_FILE", "SSL_CERT_DIR", "the usual paths", "libcurl" */
};

/*
 * Where distributions keep their bundle, most common first: Debian/Ubuntu/Gentoo/Arch/
 * Alpine's ca-certificates, Fedora/RHEL/CentOS (6 and 7+), openSUSE/SLES, OpenELEC, Alpine's
 * and the BSDs' cert.pem, FreeBSD's ca_root_nss; the union of Go's crypto/x509
 * root_linux.go and curl's configure list. NULL-terminated.
 */
extern const char *const cabundle_paths[];

/*
 * Find the bundle: env_file (SSL_CERT_FILE) when set and not empty, then env_dir
 * (SSL_CERT_DIR); else the first of paths that is a readable regular file; else curl_default
 * (the path libcurl was built with, or NULL) when it is one. Either variable naming
 * something unusable is an error, not a silent fallback. When nothing is found, the error
 * lists every path tried, with a hint.
 */
int cabundle_find(const char *env_file, const char *env_dir, const char *const *paths,
                  const char *curl_default, struct cabundle *ret, struct gp_error *err);
void cabundle_release(struct cabundle *ca);
