// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * client.c - one request to a nest's control API over api.sock (see client.h)
 *
 * HTTP/1.1 over a unix socket, written here: one request with "Connection: close", the
 * reply read until its Content-Length is in, or else until the server closes (RFC 9112
 * sections 3, 4, 6 and 9.6).  libcurl did this before, but loading it and its ~30
 * libraries (TLS, HTTP/2, IDN, LDAP, Kerberos) took most of a `netnest run`
 * (docs/benchmarks.md); libevent 2.1's evhttp client cannot use a unix socket (its connect
 * resets the fd and resolves a host name; unix sockets came in 2.2), and the one server it
 * talks to is netnest's own.
 */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include "client.h"
#include "fdpass.h"
#include "state.h"
#include "util.h"

#define REPLY_MAX (16 * 1024 * 1024) /* a reply that large is not one of ours */
/*
 * How long connect(2), send(2) and each recv(2) may block (nn_unix_connect()): longer than
 * the daemon's longest answer, a DELETE's stop of a sandbox (5 s of SIGTERM grace, then up
 * to 5 s after SIGKILL: sandbox_teardown.c), so that only a stopped or stuck daemon hits it.
 */
#define WAIT_S 30

/* a header line of @line (up to @end) named @name: its value, spaces trimmed, or NULL */
static const char *header_value(const char *line, const char *end, const char *name, size_t *vlen)
{
	size_t n = strlen(name);

	if ((size_t)(end - line) <= n || strncasecmp(line, name, n) || line[n] != ':')
		return NULL;
	line += n + 1;
	while (line < end && (*line == ' ' || *line == '\t'))
		line++;
	while (end > line && (end[-1] == ' ' || end[-1] == '\t'))
		end--;
	*vlen = (size_t)(end - line);
	return line;
}

/* the decimal @v of @vlen bytes, at most @max; false for anything else */
static bool parse_len(const char *v, size_t vlen, size_t max, size_t *out)
{
	size_t x = 0;

	if (!vlen)
		return false;
	for (size_t i = 0; i < vlen; i++) {
		if (v[i] < '0' || v[i] > '9')
			return false;
		x = x * 10 + (size_t)(v[i] - '0');
		if (x > max)
			return false;
	}
	*out = x;
	return true;
}

int nn_client_parse_reply(const char *buf, size_t len, unsigned *status, const char **body,
			  size_t *blen, bool *framed)
{
	const char *p = buf, *end = buf + len, *eol;
	bool have_len = false;
	size_t clen = 0;

	*framed = false;
	/* status-line = HTTP-version SP 3DIGIT SP [reason] CRLF (RFC 9112 section 4) */
	if (len < 12 || memcmp(p, "HTTP/1.", 7) || p[7] < '0' || p[7] > '9' || p[8] != ' ' ||
	    p[9] < '1' || p[9] > '5' || p[10] < '0' || p[10] > '9' || p[11] < '0' || p[11] > '9' ||
	    (len > 12 && p[12] != ' ' && p[12] != '\r'))
		return -EINVAL;
	*status = (unsigned)((p[9] - '0') * 100 + (p[10] - '0') * 10 + (p[11] - '0'));
	eol = memmem(p, len, "\r\n", 2);
	if (!eol)
		return -EINVAL;
	for (p = eol + 2;; p = eol + 2) {
		const char *v;
		size_t vlen, x;

		eol = p < end ? memmem(p, (size_t)(end - p), "\r\n", 2) : NULL;
		if (!eol)
			return -EINVAL; /* the headers never end */
		if (eol == p) {
			p += 2;
			break;
		}
		if (memchr(p, '\0', (size_t)(eol - p)))
			return -EINVAL;
		if (header_value(p, eol, "Transfer-Encoding", &vlen))
			return -EINVAL; /* chunked: netnest's server always sends a length */
		v = header_value(p, eol, "Content-Length", &vlen);
		if (v) {
			if (!parse_len(v, vlen, REPLY_MAX, &x) || (have_len && x != clen))
				return -EINVAL;
			have_len = true;
			clen = x;
		}
	}
	*body = p;
	*blen = (size_t)(end - p);
	/* 1xx, 204 and 304 have no body (RFC 9112 section 6.3); a 1xx is not the last reply */
	if (*status < 200 || *status == 204 || *status == 304) {
		*blen = 0;
		*framed = *status >= 200;
	} else if (have_len) {
		if (clen > *blen)
			return -EINVAL; /* cut short */
		*blen = clen;
		*framed = true;
	}
	return 0;
}

/* send all of @s, @len bytes, on @fd; without SIGPIPE if the server is gone */
static int send_all(int fd, const char *s, size_t len)
{
	while (len) {
		ssize_t n = send(fd, s, len, MSG_NOSIGNAL);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return -1;
		s += n;
		len -= (size_t)n;
	}
	return 0;
}

/* has the whole reply come, by its own length (nn_client_parse_reply())? */
static bool reply_whole(const char *b, size_t len)
{
	const char *body;
	size_t blen;
	unsigned status;
	bool framed;

	return nn_client_parse_reply(b, len, &status, &body, &blen, &framed) == 0 && framed;
}

/*
 * Read the reply on @fd into *@out (NUL-terminated, caller frees): until it is whole by its
 * own length, or else until the server closes.  Not waiting for the close saves the
 * server's shutdown(2) and close(2) from the caller's path (a `netnest run` makes two
 * requests).
 */
