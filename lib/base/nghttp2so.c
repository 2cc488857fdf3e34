// SPDX-License-Identifier: GPL-2.0-or-later
#include "nghttp2so.h"

#include <dlfcn.h>
#include <stdbool.h>

#include "soload.h"

static struct nghttp2so ng;
static bool loaded;

const struct nghttp2so *
nghttp2so_load(struct gp_error *err)
{
	if (loaded)
		return &ng;
	static const char *const names[] = {"libnghttp2.so.14", "libnghttp2.so"};
	void *h = soload_open("libnghttp2", names, GP_ARRAY_SIZE(names), RTLD_NOW | RTLD_LOCAL,
	                      "install libnghttp2 (the Debian package 'libnghttp2-14', or "
	                      "'libnghttp2' on rpm systems); the CRI client speaks HTTP/2 with it",
	                      err);
	if (!h)
		return NULL;
#define SYM(field, name)                                                                           \
	do {                                                                                       \
		if (!(*(void **)&ng.field = soload_sym(h, "libnghttp2", name, "1.22", err)))       \
			return NULL;                                                               \
	} while (0)
	SYM(session_callbacks_new, "nghttp2_session_callbacks_new");
	SYM(session_callbacks_del, "nghttp2_session_callbacks_del");
	SYM(session_callbacks_set_on_header_callback,
	    "nghttp2_session_callbacks_set_on_header_callback");
	SYM(session_callbacks_set_on_frame_recv_callback,
	    "nghttp2_session_callbacks_set_on_frame_recv_callback");
	SYM(session_callbacks_set_on_data_chunk_recv_callback,
	    "nghttp2_session_callbacks_set_on_data_chunk_recv_callback");
	SYM(session_callbacks_set_on_stream_close_callback,
	    "nghttp2_session_callbacks_set_on_stream_close_callback");
	SYM(session_callbacks_set_error_callback2, "nghttp2_session_callbacks_set_error_callback2");
	SYM(session_client_new, "nghttp2_session_client_new");
	SYM(session_del, "nghttp2_session_del");
	SYM(submit_settings, "nghttp2_submit_settings");
	SYM(session_set_local_window_size, "nghttp2_session_set_local_window_size");
	SYM(submit_request, "nghttp2_submit_request");
	SYM(session_mem_send, "nghttp2_session_mem_send");
	SYM(session_mem_recv, "nghttp2_session_mem_recv");
	SYM(session_want_read, "nghttp2_session_want_read");
	SYM(session_want_write, "nghttp2_session_want_write");
	SYM(strerror, "nghttp2_strerror");
	SYM(http2_strerror, "nghttp2_http2_strerror");
	SYM(version, "nghttp2_version");
#undef SYM
	loaded = true;
	return &ng;
}
