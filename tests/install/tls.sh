#!/bin/bash
# HTTPS downloads verify the server with the CA certificates of the machine gpuprep runs on:
# SSL_CERT_FILE when set, else the usual paths of Debian/Ubuntu, RHEL/CentOS, SUSE and Alpine
# (lib/pkg/cabundle.c), else libcurl's own default. A server on 127.0.0.1 with a throwaway CA
# made here by openssl: trusted through SSL_CERT_FILE, refused without it, and an error that
# lists every path tried when the machine has no CA certificates at all.
. "$TESTS_SRC/lib.sh"
. "$TESTS_SRC/install/lib-install.sh"

command -v openssl >/dev/null || { skip "HTTPS downloads" "no openssl to make a throwaway CA"; done_testing; exit 0; }

# A throwaway CA, and a certificate it signs for the name localhost (and the address
# 127.0.0.1). The URL names the host, as a repository's does: the static build's TLS library
# (mbed TLS 2.28, see .ci/portable) matches a certificate's DNS names but not its IP addresses.
P=$T/pki
mkdir -p "$P"
openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj "/CN=gpuprep test CA" \
	-keyout "$P/ca.key" -out "$P/ca.pem" 2>"$P/log"
openssl req -newkey rsa:2048 -nodes -subj "/CN=localhost" -keyout "$P/srv.key" -out "$P/srv.csr" 2>>"$P/log"
printf 'subjectAltName=DNS:localhost,IP:127.0.0.1\n' >"$P/ext"
openssl x509 -req -in "$P/srv.csr" -CA "$P/ca.pem" -CAkey "$P/ca.key" -CAcreateserial -days 2 \
	-extfile "$P/ext" -out "$P/srv.pem" 2>>"$P/log"
[ -s "$P/srv.pem" ] || { not_ok "a throwaway CA" "$(cat "$P/log")"; done_testing; exit 1; }

mk_toolkit "$T/pkgs-amd64" 1.17.8 amd64
mk_gpg_key repo
mk_repo "$T/repo" repo amd64
start_httpd "$T/repo" --tls "$P/srv.pem" "$P/srv.key"
case "$URL" in https://*) ok "the server speaks HTTPS" ;; *) not_ok "the server speaks HTTPS" "$URL" ;; esac
mkdir -p "$T/b"
bundle() { run "$GPUPREP" bundle --arch amd64 --repo-url "$URL" --keyring "$T/repo.asc" -o "$T/b/$1.tar.gz"; }

# SSL_CERT_FILE names the throwaway CA: the whole bundle downloads over HTTPS.
SSL_CERT_FILE=$P/ca.pem bundle ok
expect_rc 0 "SSL_CERT_FILE: the bundle is made over HTTPS"
expect_contains "$HTTPD_LOG" "GET /stable/deb/amd64/nvidia-container-toolkit_1.17.8-1_amd64.deb - 200" \
	"SSL_CERT_FILE: the packages came from the HTTPS server"

# Without it, the machine's own CA certificates do not know the throwaway CA: refused, and
# the error says which CA certificates were used.
env -u SSL_CERT_FILE -u SSL_CERT_DIR "$GPUPREP" bundle --arch amd64 --repo-url "$URL" --keyring "$T/repo.asc" \
	-o "$T/b/untrusted.tar.gz" >"$T/out" 2>"$T/err"
rc=$?
expect_rc 1 "the machine's CA certificates: an unknown CA is refused"
expect_contains "$T/err" "TLS error: " "unknown CA: a TLS error"
expect_contains "$T/err" "(CA certificates: '" "unknown CA: the CA certificates used are named"
expect_contains "$T/err" "hint: check the system clock and the CA certificates" "unknown CA: a hint"
if [ -e "$T/b/untrusted.tar.gz" ]; then not_ok "unknown CA: nothing written"; else ok "unknown CA: nothing written"; fi

