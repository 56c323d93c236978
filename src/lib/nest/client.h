/* SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef NN_CLIENT_H
#define NN_CLIENT_H

/* A client of the control API (api.h): HTTP/1.1 over the nest's api.sock, with libcurl. */

#include <jansson.h>

#include "err.h"

/**
 * nn_client_request() - send one request to a nest's API and parse the JSON reply
 * @sock:   path of api.sock ($STATE/api.sock)
 * @method: "GET", "POST", "DELETE"
 * @path:   request path, "/v1/ports"
 * @body:   request JSON (borrowed), or NULL for none
 * @status: the HTTP status of the reply
 * @resp:   the reply JSON (new reference, caller decrefs), NULL for an empty body;
 *          may be NULL if the caller does not want it
 * @err:    error object
 *
 * Uses CURLOPT_UNIX_SOCKET_PATH (curl_easy_setopt(3)); the URL's host part is ignored by
 * the server, as RootlessKit's.  A reply with status >= 400 is an error: its
 * {"message": ...} becomes @err's message, and *@status is still set.
 * Return: 0 for a 2xx reply; -ECONNREFUSED, or stat(2)'s errno (-ENOENT) for a missing
 * @sock, when no server listens on @sock (the message names @sock); -ELIBACC/-ELIBBAD
 * when libcurl.so.4 cannot be loaded (nn_dl_load()); -ENOMEM; -EIO for a transport
 * failure or a reply that is not JSON; for a >= 400 reply: -ENOENT (404), -EINVAL (other
 * 4xx), -EIO (5xx).
 */
int nn_client_request(const char *sock, const char *method, const char *path, json_t *body,
		      unsigned *status, json_t **resp, struct nn_err *err);

/**
 * nn_client_nest_request() - nn_client_request() to the API of nest @nest
 * @nest:   nest name (NULL: "default"); its state dir comes from nn_state_dir()
 * @method: as nn_client_request()
 * @path:   as nn_client_request()
 * @body:   as nn_client_request()
 * @status: as nn_client_request()
 * @resp:   as nn_client_request()
 * @err:    error object
 *
 * When nothing serves the nest's api.sock (-ENOENT or -ECONNREFUSED before any reply)
 * the error becomes -ENOENT with the message "no nest named <nest> is running (state dir
 * <dir>)".
 * Return: 0, the errors of nn_state_dir(), -ENAMETOOLONG for a state dir too long for
 * api.sock's path, or the errors of nn_client_request().
 */
int nn_client_nest_request(const char *nest, const char *method, const char *path,
			   json_t *body, unsigned *status, json_t **resp, struct nn_err *err);

#endif
