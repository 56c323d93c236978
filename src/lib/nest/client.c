// SPDX-License-Identifier: GPL-2.0-or-later
/* client.c - one request to a nest's control API over api.sock (see client.h) */
#include <errno.h>
#include <limits.h>
#include <string.h>
#include <sys/stat.h>

#include <curl/curl.h>

#include "client.h"
#include "dl.h"
#include "state.h"
#include "util.h"

/*
 * libcurl, loaded when a verb first talks to a nest (dl.h): linked at exec it made every
 * netnest command, and the nest daemon, load it and its TLS, LDAP and Kerberos libraries.
 */
static struct {
	CURL *(*easy_init)(void);
	CURLcode (*easy_setopt)(CURL *c, CURLoption opt, ...);
	CURLcode (*easy_perform)(CURL *c);
	CURLcode (*easy_getinfo)(CURL *c, CURLINFO info, ...);
	void (*easy_cleanup)(CURL *c);
	const char *(*easy_strerror)(CURLcode rc);
	struct curl_slist *(*slist_append)(struct curl_slist *l, const char *s);
	void (*slist_free_all)(struct curl_slist *l);
} cu;

static const char *const curl_names[] = {
	"curl_easy_init", "curl_easy_setopt", "curl_easy_perform", "curl_easy_getinfo",
	"curl_easy_cleanup", "curl_easy_strerror", "curl_slist_append", "curl_slist_free_all",
};

static int load_curl(struct nn_err *err)
{
	static bool loaded;
	int r;

	if (!loaded) {
		_Static_assert(sizeof(cu) == sizeof(void *) * ARRAY_SIZE(curl_names),
			       "one pointer per name");
		r = nn_dl_load("libcurl.so.4", curl_names, (void **)&cu, ARRAY_SIZE(curl_names),
			       NULL, err);
		if (r < 0)
			return r;
		loaded = true;
	}
	return 0;
}

struct buf {
	char *data;
	size_t len;
};

static size_t on_data(char *p, size_t size, size_t nmemb, void *arg)
{
	struct buf *b = arg;
	size_t n = size * nmemb;
	char *nd;

	if (b->len + n > 16 * 1024 * 1024) /* a reply that large is not one of ours */
		return 0;
	nd = realloc(b->data, b->len + n + 1);
	if (!nd)
		return 0;
	memcpy(nd + b->len, p, n);
	b->data = nd;
	b->len += n;
	b->data[b->len] = '\0';
	return n;
}

static void curl_cleanup(CURL **c) { if (*c) cu.easy_cleanup(*c); }
static void slist_cleanup(struct curl_slist **l) { if (*l) cu.slist_free_all(*l); }

/* status_errno() - the negative errno for a failed HTTP status */
static int status_errno(long status)
{
	if (status == 404)
		return -ENOENT;
	if (status >= 400 && status < 500)
		return -EINVAL;
	return -EIO;
}

int nn_client_request(const char *sock, const char *method, const char *path, json_t *body,
		      unsigned *status, json_t **resp, struct nn_err *err)
{
	__attribute__((cleanup(curl_cleanup))) CURL *c = NULL;
	__attribute__((cleanup(slist_cleanup))) struct curl_slist *hdr = NULL;
	_cleanup_free_ char *req = NULL, *url = NULL;
	struct buf b = { 0 };
	_cleanup_free_ char *reply = NULL;
	_cleanup_json_ json_t *j = NULL;
	struct stat st;
	CURLcode rc;
	long code = 0;

	if (resp)
		*resp = NULL;
	*status = 0;
	if (stat(sock, &st) < 0)
		return nn_err(err, errno, "connect to %s", sock);
	if (asprintf(&url, "http://localhost%s", path) < 0)
		return nn_err(err, ENOMEM, "request %s %s", method, path);
	if (body) {
		req = json_dumps(body, JSON_COMPACT);
		if (!req)
			return nn_err(err, ENOMEM, "request %s %s", method, path);
	}
	if (load_curl(err) < 0)
		return nn_err_wrap(err, "request %s %s", method, path);
	c = cu.easy_init();
	if (!c)
		return nn_err(err, ENOMEM, "request %s %s: curl_easy_init", method, path);
	cu.easy_setopt(c, CURLOPT_UNIX_SOCKET_PATH, sock);
	cu.easy_setopt(c, CURLOPT_URL, url);
	cu.easy_setopt(c, CURLOPT_CUSTOMREQUEST, method);
	cu.easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
	cu.easy_setopt(c, CURLOPT_WRITEFUNCTION, on_data);
	cu.easy_setopt(c, CURLOPT_WRITEDATA, &b);
	if (req) {
		hdr = cu.slist_append(hdr, "Content-Type: application/json");
		cu.easy_setopt(c, CURLOPT_HTTPHEADER, hdr);
		cu.easy_setopt(c, CURLOPT_POSTFIELDS, req);
		cu.easy_setopt(c, CURLOPT_POSTFIELDSIZE, (long)strlen(req));
	}
	rc = cu.easy_perform(c);
	reply = b.data;
	if (rc == CURLE_COULDNT_CONNECT)
		return nn_err(err, ECONNREFUSED, "connect to %s", sock);
	if (rc != CURLE_OK)
		return nn_err(err, EIO, "request %s %s on %s: %s", method, path, sock,
			      cu.easy_strerror(rc));
	cu.easy_getinfo(c, CURLINFO_RESPONSE_CODE, &code);
	*status = (unsigned)code;
	if (b.len) {
		json_error_t je;

		j = json_loadb(reply, b.len, 0, &je);
		if (!j)
			return nn_err(err, EIO, "%s %s on %s: reply is not JSON: %s", method, path,
				      sock, je.text);
	}
	if (code >= 400) {
		const char *m = json_string_value(json_object_get(j, "message"));

		return nn_errx(err, -status_errno(code), "%s", m ? m : "(no message)");
	}
	if (resp)
		*resp = steal_pointer(&j);
	return 0;
}

int nn_client_nest_request(const char *nest, const char *method, const char *path,
			   json_t *body, unsigned *status, json_t **resp, struct nn_err *err)
{
	char dir[PATH_MAX], sock[PATH_MAX];
	int r;

	if (!nest)
		nest = NN_NEST_DEFAULT;
	*status = 0;
	r = nn_state_dir(nest, dir, err);
	if (r < 0)
		return r;
	if (snprintf(sock, sizeof(sock), "%s/api.sock", dir) >= (int)sizeof(sock))
		return nn_err(err, ENAMETOOLONG, "%s/api.sock", dir);
	r = nn_client_request(sock, method, path, body, status, resp, err);
	if ((r == -ENOENT || r == -ECONNREFUSED) && *status == 0)
		return nn_errx(err, ENOENT, "no nest named %s is running (state dir %s)", nest,
			       dir);
	return r;
}
