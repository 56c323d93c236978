// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * out.c - one print call for text and JSON (see out.h)
 *
 * JSON is written as the calls come, into one buffer that nn_out_finish() hands to the
 * stream in a single write.  It used to be a jansson tree dumped with json_dumpf(), whose
 * layout it keeps byte for byte (jansson 2.14 src/dump.c do_dump() and dump_string() with
 * JSON_INDENT(2)): over 300 netns, `netnest topo --json` spent 3 ms building the tree and
 * 4 to 9 ms in json_dumpf(), which calls fwrite() once per token and checks each container
 * against its parents in a hash table.
 */
#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "out.h"

/* Each field prints with the format its caller gives (out.h), as iproute2's print_*() do. */
#pragma GCC diagnostic ignored "-Wformat-nonliteral"

#define NN_OUT_DEPTH 32

/* An open object or array of the JSON document. */
struct frame {
	bool array;
	bool skip; /* left out (an object's member without a key): so is all inside */
	size_t n; /* members written so far */
};

struct nn_out {
	FILE *stream;
	bool json;
	bool nomem; /* the buffer could not grow: nothing is written */
	int depth; /* open frames, the root object's included */
	struct frame stack[NN_OUT_DEPTH];
	char *buf; /* the JSON document so far */
	size_t len, cap;
};

struct nn_out *nn_out_new(FILE *stream, bool json)
{
	struct nn_out *o = calloc(1, sizeof(*o));

