// SPDX-License-Identifier: GPL-2.0-or-later
/* lib/base/soload: what every loader of a library used on demand says when it cannot load it. */
#include <dlfcn.h>
#include <string.h>

#include "soload.h"
#include "tap.h"

int
main(void)
{
	struct gp_error err = GP_ERROR_INIT;
	static const char *const none[] = {"libgpuprep-no-such.so.9", "libgpuprep-no-such.so"};
	ok(!soload_open("libnosuch", none, 2, RTLD_NOW | RTLD_LOCAL, "install libnosuch", &err),
	   "no library of those names: NULL");
	ok(err.msg && strstr(err.msg, "cannot load libnosuch: libgpuprep-no-such.so"),
	   "the message names the library and dlerror's reason");
	is_str(err.hint, "install libnosuch", "the hint is the loader's");
	gp_error_release(&err);

	/* The first name that loads wins: libc's soname comes second here. */
	static const char *const libc[] = {"libgpuprep-no-such.so.9", "libc.so.6"};
	void *h = soload_open("libc", libc, 2, RTLD_NOW | RTLD_LOCAL, "-", &err);
	ok(h != NULL && !gp_error_is_set(&err), "a later name loads");
	if (!h) {
		ok(1, "# SKIP the symbols: libc.so.6 did not load (not a glibc system)");
		return tap_done();
	}
	ok(soload_sym(h, "libc", "strlen", "2.0", &err) == (void *)dlsym(h, "strlen") &&
	           !gp_error_is_set(&err),
	   "a symbol that is there");
	ok(!soload_sym(h, "libc", "gpuprep_no_such_function", "2.99", &err),
	   "a symbol that is not there: NULL");
	is_str(err.msg, "cannot load libc: no symbol 'gpuprep_no_such_function'",
	       "the message names the symbol");
	is_str(err.hint, "install libc 2.99 or later", "the hint names the version");
	gp_error_release(&err);
	dlclose(h);
	return tap_done();
}
