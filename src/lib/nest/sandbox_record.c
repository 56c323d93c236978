// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * sandbox_record.c - the sandbox service's records: the POST body, the record kept in memory
 * and in $STATE/sandboxes/<name>.json, the list (GET), the wait for a release and the ports
 * a record names (see sandbox.h; the lifecycle, create and teardown, is sandbox.c)
 */
#include <arpa/inet.h>
#include <errno.h>
#include <pthread.h>
#include <stdint.h>
#include <string.h>
#include <time.h>

#include "bypass.h"
#include "pidfd.h"
#include "portfwd.h"
#include "sandbox.h"
#include "sandbox_internal.h"
#include "state.h"
#include "util.h"

/* A request field: JSON string array (or absent) -> the array, type-checked. */
static int string_array(json_t *body, const char *key, size_t max, json_t **out, struct nn_err *err)
{
	json_t *a = json_object_get(body, key), *v;
	size_t i;

	*out = NULL;
	if (!a)
		return 0;
	if (!json_is_array(a) || json_array_size(a) > max)
		return nn_errx(err, EINVAL, "\"%s\" must be an array of at most %zu strings", key,
			       max);
	json_array_foreach(a, i, v)
		if (!json_is_string(v))
			return nn_errx(err, EINVAL, "\"%s\"[%zu] is not a string", key, i);
	*out = a;
	return 0;
}

bool nn_sandbox_name_ok(const char *name, const char **why)
{
	unsigned long v;

	if (!nn_valid_name(name, NN_NAME_MAX, why))
		return false;
	if (!strcmp(name, "nest")) {
		*why = "is reserved: exec and ns take 'nest' for the nest's own netns";
		return false;
	}
	if (nn_parse_uint(name, 1, INT32_MAX, &v) == 0) {
		*why = "is a number: exec and ns would take it for a PID";
		return false;
	}
	return true;
}

int nn_sandbox_parse_create(json_t *body, struct create_req *req, struct nn_err *err)
{
	json_t *name = json_object_get(body, "name"), *pid = json_object_get(body, "pid");
	const char *why;

	if (!json_is_object(body))
		return nn_errx(err, EINVAL, "sandbox request: body must be a JSON object");
	if (!json_is_string(name))
		return nn_errx(err, EINVAL, "sandbox request: \"name\" must be a string");
	req->name = json_string_value(name);
	if (!nn_sandbox_name_ok(req->name, &why))
		return nn_errx(err, EINVAL, "sandbox name '%s' %s", req->name, why);
	if (!json_is_integer(pid) || json_integer_value(pid) < 1 ||
	    json_integer_value(pid) > INT32_MAX)
		return nn_errx(err, EINVAL, "sandbox %s: \"pid\" must be a positive integer",
			       req->name);
	req->pid = (pid_t)json_integer_value(pid);
	if (string_array(body, "publish", NN_SANDBOX_PUBLISH_MAX, &req->publish, err) < 0 ||
	    string_array(body, "command", 4096, &req->command, err) < 0 ||
	    nn_bypass_parse(body, &req->bypass, &req->seccomp_fd, err) < 0)
		return nn_err_wrap(err, "sandbox %s", req->name);
	return 0;
}

/* "ip6", "prefix6", "gateway6": the IPv6 side of a record, null for an IPv4-only sandbox */
static json_t *record_ip6(const struct nn_nest *n, const struct in6_addr *ip6)
{
	char a[INET6_ADDRSTRLEN], gw[INET6_ADDRSTRLEN];

	if (!ip6)
		return json_pack("{s:n, s:n, s:n}", "ip6", "prefix6", "gateway6");
	inet_ntop(AF_INET6, ip6, a, sizeof(a));
	inet_ntop(AF_INET6, &n->cfg.bridge_ip6, gw, sizeof(gw));
	return json_pack("{s:s, s:i, s:s}", "ip6", a, "prefix6", (int)n->cfg.subnet6.prefix,
			 "gateway6", gw);
}

