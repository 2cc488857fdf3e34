// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The plan itself (its model, its builders, its JSON) and carrying it out: the bottom of
 * pkginstall, which calls none of the pieces above it.
 */
#include "pkginstall.h"

#include <errno.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "debver.h"
#include "dpkgstatus.h"
#include "noderoot.h"
#include "proc.h"
#include "rpmver.h"
#include "safefile.h"
#include "tmpfiles.h"
#include "pkginstall_private.h"

apt_vercmp_fn
pkg_vercmp(enum os_family family)
{
	return family == OS_FAMILY_RPM ? rpmver_compare : debver_compare;
}

/* Run a program, keeping its output (stdout and stderr together). */
int
pkg_run_keep(char *const argv[], const char *missing_hint, struct proc_result *ret,
             struct gp_error *err)
{
	struct proc_opts o = {.keep_output = true};
	if (proc_run(argv, &o, ret, err) < 0)
		return gp_error_hint(err, "%s", missing_hint);
	return 0;
}

const char *
pkg_source_name(enum pkg_source s)
{
	switch (s) {
	case PKG_SOURCE_REPOSITORY:
		return "repository";
	case PKG_SOURCE_RELEASE_TARBALL:
		return "release-tarball";
	case PKG_SOURCE_DIRECTORY:
		return "directory";
	case PKG_SOURCE_BUNDLE:
		return "bundle";
	}
	return "?";
}

void
pkg_apt_entry_release(struct pkg_apt_entry *e)
{
	if (!e)
		return;
	free(e->file);
	free(e->signed_by);
	free(e->uri);
	free(e->suite);
	free(e->components);
	*e = (struct pkg_apt_entry){0};
}

void
pkg_plan_release(struct pkg_plan *p)
{
	if (!p)
		return;
	free(p->root);
	free(p->arch);
	free(p->location);
	free(p->fingerprint);
	free(p->reused);
	free(p->missing_deps);
	free(p->version);
	for (size_t k = 0; k < N_PKGS; k++) {
		free(p->installed[k]);
		free(p->files[k]);
	}
	for (size_t i = 0; i < p->n_writes; i++) {
		free(p->writes[i].path);
		free(p->writes[i].full);
		free(p->writes[i].data);
	}
	free(p->writes);
	for (size_t i = 0; i < p->n_cmds; i++) {
		strv_free(p->cmds[i].argv);
		strv_free(p->cmds[i].env);
		strv_free(p->cmds[i].drop_names);
		strv_free(p->cmds[i].drop_files);
	}
	free(p->cmds);
	tmpfiles_rm_rf(p->tmpdir);
	free(p->tmpdir);
	free(p->rpm_dbpath);
	*p = (struct pkg_plan){0};
}

int
pkg_plan_check_os_deps(const struct pkg_plan *p, struct gp_error *err)
{
	if (!p->missing_deps)
		return 0;
	gp_error_set(err, "the toolkit needs packages that are not installed: %s", p->missing_deps);
	return gp_error_hint(err, "install them from the distribution's own media first "
	                          "(they are part of every standard installation)");
}

/* --- building plans -------------------------------------------------------------------- */

void
pkg_plan_write(struct pkg_plan *p, const char *path, const void *data, size_t len, unsigned mode)
{
	_cleanup_free_ char *full = gp_path(p->root, path);
	/* Writing what is already there is no change. */
	_cleanup_free_ char *old = NULL;
	size_t old_len;
	if (noderoot_read_file(p->root, path, &old, &old_len) == 0 && old_len == len &&
	    memcmp(old, data, len) == 0)
		return;
	p->writes = xrealloc(p->writes, (p->n_writes + 1) * sizeof(*p->writes));
	char *copy = xmalloc(len + 1);
	memcpy(copy, data, len);
	copy[len] = '\0';
	p->writes[p->n_writes++] = (struct pkg_write){
	        .path = xstrdup(path),
	        .full = TAKE_PTR(full),
	        .data = copy,
	        .len = len,
	        .mode = mode,
	};
}

struct pkg_command *
pkg_plan_command(struct pkg_plan *p)
{
	p->cmds = xrealloc(p->cmds, (p->n_cmds + 1) * sizeof(*p->cmds));
	p->cmds[p->n_cmds] = (struct pkg_command){0};
	return &p->cmds[p->n_cmds++];
}

