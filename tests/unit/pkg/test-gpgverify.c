// SPDX-License-Identifier: GPL-2.0-or-later
#include <stdlib.h>

#include "gpgverify.h"
#include "tap.h"
#include "tmpfiles.h"

#define FPR "960467372492BA850C3C8B0B370776D1FC5E1DC8"

static void
status(const char *text, int want, const char *msg, const char *label)
{
	char *fprs[] = {FPR, NULL};
	struct gpg_key k = {.fingerprints = fprs};
	struct gp_error err = GP_ERROR_INIT;
	char *fpr = NULL;
	int r = gpg_status_check(text, &k, "'InRelease'", &fpr, &err);
	is_int(r, want, label);
	if (want == 0)
		is_str(fpr, FPR, "  the signing key");
	else
		is_str(err.msg, msg, "  the message");
	free(fpr);
	gp_error_release(&err);
}

int
main(void)
{
	const char *good =
	        "[GNUPG:] NEWSIG\n"
	        "[GNUPG:] GOODSIG 370776D1FC5E1DC8 gpuprep test\n"
	        "[GNUPG:] VALIDSIG " FPR " 2026-11-23 1795432734 0 4 0 22 8 01 " FPR "\n";
	status(good, 0, NULL, "a good signature by the trusted key");
	const char *sub =
	        "[GNUPG:] GOODSIG 1111 x\n[GNUPG:] VALIDSIG "
	        "1111111111111111111111111111111111111111 2026-11-23 1 0 4 0 22 8 01 " FPR "\n";
	status(sub, 0, NULL, "a good signature by a subkey of the trusted key");
	status("[GNUPG:] GOODSIG 1 x\n[GNUPG:] VALIDSIG "
	       "2222222222222222222222222222222222222222 2026-11-23 1 0 4 0 22 8 01 "
	       "2222222222222222222222222222222222222222\n",
	       -1, "'InRelease': no valid signature by the trusted key", "another key");
	status("[GNUPG:] BADSIG 370776D1FC5E1DC8 x\n", -1, "'InRelease': bad signature",
	       "a bad signature");
	status("[GNUPG:] ERRSIG 370776D1FC5E1DC8 22 8 01 1795432734 9 -\n[GNUPG:] NO_PUBKEY "
	       "370776D1FC5E1DC8\n",
	       -1, "'InRelease': signed by a key not in the keyring (key ID 370776D1FC5E1DC8)",
	       "an unknown key");
	status("[GNUPG:] EXPKEYSIG 1 x\n[GNUPG:] VALIDSIG " FPR " 2026 1 0 4 0 22 8 01 " FPR "\n",
	       -1, "'InRelease': signed by an expired key", "an expired key");
	status("", -1, "'InRelease': no valid signature by the trusted key", "nothing at all");

	/* Real gpg: a throwaway key, its fingerprint, and a clearsigned file. */
	if (system("gpg --version >/dev/null 2>&1 && gpgv --version >/dev/null 2>&1") != 0) {
		printf("ok %d - real gpg # SKIP gpg or gpgv is not installed\n", ++tap_n);
		return tap_done();
	}
	struct gp_error err = GP_ERROR_INIT;
	char *dir = NULL;
	ok(tmpfiles_mkdtemp("test-gpg", &dir, &err) == 0, "a temp dir");
	char *cmd = xasprintf(
	        "set -e; export GNUPGHOME='%1$s/home'; mkdir -m700 \"$GNUPGHOME\";"
	        "gpg --batch --quiet --passphrase '' --quick-gen-key 'test <t@example.invalid>' "
	        "ed25519 sign never 2>/dev/null;"
	        "gpg --batch --armor --export > '%1$s/key.asc' 2>/dev/null;"
	        "gpg --batch --export > '%1$s/key.gpg' 2>/dev/null;"
	        "gpg --batch --with-colons --list-keys | awk -F: '$1==\"fpr\"{print $10; exit}' > "
	        "'%1$s/fpr';"
	        "printf 'Origin: x\\n' > '%1$s/Release';"
	        "gpg --batch --quiet --clearsign -o '%1$s/InRelease' '%1$s/Release' 2>/dev/null;"
	        "sed 's/Origin: x/Origin: y/' '%1$s/InRelease' > '%1$s/Bad'",
	        dir);
	ok(system(cmd) == 0, "made a key and a signed file");
	free(cmd);
	char *keyp = xasprintf("%s/key.asc", dir), *fprp = xasprintf("%s/fpr", dir);
	char *key = NULL, *fpr = NULL;
	size_t keylen = 0;
	read_file(keyp, &key, &keylen);
	read_line_file(fprp, &fpr);
	char *work = xasprintf("%s/work", dir);
	mkdir_p(work, 0700);
	struct gpg_key k = {0};
	is_int(gpg_key_load(key, keylen, "'key.asc'", work, &k, &err), 0, "load an armored key");
	ok(k.fingerprints == NULL, "loading runs no gpg: no fingerprints yet");
	is_int(gpg_key_list(&k, &err), 0, "list the fingerprints with gpg --show-keys");
	ok(k.fingerprints && k.fingerprints[0] && fpr && strcmp(k.fingerprints[0], fpr) == 0,
	   "its fingerprint");
	is_int(gpg_key_require(&k, fpr, &err), 0, "require its own fingerprint");
	is_int(gpg_key_require(&k, GPG_NVIDIA_FINGERPRINT, &err), -1,
	       "require NVIDIA's fingerprint");
	char *want = xasprintf("wrong key fingerprint: 'key.asc' has %s, expected %s", fpr,
	                       GPG_NVIDIA_FINGERPRINT);
	is_str(err.msg, want, "  the message");
	free(want);
	gp_error_release(&err);
	char *in = xasprintf("%s/InRelease", dir), *bad = xasprintf("%s/Bad", dir);
	char *text = NULL, *signer = NULL;
	size_t len = 0;
	is_int(gpg_verify_clearsigned(&k, in, "'InRelease'", &text, &len, &signer, &err), 0,
	       "verify a clearsigned file");
	is_str(text, "Origin: x\n", "the signed text, as gpgv extracted it");
	is_str(signer, fpr, "the signer");
	free(text);
	free(signer);
	text = NULL;
	is_int(gpg_verify_clearsigned(&k, bad, "'Bad'", &text, &len, NULL, &err), -1,
	       "a changed file fails");
	is_str(err.msg, "'Bad': bad signature", "  the message");
	gp_error_release(&err);
	char *work2 = xasprintf("%s/work2", dir);
	mkdir_p(work2, 0700);
	is_int(gpg_key_load("junk", 4, "'junk'", work2, &(struct gpg_key){0}, &err), -1,
	       "junk is not a key");
	free(work2);
	ok(err.msg && strstr(err.msg, "'junk': no OpenPGP public key found"), "  the message");
	gp_error_release(&err);
	/* The in-process dearmor gives what gpg --export gives. */
	char *binp = xasprintf("%s/key.gpg", dir);
	char *want_bin = NULL;
	size_t want_len = 0;
	read_file(binp, &want_bin, &want_len);
	unsigned char *got_bin = NULL;
	size_t got_len = 0;
	is_int(gpg_dearmor(key, keylen, &got_bin, &got_len), 0, "dearmor the armored key");
	ok(want_bin && got_len == want_len && memcmp(got_bin, want_bin, got_len) == 0,
	   "  the same bytes as gpg --export");
	free(got_bin);
	got_bin = NULL;
	char *broken = xstrdup(key);
	char *mid = strstr(broken, "\n\n");
	if (mid && mid[2])
		mid[2] = mid[2] == 'A' ? 'B' : 'A';
	is_int(gpg_dearmor(broken, strlen(broken), &got_bin, &got_len), -1,
	       "a changed armor fails its CRC-24");
	free(broken);
	is_int(gpg_dearmor("no armor", 8, &got_bin, &got_len), -1, "text without armor");
	free(want_bin);
	free(binp);
	char *armored = NULL;
	is_int(gpg_key_armor(&k, &armored, &err), 0, "export the key armored");
	ok(armored && strstr(armored, "BEGIN PGP PUBLIC KEY BLOCK"), "  armored");
	free(armored);
	gpg_key_release(&k);
	free(key);
	free(fpr);
	free(keyp);
	free(fprp);
	free(in);
	free(bad);
	free(work);
	tmpfiles_rm_rf(dir);
	free(dir);
	return tap_done();
}
