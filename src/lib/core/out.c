// SPDX-License-Identifier: GPL-2.0-or-later
/* out.c - one print call for text and JSON (see out.h) */
#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "out.h"

/* Each field prints with the format its caller gives (out.h), as iproute2's print_*() do. */
#pragma GCC diagnostic ignored "-Wformat-nonliteral"

#define NN_OUT_DEPTH 32

struct nn_out {
	FILE *stream;
	bool json;
	int depth;
	json_t *stack[NN_OUT_DEPTH];
};

struct nn_out *nn_out_new(FILE *stream, bool json)
{
	struct nn_out *o = calloc(1, sizeof(*o));

	if (!o)
		return NULL;
	o->stream = stream;
	o->json = json;
	if (json) {
		o->stack[0] = json_object();
		o->depth = 1;
	}
	return o;
}

bool nn_out_json(const struct nn_out *o)
{
	return o->json;
}

/* utf8_len() - length of the valid UTF-8 sequence at @s (RFC 3629), or 0 if invalid */
static size_t utf8_len(const unsigned char *s)
{
	size_t n;

	if (s[0] < 0x80)
		return 1;
	if (s[0] >= 0xc2 && s[0] <= 0xdf)
		n = 2;
	else if (s[0] >= 0xe0 && s[0] <= 0xef)
		n = 3;
	else if (s[0] >= 0xf0 && s[0] <= 0xf4)
		n = 4;
	else
		return 0;
	for (size_t i = 1; i < n; i++)
		if ((s[i] & 0xc0) != 0x80)
			return 0;
	if ((s[0] == 0xe0 && s[1] < 0xa0) || (s[0] == 0xed && s[1] > 0x9f) ||
	    (s[0] == 0xf0 && s[1] < 0x90) || (s[0] == 0xf4 && s[1] > 0x8f))
		return 0; /* overlong, surrogate, or beyond U+10FFFF */
	return n;
}

json_t *nn_json_text(const char *val)
{
	const unsigned char *p = (const unsigned char *)val;
	json_t *j = json_string(val);
	char *buf, *q;

	if (j)
		return j;
	buf = malloc(strlen(val) * 4 + 1);
	if (!buf)
		return json_null();
	for (q = buf; *p;) {
		size_t n = utf8_len(p);

		if (n) {
			memcpy(q, p, n);
			q += n;
			p += n;
		} else {
			q += sprintf(q, "\\x%02x", *p++);
		}
	}
	*q = '\0';
	j = json_string(buf);
	free(buf);
	return j ? j : json_null();
}

/* add @v to the innermost container under @key; steals @v */
static void put(struct nn_out *o, const char *key, json_t *v)
{
	json_t *top = o->stack[o->depth - 1];

	if (json_is_array(top))
		json_array_append_new(top, v);
	else if (key)
		json_object_set_new(top, key, v);
	else
		json_decref(v);
}

/* a field is stored when it has a key, or when it is an element of an array */
static bool wanted(const struct nn_out *o, const char *key)
{
	return key || json_is_array(o->stack[o->depth - 1]);
}

static void open_container(struct nn_out *o, const char *key, json_t *c)
{
	if (!o->json || o->depth >= NN_OUT_DEPTH) {
		json_decref(c); /* text has no containers; made by the caller all the same */
		return;
	}
	json_incref(c);
	put(o, key, c);
	o->stack[o->depth++] = c;
	json_decref(c);
}

void nn_out_open_object(struct nn_out *o, const char *key)
{
	open_container(o, key, json_object());
}

void nn_out_open_array(struct nn_out *o, const char *key)
{
	open_container(o, key, json_array());
}

void nn_out_close(struct nn_out *o)
{
	if (o->json && o->depth > 1)
		o->depth--;
}

void nn_out_string(struct nn_out *o, const char *key, const char *fmt, const char *val)
{
	if (o->json) {
		if (wanted(o, key))
			put(o, key, val ? nn_json_text(val) : json_null());
	} else if (fmt) {
		fprintf(o->stream, fmt, val ? val : "-");
	}
}

void nn_out_uint(struct nn_out *o, const char *key, const char *fmt, uint64_t val)
{
	if (o->json) {
		if (wanted(o, key))
			put(o, key, json_integer((json_int_t)val));
	} else if (fmt) {
		fprintf(o->stream, fmt, val);
	}
}

void nn_out_int(struct nn_out *o, const char *key, const char *fmt, int64_t val)
{
	if (o->json) {
		if (wanted(o, key))
			put(o, key, json_integer((json_int_t)val));
	} else if (fmt) {
		fprintf(o->stream, fmt, val);
	}
}

void nn_out_bool(struct nn_out *o, const char *key, const char *fmt, bool val)
{
	if (o->json) {
		if (wanted(o, key))
			put(o, key, json_boolean(val));
	} else if (fmt) {
		fprintf(o->stream, fmt, val ? "yes" : "no");
	}
}

void nn_out_null(struct nn_out *o, const char *key, const char *fmt)
{
	if (o->json) {
		if (wanted(o, key))
			put(o, key, json_null());
	} else if (fmt) {
		fprintf(o->stream, fmt, "-");
	}
}

void nn_out_text(struct nn_out *o, const char *fmt, ...)
{
	va_list ap;

	if (o->json)
		return;
	va_start(ap, fmt);
	vfprintf(o->stream, fmt, ap);
	va_end(ap);
}

int nn_out_finish(struct nn_out *o)
{
	int ret = 0;

	if (!o)
		return 0;
	if (o->json) {
		if (json_dumpf(o->stack[0], o->stream, JSON_INDENT(2) | JSON_PRESERVE_ORDER) < 0)
			ret = -EIO;
		fputc('\n', o->stream);
		json_decref(o->stack[0]);
	}
	if (fflush(o->stream) != 0)
		ret = -EIO;
	free(o);
	return ret;
}