void
pkg_command_add(struct pkg_command *c, const char *arg)
{
	c->argv = strv_push(c->argv, arg);
}

void
pkg_command_add2(struct pkg_command *c, const char *prefix, const char *arg)
{
	_cleanup_free_ char *s = xasprintf("%s%s", prefix, arg);
	c->argv = strv_push(c->argv, s);
}

bool
pkg_plan_all_installed_at(const struct pkg_plan *p, const char *const *versions)
{
	apt_vercmp_fn cmp = pkg_vercmp(p->family);
	for (size_t k = 0; k < N_PKGS; k++)
		if (!p->installed[k] || !versions[k] || cmp(p->installed[k], versions[k]))
			return false;
	return true;
}

bool
pkg_plan_any_newer(const struct pkg_plan *p, const char *const *versions)
{
	apt_vercmp_fn cmp = pkg_vercmp(p->family);
	for (size_t k = 0; k < N_PKGS; k++)
		if (p->installed[k] && versions[k] && cmp(p->installed[k], versions[k]) > 0)
			return true;
	return false;
}

/*
 * A path or command line as the user can follow it: a file extracted from the
 * offline archive shows as ARCHIVE:MEMBER, and the private temp dir, which is
 * made anew by each run, as "<tmp>".
 */
static char *
shown(const struct pkg_plan *p, const char *s)
{
	if (!s || !p->tmpdir)
		return s ? xstrdup(s) : NULL;
	_cleanup_free_ char *archive = xasprintf("%s/archive/", p->tmpdir);
	_cleanup_free_ char *member_of = xasprintf("%s:", p->location ? p->location : "");
	struct strbuf b = {0};
	strbuf_puts(&b, "");
	for (const char *at = s; *at;) {
		const char *hit = strstr(at, p->tmpdir);
		if (!hit) {
			strbuf_puts(&b, at);
			break;
		}
		strbuf_add(&b, at, (size_t)(hit - at));
		if (str_startswith(hit, archive)) {
			strbuf_puts(&b, member_of);
			at = hit + strlen(archive);
		} else {
			strbuf_puts(&b, "<tmp>");
			at = hit + strlen(p->tmpdir);
		}
	}
	return b.s;
}

static json_t *
json_string_take(char *s)
{
	json_t *j = json_string(s);
	free(s);
	return j;
}

json_t *
pkg_plan_to_json(const struct pkg_plan *p)
{
	json_t *pk = json_array();
	for (size_t k = 0; k < N_PKGS; k++) {
		const char *target = p->version;
		json_array_append_new(
		        pk,
		        json_pack("{s:s, s:o, s:o, s:o}", "name", apt_repo_toolkit[k], "installed",
		                  p->installed[k] ? json_string(p->installed[k]) : json_null(),
		                  "target", target ? json_string(target) : json_null(), "file",
		                  p->files[k] ? json_string_take(shown(p, p->files[k]))
		                              : json_null()));
	}
	json_t *files = json_array();
	for (size_t i = 0; i < p->n_writes; i++)
		json_array_append_new(files, json_pack("{s:s, s:s}", "path", p->writes[i].path,
		                                       "full_path", p->writes[i].full));
	json_t *cmds = json_array();
	for (size_t i = 0; i < p->n_cmds; i++) {
		_cleanup_free_ char *line = proc_argv_string(p->cmds[i].argv);
		_cleanup_free_ char *env = apt_repo_join(p->cmds[i].env, " ");
		_cleanup_free_ char *full =
		        p->cmds[i].env ? xasprintf("%s %s", env, line) : xstrdup(line);
		_cleanup_free_ char *show = shown(p, full);
		json_array_append_new(cmds, json_string(show));
	}
	json_t *src = json_pack("{s:s, s:s, s:o, s:o}", "kind", pkg_source_name(p->source),
	                        "location", p->location ? p->location : "", "key_fingerprint",
	                        p->fingerprint ? json_string(p->fingerprint) : json_null(),
	                        "reused_entry", p->reused ? json_string(p->reused) : json_null());
	return json_pack("{s:i, s:s, s:s, s:s, s:s, s:o, s:o, s:o, s:o, s:o, s:o}",
	                 "schema_version", 1, "action", p->up_to_date ? "none" : "install", "root",
	                 p->root ? p->root : "/", "package_family", os_family_name(p->family),
	                 "architecture", p->arch, "rpm_dbpath",
	                 p->rpm_dbpath ? json_string(p->rpm_dbpath) : json_null(), "version",
	                 p->version ? json_string(p->version) : json_null(), "source", src,
	                 "packages", pk, "files", files, "commands", cmds);
}