# SSL_CERT_FILE naming nothing: an error, never a silent fallback to the system's.
SSL_CERT_FILE=$T/nowhere.pem bundle nowhere
expect_rc 1 "SSL_CERT_FILE names nothing"
expect_contains "$T/err" "SSL_CERT_FILE names '$T/nowhere.pem', which cannot be used: No such file or directory" \
	"SSL_CERT_FILE names nothing: the error names it"
expect_contains "$T/err" "hint: point SSL_CERT_FILE at a PEM file of CA certificates" "SSL_CERT_FILE names nothing: a hint"
# A file that holds no certificate: curl's own error, and which file it was.
printf 'not a certificate\n' >"$P/garbage.pem"
SSL_CERT_FILE=$P/garbage.pem bundle garbage
expect_rc 1 "SSL_CERT_FILE names a file without certificates"
expect_contains "$T/err" "TLS error: " "SSL_CERT_FILE without certificates: a TLS error"
expect_contains "$T/err" "(CA certificates: '$P/garbage.pem', from SSL_CERT_FILE)" \
	"SSL_CERT_FILE without certificates: the file is named"
SSL_CERT_DIR=$P/ca.pem bundle notdir
expect_rc 1 "SSL_CERT_DIR names a file"
expect_contains "$T/err" "SSL_CERT_DIR names '$P/ca.pem', which is not a directory" "SSL_CERT_DIR names a file: the error"
# SSL_CERT_DIR as OpenSSL wants it: the CA under its subject hash.
mkdir -p "$P/dir"
cp "$P/ca.pem" "$P/dir/$(openssl x509 -noout -hash -in "$P/ca.pem").0"
SSL_CERT_DIR=$P/dir bundle dir
expect_rc 0 "SSL_CERT_DIR: a hashed directory with the CA"

# A machine with no CA certificates anywhere (a minimal container, an Alpine without
# ca-certificates): /etc/ssl, /etc/pki, /usr/share/ssl and /usr/local/share are emptied in a
# mount namespace. The error lists every path tried.
nocerts() {
	unshare -m --propagation private /bin/bash -c '
		for d in /etc/ssl /etc/pki /usr/share/ssl /usr/local/share; do
			[ -d "$d" ] && { mount -t tmpfs tmpfs "$d" || exit 99; }
		done
		exec "$@"' nocerts "$@"
}
if [ "$(id -u)" -ne 0 ] || ! unshare -m --propagation private true 2>/dev/null; then
	for t in "no CA certificates" "no CA certificates: every path" "no CA certificates: hint" \
		"no CA certificates: http still works"; do skip "$t" "needs root and mount namespaces"; done
else
	nocerts env -u SSL_CERT_FILE -u SSL_CERT_DIR "$GPUPREP" bundle --arch amd64 --repo-url "$URL" \
		--keyring "$T/repo.asc" -o "$T/b/none.tar.gz" >"$T/out" 2>"$T/err"
	rc=$?
	expect_rc 1 "no CA certificates"
	expect_contains "$T/err" "no CA certificates to verify HTTPS servers with: tried /etc/ssl/certs/ca-certificates.crt, /etc/pki/tls/certs/ca-bundle.crt, /etc/pki/ca-trust/extracted/pem/tls-ca-bundle.pem, /etc/ssl/ca-bundle.pem, /etc/pki/tls/cacert.pem, /etc/ssl/cert.pem, /usr/share/ssl/certs/ca-bundle.crt, /usr/local/share/certs/ca-root-nss.crt" \
		"no CA certificates: every path tried is listed"
	expect_contains "$T/err" "hint: install the CA certificates (the package 'ca-certificates'), or set SSL_CERT_FILE" \
		"no CA certificates: hint"
	# Plain http needs no CA certificates.
	stop_httpd
	start_httpd "$T/repo"
	nocerts env -u SSL_CERT_FILE "$GPUPREP" bundle --arch amd64 --repo-url "$URL" \
		--keyring "$T/repo.asc" -o "$T/b/http.tar.gz" >"$T/out" 2>"$T/err"
	rc=$?
	expect_rc 0 "no CA certificates: http still works"
fi

done_testing