	if (!o)
		return NULL;
	o->stream = stream;
	o->json = json;
	if (json) {
		o->stack[0] = (struct frame){ .array = false };
		o->depth = 1;
		o->cap = 4096;
		o->buf = malloc(o->cap);
		if (!o->buf) {
			free(o);
			return NULL;
		}
		o->buf[o->len++] = '{';
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

/* room() - room for @n more bytes in the buffer of @o; false (and @o->nomem) if none */
static bool room(struct nn_out *o, size_t n)
{
	size_t cap = o->cap;
	char *p;

	if (o->nomem)
		return false;
	if (o->len + n <= o->cap)
		return true;
	while (cap < o->len + n)
		cap *= 2;
	p = realloc(o->buf, cap);
	if (!p) {
		o->nomem = true;
		return false;
	}
	o->buf = p;
	o->cap = cap;
	return true;
}

/* put() - append @n bytes at @s; the caller made room() */
static void put(struct nn_out *o, const char *s, size_t n)
{
	memcpy(o->buf + o->len, s, n);
	o->len += n;
}

/* newline() - a newline and the indentation of @depth levels (JSON_INDENT(2)) */
static void newline(struct nn_out *o, int depth)
{
	o->buf[o->len++] = '\n';
	memset(o->buf + o->len, ' ', 2 * (size_t)depth);
	o->len += 2 * (size_t)depth;
}

/*
 * put_string() - @val as a JSON string, as json_dumpf() wrote nn_json_text(@val): the
 * quote, the backslash and control characters escaped (as \n, \t, ..., else \u00XX),
 * valid UTF-8 kept, and any other byte as the text \xNN (its backslash escaped)
 */
static void put_string(struct nn_out *o, const char *val)
{
	static const char from[] = "\"\\\b\f\n\r\t", to[] = "\"\\bfnrt";
	const unsigned char *p = (const unsigned char *)val;
	const char *k;
	char *w;

	if (!room(o, strlen(val) * 6 + 2)) /* \u00XX: 6 bytes for 1, and the quotes */
		return;
	w = o->buf + o->len;
	*w++ = '"';
	while (*p) {
		const unsigned char *q = p;
		size_t n;

		while (*q >= 0x20 && *q < 0x80 && *q != '"' && *q != '\\')
			q++;
		memcpy(w, p, (size_t)(q - p));
		w += q - p;
		p = q;
		if (!*p)
			break;
		if (*p >= 0x80) {
			n = utf8_len(p);
			if (n) {
				memcpy(w, p, n);
				w += n;
				p += n;
			} else {
				w += sprintf(w, "\\\\x%02x", *p++);
			}
			continue;
		}
		k = memchr(from, *p, sizeof(from) - 1);
		if (k) {
			*w++ = '\\';
			*w++ = to[k - from];
		} else {
			w += sprintf(w, "\\u%04X", *p);
		}
		p++;
	}
	*w++ = '"';
	o->len = (size_t)(w - o->buf);
}

/* put_int() - @v in decimal, as "%lld" */
static void put_int(struct nn_out *o, int64_t v)
{
	char d[24], *e = d + sizeof(d), *q = e;
	uint64_t u = v < 0 ? -(uint64_t)v : (uint64_t)v;

	do
		*--q = (char)('0' + u % 10);
	while (u /= 10);
	if (v < 0)
		*--q = '-';
	if (room(o, (size_t)(e - q)))
		put(o, q, (size_t)(e - q));
}

/*
 * member() - start a member of the innermost container: the comma, the newline and
 * indentation, and in an object the key.  A member of an object needs a key (an array's
 * members have none: @key is ignored).  Return: false when it is left out.
 */
static bool member(struct nn_out *o, const char *key)
{
	struct frame *f = &o->stack[o->depth - 1];

	if (f->skip || (!f->array && !key) || !room(o, 2 + 2 * (size_t)o->depth))
		return false;
	if (f->n++)
		o->buf[o->len++] = ',';
	newline(o, o->depth);
	if (!f->array) {
		put_string(o, key);
		if (room(o, 2))
			put(o, ": ", 2);
	}
	return true;
}

/* literal() - a member @key with the bytes @s (null, true, false) */
static void literal(struct nn_out *o, const char *key, const char *s)
{
	size_t n = strlen(s);

	if (member(o, key) && room(o, n))
		put(o, s, n);
}

static void open_container(struct nn_out *o, const char *key, bool array)
{
	bool in;

	if (!o->json || o->depth >= NN_OUT_DEPTH)
		return; /* text has no containers */
	in = member(o, key);
	if (in && room(o, 1))
		o->buf[o->len++] = array ? '[' : '{';
	o->stack[o->depth++] = (struct frame){ .array = array, .skip = !in };
}

void nn_out_open_object(struct nn_out *o, const char *key)
{
	open_container(o, key, false);
}

void nn_out_open_array(struct nn_out *o, const char *key)
{
	open_container(o, key, true);
}

/* close_frame() - write the end of the innermost container and leave it */
static void close_frame(struct nn_out *o)
{
	const struct frame *f = &o->stack[--o->depth];

	if (f->skip || !room(o, 2 + 2 * (size_t)o->depth))
		return;
	if (f->n)
		newline(o, o->depth);
	o->buf[o->len++] = f->array ? ']' : '}';
}

void nn_out_close(struct nn_out *o)
{
	if (o->json && o->depth > 1)
		close_frame(o);
}

void nn_out_string(struct nn_out *o, const char *key, const char *fmt, const char *val)
{
	if (o->json) {
		if (!val)
			literal(o, key, "null");
		else if (member(o, key))
			put_string(o, val);
	} else if (fmt) {
		fprintf(o->stream, fmt, val ? val : "-");
	}
}

void nn_out_uint(struct nn_out *o, const char *key, const char *fmt, uint64_t val)
{
	if (o->json) {
		if (member(o, key))
			put_int(o, (int64_t)val);
	} else if (fmt) {
		fprintf(o->stream, fmt, val);
	}
}

void nn_out_int(struct nn_out *o, const char *key, const char *fmt, int64_t val)
{
	if (o->json) {
		if (member(o, key))
			put_int(o, val);
	} else if (fmt) {
		fprintf(o->stream, fmt, val);
	}
}

void nn_out_bool(struct nn_out *o, const char *key, const char *fmt, bool val)
{
	if (o->json)
		literal(o, key, val ? "true" : "false");
	else if (fmt)
		fprintf(o->stream, fmt, val ? "yes" : "no");
}

void nn_out_null(struct nn_out *o, const char *key, const char *fmt)
{
	if (o->json)
		literal(o, key, "null");
	else if (fmt)
		fprintf(o->stream, fmt, "-");
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
		while (o->depth > 0) /* what the caller left open, then the root */
			close_frame(o);
		if (room(o, 1))
			o->buf[o->len++] = '\n';
		if (o->nomem)
			ret = -ENOMEM;
		else if (fwrite(o->buf, 1, o->len, o->stream) != o->len)
			ret = -EIO;
		free(o->buf);
	}
	if (fflush(o->stream) != 0 && !ret)
		ret = -EIO;
	free(o);
	return ret;
}

void nn_shell_word(char *out, size_t n, const char *arg)
{
	static const char safe[] = "%+,./:=@_-";
	size_t len = strlen(out);
	bool plain = *arg;

	for (const char *c = arg; *c && plain; c++)
		plain = isalnum((unsigned char)*c) || strchr(safe, *c);
	if (plain) {
		snprintf(out + len, n - len, "%s", arg);
		return;
	}
	snprintf(out + len, n - len, "'");
	for (const char *c = arg; *c; c++) {
		len = strlen(out);
		if (*c == '\'')
			snprintf(out + len, n - len, "'\\''");
		else
			snprintf(out + len, n - len, "%c",
				 (unsigned char)*c < 0x20 || *c == 0x7f ? '?' : *c);
	}
	len = strlen(out);
	snprintf(out + len, n - len, "'");
}