/* --- carrying it out ------------------------------------------------------------------- */

struct saved {
	char *data; /* NULL: the file did not exist */
	size_t len;
	unsigned mode;
	bool written;
};

/* Put back every file this run wrote, as it was. */
static void
rollback(struct pkg_plan *p, struct saved *s)
{
	for (size_t i = p->n_writes; i-- > 0;) {
		if (!s[i].written)
			continue;
		struct gp_error ignored = GP_ERROR_INIT;
		if (s[i].data)
			safefile_write(p->root, p->writes[i].path, s[i].data, s[i].len, s[i].mode,
			               &ignored);
		else
			safefile_remove(p->root, p->writes[i].path, &ignored);
		gp_error_release(&ignored);
	}
}

struct relay {
	pkg_output_fn fn;
	void *ud;
	const char *tool;
};

/* Progress redrawn with carriage returns shows as its last state. */
static void
relay_line(const char *line, void *ud)
{
	struct relay *r = ud;
	const char *shown = line;
	for (const char *c = line; *c; c++)
		if (*c == '\r' && c[1] && c[1] != '\r')
			shown = c + 1;
	_cleanup_free_ char *copy = xstrndup(shown, strcspn(shown, "\r"));
	if (r->fn && *copy)
		r->fn(r->tool, copy, r->ud);
}

/*
 * The archives gpuprep extracted go once dpkg has unpacked every one (lib/pkg/dpkgstatus):
 * it then configures the packages and reads none of them again. Freeing them there, while
 * dpkg waits on its syncs, costs nothing; after dpkg it cost the install 1.5-2 ms, and while
 * dpkg unpacks it would take a CPU from dpkg-deb and tar.
 */
struct drops {
	const struct pkg_command *c;
	struct dpkg_unpack_watch w;
};

static void
drop_unpacked(const char *line, void *ud)
{
	struct drops *d = ud;
	if (dpkg_unpack_watch_line(&d->w, line))
		for (size_t i = 0; d->c->drop_files[i]; i++)
			unlink(d->c->drop_files[i]);
}

static const char *
failure_hint(const char *tool, const char *output)
{
	if (strstr(output, "NO_PUBKEY") || strstr(output, "is not signed") ||
	    strstr(output, "GPG error") || strstr(output, "GPG signature verification error"))
		return "the repository's signature does not verify with its keyring; check "
		       "--keyring and --repo-url";
	if (strstr(output, "Hash Sum mismatch") || strstr(output, "File has unexpected size") ||
	    /* dnf (librepo): a package longer or shorter, or with other bytes, than primary says */
	    strstr(output, "Inconsistent server data") ||
	    strstr(output, "Package does not match intended download") ||
	    strstr(output, "checksum doesn't match") || strstr(output, "Checksum mismatch"))
		return "a downloaded package does not match the repository index; the mirror may "
		       "be "
		       "mid-update or tampered with: try again later";
	if (strstr(output, "Conflicting values set for option Signed-By"))
		return "two apt sources name NVIDIA's repository with different keyrings; remove "
		       "one of them";
	if (strstr(output, "Could not resolve") || strstr(output, "Failed to fetch") ||
	    strstr(output, "Could not connect"))
		return "check the network and the proxy variables, or use --offline";
	if (strstr(output, "dependency problems") || strstr(output, "Unmet dependencies"))
		return "install the missing dependencies from the distribution first";
	if (strcmp(tool, "dpkg") == 0)
		return "fix what dpkg reports, then run gpuprep install again";
	return "fix what the package manager reports, then run gpuprep install again";
}

/*
 * dpkg stopped half way (killed, or the machine went down): packages are unpacked but not
 * configured, and apt and dpkg refuse to go on until `dpkg --configure -a` finishes the job.
 * The hint names the command for this root (a fresh string), or NULL when dpkg was not cut off.
 */
