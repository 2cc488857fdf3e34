/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * libnghttp2, loaded with dlopen the first time something needs it: the CRI
 * client's HTTP/2 (lib/live/unixh2.c) is its one user. It is the HTTP/2
 * library libcurl itself uses, without libcurl's dozens of dependent
 * libraries (TLS, Kerberos, LDAP) that a call on a local unix socket never
 * needs. The static build (meson -Dstatic=true) links libnghttp2 instead and
 * fills the same table from nghttp2so_linked.c.
 */
#pragma once

#include <nghttp2/nghttp2.h>

#include "error.h"

struct nghttp2so {
	int (*session_callbacks_new)(nghttp2_session_callbacks **ret);
	void (*session_callbacks_del)(nghttp2_session_callbacks *cbs);
	void (*session_callbacks_set_on_header_callback)(nghttp2_session_callbacks *cbs,
	                                                 nghttp2_on_header_callback cb);
	void (*session_callbacks_set_on_frame_recv_callback)(nghttp2_session_callbacks *cbs,
	                                                     nghttp2_on_frame_recv_callback cb);
	void (*session_callbacks_set_on_data_chunk_recv_callback)(
	        nghttp2_session_callbacks *cbs, nghttp2_on_data_chunk_recv_callback cb);
	void (*session_callbacks_set_on_stream_close_callback)(nghttp2_session_callbacks *cbs,
	                                                       nghttp2_on_stream_close_callback cb);
	void (*session_callbacks_set_error_callback2)(nghttp2_session_callbacks *cbs,
	                                              nghttp2_error_callback2 cb);
	int (*session_client_new)(nghttp2_session **ret, const nghttp2_session_callbacks *cbs,
	                          void *user_data);
	void (*session_del)(nghttp2_session *s);
	int (*submit_settings)(nghttp2_session *s, uint8_t flags, const nghttp2_settings_entry *iv,
	                       size_t niv);
	int (*session_set_local_window_size)(nghttp2_session *s, uint8_t flags, int32_t stream_id,
	                                     int32_t window_size);
	int32_t (*submit_request)(nghttp2_session *s, const nghttp2_priority_spec *pri,
	                          const nghttp2_nv *nva, size_t nvlen,
	                          const nghttp2_data_provider *data, void *stream_user_data);
	ssize_t (*session_mem_send)(nghttp2_session *s, const uint8_t **ret_data);
	ssize_t (*session_mem_recv)(nghttp2_session *s, const uint8_t *in, size_t len);
	int (*session_want_read)(nghttp2_session *s);
	int (*session_want_write)(nghttp2_session *s);
	const char *(*strerror)(int lib_error_code);
	const char *(*http2_strerror)(uint32_t error_code);
	nghttp2_info *(*version)(int least_version);
};

/*
 * The loaded library, or NULL with err set when no usable libnghttp2 (1.22
 * or later: the error callback) can be loaded. Loads once; later calls return
 * the same table.
 */
const struct nghttp2so *nghttp2so_load(struct gp_error *err);
