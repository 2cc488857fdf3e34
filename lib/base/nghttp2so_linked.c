// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The static build's lib/nghttp2so: libnghttp2 is linked into the binary, so
 * the table holds its functions themselves. meson picks this file or
 * nghttp2so.c.
 */
#include "nghttp2so.h"

static const struct nghttp2so ng = {
        .session_callbacks_new = nghttp2_session_callbacks_new,
        .session_callbacks_del = nghttp2_session_callbacks_del,
        .session_callbacks_set_on_header_callback =
                nghttp2_session_callbacks_set_on_header_callback,
        .session_callbacks_set_on_frame_recv_callback =
                nghttp2_session_callbacks_set_on_frame_recv_callback,
        .session_callbacks_set_on_data_chunk_recv_callback =
                nghttp2_session_callbacks_set_on_data_chunk_recv_callback,
        .session_callbacks_set_on_stream_close_callback =
                nghttp2_session_callbacks_set_on_stream_close_callback,
        .session_callbacks_set_error_callback2 = nghttp2_session_callbacks_set_error_callback2,
        .session_client_new = nghttp2_session_client_new,
        .session_del = nghttp2_session_del,
        .submit_settings = nghttp2_submit_settings,
        .session_set_local_window_size = nghttp2_session_set_local_window_size,
        .submit_request = nghttp2_submit_request,
        .session_mem_send = nghttp2_session_mem_send,
        .session_mem_recv = nghttp2_session_mem_recv,
        .session_want_read = nghttp2_session_want_read,
        .session_want_write = nghttp2_session_want_write,
        .strerror = nghttp2_strerror,
        .http2_strerror = nghttp2_http2_strerror,
        .version = nghttp2_version,
};

const struct nghttp2so *
nghttp2so_load(struct gp_error *err)
{
	(void)err;
	return &ng;
}