static char *
interrupted_hint(const char *tool, char *const argv[], int status, const char *output)
{
	bool dpkg_cut = (strcmp(tool, "dpkg") == 0 || strcmp(tool, "apt-get") == 0) && status > 128;
	if (!dpkg_cut && !strstr(output, "dpkg was interrupted") &&
	    !(strstr(output, "Sub-process") && strstr(output, "dpkg") && strstr(output, "signal")))
		return NULL;
	const char *root = NULL;
	for (size_t i = 0; argv[i] && !root; i++) {
		const char *at = strstr(argv[i], "--root=");
		if (at)
			root = at + strlen("--root=");
	}
	_cleanup_free_ char *rootopt =
	        root ? xasprintf("--root=%.*s ", (int)strcspn(root, "\";"), root) : xstrdup("");
	return xasprintf("dpkg stopped half way: run 'dpkg %s--configure -a' to finish what it "
	                 "unpacked, then run gpuprep install again",
	                 rootopt);
}

/* apt-get update may exit 0 on fetch failures with old apt; look at what it said. */
static bool
update_failed(const char *output)
{
	_cleanup_free_ char *copy = xstrdup(output);
	char *save = NULL;
	for (char *ln = strtok_r(copy, "\n", &save); ln; ln = strtok_r(NULL, "\n", &save))
		if (str_startswith(ln, "E: ") || str_startswith(ln, "Err:") ||
		    (str_startswith(ln, "W: ") &&
		     (strstr(ln, "Failed to fetch") || strstr(ln, "GPG error") ||
		      strstr(ln, "failed to download"))))
			return true;
	return false;
}

/*
 * apt-get install's status lines (APT::Status-Fd): "dlstatus:..." while it downloads, which a
 * signal may stop, then "pmstatus:..." once it runs dpkg, which it must be let finish.
 */
static void
apt_status(const char *line, void *userdata)
{
	bool *changing = userdata;
	if (!*changing && str_startswith(line, "pmstatus:")) {
		*changing = true;
		proc_children_must_finish();
	}
}

/* argv with opts (NULL-terminated) right after the program's name; a fresh vector. */
static char **
argv_with_options(char *const *argv, const char *const *opts)
{
	char **v = strv_push(NULL, argv[0]);
	for (size_t i = 0; opts[i]; i++)
		v = strv_push(v, opts[i]);
	for (size_t i = 1; argv[i]; i++)
		v = strv_push(v, argv[i]);
	return v;
}