static int recv_all(int fd, char **out, size_t *outlen)
{
	size_t cap = 4096, len = 0;
	char *b = malloc(cap + 1);

	if (!b)
		return -ENOMEM;
	for (;;) {
		ssize_t n;

		if (len == cap) {
			char *nb = cap >= REPLY_MAX ? NULL : realloc(b, cap * 2 + 1);

			if (!nb) {
				free(b);
				return cap >= REPLY_MAX ? -EFBIG : -ENOMEM;
			}
			b = nb;
			cap *= 2;
		}
		n = recv(fd, b + len, cap - len, 0);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			int e = errno == EAGAIN ? ETIMEDOUT : errno; /* SO_RCVTIMEO */

			free(b);
			return -e;
		}
		if (n == 0)
			break;
		len += (size_t)n;
		if (reply_whole(b, len))
			break;
	}
	b[len] = '\0';
	*out = b;
	*outlen = len;
	return 0;
}

/* connect to @sock (nn_unix_connect()); on failure the negative errno (ECONNREFUSED:
 * nobody listens; ETIMEDOUT: the backlog stayed full) */
static int dial(const char *sock, struct nn_err *err)
{
	int fd = nn_unix_connect(sock, WAIT_S);

	if (fd == -ETIMEDOUT)
		return nn_errx(err, ETIMEDOUT, "connect to %s: no room in its backlog within %d s",
			       sock, WAIT_S);
	return fd < 0 ? nn_err(err, -fd, "connect to %s", sock) : fd;
}

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
	_cleanup_free_ char *req = NULL, *msg = NULL, *reply = NULL;
	_cleanup_close_ int fd = -1;
	_cleanup_json_ json_t *j = NULL;
	const char *rbody;
	size_t rlen = 0, blen = 0;
	unsigned code = 0;
	struct stat st;
	bool framed;
	int len, r;

	if (resp)
		*resp = NULL;
	*status = 0;
	if (stat(sock, &st) < 0)
		return nn_err(err, errno, "connect to %s", sock);
	if (body) {
		req = json_dumps(body, JSON_COMPACT);
		if (!req)
			return nn_err(err, ENOMEM, "request %s %s", method, path);
	}
	/* the host is ignored by the server, as RootlessKit's */
	len = req ? asprintf(&msg,
			     "%s %s HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n"
			     "Content-Type: application/json\r\nContent-Length: %zu\r\n\r\n%s",
			     method, path, strlen(req), req) :
		    asprintf(&msg, "%s %s HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n",
			     method, path);
	if (len < 0) {
		msg = NULL;
		return nn_err(err, ENOMEM, "request %s %s", method, path);
	}
	fd = dial(sock, err);
	if (fd < 0)
		return fd;
	if (send_all(fd, msg, (size_t)len) < 0)
		return nn_err(err, errno == EAGAIN ? ETIMEDOUT : errno, "request %s %s on %s",
			      method, path, sock);
	r = recv_all(fd, &reply, &rlen);
	if (r == -ETIMEDOUT)
		return nn_errx(err, ETIMEDOUT, "request %s %s on %s: no reply within %d s",
			       method, path, sock, WAIT_S);
	if (r < 0)
		return nn_err(err, -r, "request %s %s on %s: read the reply", method, path, sock);
	if (rlen == 0) /* the daemon stopped its API (going down) before it answered */
		return nn_errx(err, ECONNRESET,
			       "request %s %s on %s: the server closed the connection with no reply",
			       method, path, sock);
	if (nn_client_parse_reply(reply, rlen, &code, &rbody, &blen, &framed) < 0)
		return nn_errx(err, EIO,
			       "request %s %s on %s: the reply is not HTTP/1.1 "
			       "(%zu bytes)",
			       method, path, sock, rlen);
	*status = code;
	/* a success nobody reads (run's POST: the record) is not parsed */
	if (blen && (resp || code >= 400)) {
		json_error_t je;

		j = json_loadb(rbody, blen, 0, &je);
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

int nn_client_not_serving(const char *nest, const char *dir, struct nn_err *err)
{
	pid_t pid;

	/* child_pid is written after api.sock and removed after it: a live daemon whose
	 * api.sock nothing serves is stopping (the API stops first: nestd.c services_stop) */
	if (nn_state_child_pid(dir, &pid, NULL) == 0)
		return nn_errx(err, ESHUTDOWN, "nest %s is going down (daemon pid %d is stopping): "
			       "it takes no new requests", nest, (int)pid);
	return nn_state_not_running(nest, dir, err);
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
	if (nn_client_unserved(r, *status))
		return nn_client_not_serving(nest, dir, err);
	if (r == -ETIMEDOUT)
		nn_client_timed_out(nest, dir, err);
	return r;
}

void nn_client_timed_out(const char *nest, const char *dir, struct nn_err *err)
{
	pid_t pid;

	if (nn_state_child_pid(dir, &pid, NULL) == 0)
		nn_err_wrap(err, "nest %s: its daemon (pid %d) did not answer: is it stopped "
			    "(SIGSTOP) or stuck?", nest, (int)pid);
	else
		nn_err_wrap(err, "nest %s: its daemon did not answer", nest);
}

bool nn_client_unserved(int r, unsigned status)
{
	return (r == -ENOENT || r == -ECONNREFUSED || r == -ECONNRESET || r == -EPIPE) &&
	       status == 0;
}