json_t *nn_sb_record(struct nn_nest *n, const struct create_req *req, unsigned long long starttime,
		     struct in_addr ip, const struct in6_addr *ip6,
		     const struct nn_sandbox_link *link, ino_t netns, json_t *ports)
{
	char a[INET_ADDRSTRLEN], gw[INET_ADDRSTRLEN];
	json_t *rec;

	inet_ntop(AF_INET, &ip, a, sizeof(a));
	inet_ntop(AF_INET, &n->cfg.bridge_ip, gw, sizeof(gw));
	rec = json_pack("{s:s, s:i, s:I, s:s, s:i, s:s, s:s, s:s, s:s, s:I, s:O, s:o}", "name",
			req->name, "pid", (int)req->pid, "starttime", (json_int_t)starttime, "ip",
			a, "prefix", (int)n->cfg.subnet.prefix, "gateway", gw, "veth", link->veth,
			"ifname", NN_SANDBOX_IFNAME, "mac", link->mac, "netns", (json_int_t)netns,
			"ports", ports, "command",
			req->command ? json_deep_copy(req->command) : json_array());
	if (rec && json_object_update_new(rec, record_ip6(n, ip6)) < 0) {
		json_decref(rec);
		return NULL;
	}
	return rec;
}

int nn_sb_record_write(struct nn_sandboxes *s, const char *name, json_t *rec, struct nn_err *err)
{
	_cleanup_free_ char *text = json_dumps(rec, JSON_INDENT(2));
	char file[NN_NAME_MAX + 8];

	if (!text)
		return nn_err(err, ENOMEM, "sandbox %s: record", name);
	snprintf(file, sizeof(file), "%s.json", name);
	return nn_write_file(s->dirfd, file, 0644, text, strlen(text), err);
}

int nn_sandbox_publish(struct nn_nest *n, const char *name, struct nn_portspec *spec, int *id,
		       struct nn_err *err)
{
	struct nn_sandboxes *s = nn_sb_of(n);
	struct sandbox *sb;
	struct nn_err ignore;
	int r;

	if (!s)
		return nn_err(err, ESHUTDOWN,
			      "publish a port of sandbox %s: the sandbox service "
			      "is not running",
			      name);
	pthread_mutex_lock(&s->lock);
	sb = nn_sb_find_locked(s, name);
	if (!sb) {
		pthread_mutex_unlock(&s->lock);
		return nn_errx(err, ENOENT, "no sandbox named %s", name);
	}
	nn_sb_target(spec, sb->ip, sb->has_ip6 ? &sb->ip6 : NULL);
	r = nn_ports_add(n, spec, name, id, err);
	if (r == 0) {
		json_array_append_new(json_object_get(sb->record, "ports"), json_integer(*id));
		r = nn_sb_record_write(s, name, sb->record, err);
		if (r < 0) {
			json_array_remove(json_object_get(sb->record, "ports"),
					  json_array_size(json_object_get(sb->record, "ports")) -
						  1);
			nn_ports_remove(n, *id, &ignore);
		}
	}
	pthread_mutex_unlock(&s->lock);
	return r;
}

int nn_sandbox_unpublish(struct nn_nest *n, int id, struct nn_err *err)
{
	struct nn_sandboxes *s = nn_sb_of(n);
	struct nn_err ignore;
	json_t *ports, *v;
	size_t i;
	int r;

	if (!s)
		return nn_ports_remove(n, id, err);
	pthread_mutex_lock(&s->lock);
	r = nn_ports_remove(n, id, err);
	for (struct sandbox *sb = s->list; r == 0 && sb; sb = sb->next) {
		ports = json_object_get(sb->record, "ports");
		json_array_foreach(ports, i, v) {
			if (json_integer_value(v) != id)
				continue;
			json_array_remove(ports, i);
			nn_sb_record_write(s, sb->name, sb->record, &ignore);
			break;
		}
	}
	pthread_mutex_unlock(&s->lock);
	return r;
}

/* A record for the API: the record plus "publish": the port specs it owns. */
static json_t *api_record(struct sandbox *sb, json_t *ports)
{
	json_t *out = json_deep_copy(sb->record), *pub = json_array(), *p;
	size_t i;

	json_array_foreach(ports, i, p) {
		json_t *owner = json_object_get(p, "sandbox");

		if (json_is_string(owner) && !strcmp(json_string_value(owner), sb->name))
			json_array_append(pub, p);
	}
	json_object_set_new(out, "publish", pub);
	json_object_set_new(out, "bypass",
			    nn_bypass_json(sb->bp,
					   json_integer_value(json_object_get(sb->record, "pid"))));
	return out;
}

static int cmp_name(const void *a, const void *b)
{
	return strcmp((*(struct sandbox *const *)a)->name, (*(struct sandbox *const *)b)->name);
}