static int
run_command(struct pkg_command *c, pkg_step_fn on_step, pkg_output_fn on_output, void *userdata,
            struct gp_error *err)
{
	_cleanup_free_ char *line = proc_argv_string(c->argv);
	if (on_step) {
		_cleanup_free_ char *what = xasprintf("running %s", line);
		on_step(what, userdata);
	}
	const char *tool = strrchr(c->argv[0], '/') ? strrchr(c->argv[0], '/') + 1 : c->argv[0];
	struct relay rl = {on_output, userdata, tool};
	struct proc_opts o = {
	        .env = c->env, .on_line = relay_line, .userdata = &rl, .keep_output = true};
	/* dpkg's status on descriptor 3, asked for right after its name. */
	_cleanup_strv_ char **argv = NULL;
	struct drops drops = {.c = c};
	if (c->drop_names) {
		dpkg_unpack_watch_init(&drops.w, c->drop_names);
		argv = argv_with_options(c->argv, (const char *[]){"--status-fd=3", NULL});
		o.status_fd = 3;
		o.on_status = drop_unpacked;
		o.status_userdata = &drops;
	}
	bool is_update = strcmp(tool, "apt-get") == 0 && strv_contains(c->argv, "update");
	bool apt_changing = false;
	/*
	 * Stopped half way, a tool that changes packages leaves them half-installed; lists not.
	 * apt-get install only once it runs dpkg: its status pipe says when.
	 */
	o.finish_on_signal = strcmp(tool, "apt-get") != 0;
	if (strcmp(tool, "apt-get") == 0 && strv_contains(c->argv, "install") && !argv) {
		argv = argv_with_options(c->argv, (const char *[]){"-o", "APT::Status-Fd=3", NULL});
		o.status_fd = 3;
		o.on_status = apt_status;
		o.status_userdata = &apt_changing;
	}
	struct proc_result res = {0};
	int started = proc_run(argv ? argv : c->argv, &o, &res, err);
	dpkg_unpack_watch_release(&drops.w);
	if (started < 0) {
		if (proc_interrupted())
			return -1;
		return gp_error_hint(err, "%s",
		                     strcmp(tool, "apt-get") == 0 ? APT_HINT
		                     : strcmp(tool, "rpm") == 0   ? RPM_HINT
		                                                  : DPKG_HINT);
	}
	int sig = o.finish_on_signal || apt_changing ? proc_interrupted() : 0;
	if (res.status == 0 && sig) {
		proc_interrupt_error(err, tool, 0);
		gp_error_hint(err, "run the same gpuprep command again to finish: it goes on from "
		                   "what is installed now");
		proc_result_release(&res);
		return -1;
	}
	if (res.status == 0 && !(is_update && update_failed(res.output))) {
		proc_result_release(&res);
		return 0;
	}
	if (on_output) {
		/* Its lines were relayed as they came: the error does not print them again. */
		gp_error_set(err, "'%s' failed (exit status %d); its output is above", line,
		             res.status);
	} else {
		_cleanup_free_ char *tail = proc_tail_lines(res.output, 12);
		_cleanup_free_ char *indented = xstrdup("");
		char *save = NULL;
		for (char *ln = strtok_r(tail, "\n", &save); ln; ln = strtok_r(NULL, "\n", &save)) {
			char *m = xasprintf("%s\n    %s", indented, ln);
			free(indented);
			indented = m;
		}
		gp_error_set(err, "'%s' failed (exit status %d); its last lines:%s", line,
		             res.status, indented);
	}
	_cleanup_free_ char *cut = interrupted_hint(tool, c->argv, res.status, res.output);
	gp_error_hint(err, "%s", cut ? cut : failure_hint(tool, res.output));
	proc_result_release(&res);
	if (sig) {
		/* It failed on its own: that says what to do; the exit code says the signal. */
		gp_error_prefix(err, "stopped by %s, once '%s' had ended", proc_signal_name(sig),
		                tool);
		err->code = 128 + sig;
	}
	return -1;
}

int
pkg_plan_execute(struct pkg_plan *p, pkg_step_fn on_step, pkg_output_fn on_output, void *userdata,
                 struct gp_error *err)
{
	if (p->up_to_date)
		return 0;
	/* One gpuprep at a time changes a system. */
	_cleanup_close_ int lock = safefile_lock(p->root, safefile_lock_timeout_ms(), err);
	if (lock < 0)
		return -1;
	struct saved *s = xcalloc(p->n_writes + 1, sizeof(*s));
	int ret = -1;
	for (size_t i = 0; i < p->n_writes; i++) {
		struct stat st;
		if (noderoot_stat(p->root, p->writes[i].path, &st) == 0) {
			int e = noderoot_read_file(p->root, p->writes[i].path, &s[i].data,
			                           &s[i].len);
			if (e < 0) {
				gp_error_set_errno(err, e, "reading '%s'", p->writes[i].full);
				goto out;
			}
			s[i].mode = st.st_mode & 07777;
		}
		if (safefile_check_writable(p->root, p->writes[i].path, err) < 0)
			goto out;
	}
	for (size_t i = 0; i < p->n_writes; i++) {
		if (on_step) {
			_cleanup_free_ char *what = xasprintf("writing %s", p->writes[i].full);
			on_step(what, userdata);
		}
		_cleanup_free_ char *dir = xstrdup(p->writes[i].path);
		*strrchr(dir, '/') = '\0';
		int e = noderoot_mkdir_p(p->root, *dir ? dir : "/", 0755);
		if (e < 0) {
			_cleanup_free_ char *host = gp_path(p->root, dir);
			gp_error_set_errno(err, e, "creating '%s'", host);
			goto fail;
		}
		if (safefile_write(p->root, p->writes[i].path, p->writes[i].data, p->writes[i].len,
		                   p->writes[i].mode, err) < 0)
			goto fail;
		s[i].written = true;
	}
	for (size_t i = 0; i < p->n_cmds; i++)
		if (run_command(&p->cmds[i], on_step, on_output, userdata, err) < 0)
			goto fail;
	ret = 0;
	goto out;
fail:
	rollback(p, s);
out:
	for (size_t i = 0; i < p->n_writes; i++)
		free(s[i].data);
	free(s);
	return ret;
}