int nn_sb_api_list(struct nn_nest *n, const char *path, json_t *body, json_t **resp,
		   unsigned *status, struct nn_err *err)
{
	struct nn_sandboxes *s = nn_sb_of(n);
	_cleanup_free_ struct sandbox **v = NULL;
	json_t *ports, *arr;
	size_t cnt = 0, i = 0;

	(void)path, (void)body, (void)status;
	if (!s)
		return nn_err(err, ESHUTDOWN,
			      "list sandboxes: the sandbox service is not "
			      "running");
	ports = nn_ports_list(n);
	arr = json_array();
	pthread_mutex_lock(&s->lock);
	for (struct sandbox *sb = s->list; sb; sb = sb->next)
		cnt++;
	v = calloc(cnt + 1, sizeof(*v));
	for (struct sandbox *sb = s->list; v && sb; sb = sb->next)
		v[i++] = sb;
	if (v) {
		qsort(v, cnt, sizeof(*v), cmp_name);
		for (i = 0; i < cnt; i++)
			json_array_append_new(arr, api_record(v[i], ports));
	}
	pthread_mutex_unlock(&s->lock);
	json_decref(ports);
	if (!v || !arr) {
		json_decref(arr);
		return nn_err(err, ENOMEM, "list sandboxes");
	}
	*resp = json_pack("{s:o}", "sandboxes", arr);
	return 0;
}

/* the sandbox named @name whose main process is @pid while it holds its name, ports or
 * lease, else NULL; lock held */
static struct sandbox *holding_locked(struct nn_sandboxes *s, const char *name, pid_t pid)
{
	for (struct sandbox *sb = s->all; sb; sb = sb->all_next)
		if (sb->pid == pid && (sb->listed || sb->leased) && !strcmp(sb->name, name))
			return sb;
	return NULL;
}

int nn_sb_api_wait(struct nn_nest *n, const char *path, json_t *body, json_t **resp,
		   unsigned *status, struct nn_err *err)
{
	struct nn_sandboxes *s = nn_sb_of(n);
	const char *name = path + strlen(NN_SANDBOX_API), *end, *why;
	json_t *pid = json_object_get(body, "pid");
	char buf[NN_NAME_MAX + 1];
	struct timespec until;
	struct sandbox *sb;
	int r = 0;

	(void)resp, (void)status;
	end = *name == '/' ? strchr(name + 1, '/') : NULL;
	if (!end || strcmp(end, "/wait"))
		return nn_errx(err, ENOENT, "POST %s: no such endpoint", path);
	if ((size_t)(end - name - 1) > NN_NAME_MAX)
		return nn_errx(err, EINVAL, "POST %s: sandbox name longer than %d bytes", path,
			       NN_NAME_MAX);
	snprintf(buf, sizeof(buf), "%.*s", (int)(end - name - 1), name + 1);
	if (!nn_sandbox_name_ok(buf, &why))
		return nn_errx(err, EINVAL, "POST %s: sandbox name '%s' %s", path, buf, why);
	if (!json_is_integer(pid) || json_integer_value(pid) < 1 ||
	    json_integer_value(pid) > INT32_MAX)
		return nn_errx(err, EINVAL,
			       "wait for sandbox %s: \"pid\" must be a positive integer", buf);
	if (!s)
		return nn_err(err, ESHUTDOWN,
			      "wait for sandbox %s: the sandbox service is not running", buf);
	clock_gettime(CLOCK_MONOTONIC, &until);
	until.tv_sec += WAIT_MAX_S;
	pthread_mutex_lock(&s->lock);
	while (r == 0 && (sb = holding_locked(s, buf, (pid_t)json_integer_value(pid)))) {
		/* its exit is known to the pidfd before the watcher has read it */
		if (sb->listed && !nn_pidfd_wait(sb->pidfd, 0))
			r = nn_errx(err, EINVAL, "wait for sandbox %s: its process %d is running",
				    buf, (int)sb->pid);
		else if (pthread_cond_timedwait(&s->unwired, &s->lock, &until) == ETIMEDOUT)
			r = nn_errx(err, ETIMEDOUT,
				    "wait for sandbox %s: still not released after %d s", buf,
				    WAIT_MAX_S);
	}
	pthread_mutex_unlock(&s->lock);
	return r;
}
