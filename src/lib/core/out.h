/* SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef NN_OUT_H
#define NN_OUT_H

/*
 * One call per field for text and JSON, in the manner of iproute2's
 * print_*(PRINT_ANY, key, fmt, value) (iproute2 include/json_print.h): in text mode
 * the value is printed with @fmt (nothing when @fmt is NULL); in JSON mode it is
 * written under @key (nothing when @key is NULL) into a document held in memory, which
 * nn_out_finish() writes to the stream in one go, laid out as jansson's
 * json_dumpf(JSON_INDENT(2) | JSON_PRESERVE_ORDER) lays out the same tree.  Members
 * are written as they come, so each key is given once per object (as iproute2 has it).
 */

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include <jansson.h>

struct nn_out;

/**
 * nn_json_text() - a JSON string of @val that json_string() cannot refuse
 * @val: NUL-terminated bytes: a file name, a command line, a request path
 *
 * Bytes that are not UTF-8 (RFC 3629; jansson refuses them) are written as the text
 * "\xNN", so the value is kept with its stray bytes visible instead of vanishing.
 * Return: a new reference; JSON null on ENOMEM.
 */
json_t *nn_json_text(const char *val);

/**
 * nn_shell_word() - append @arg to @out as one word a POSIX shell reads back as @arg
 * @out: NUL-terminated text to append to; cut (still NUL-terminated) when @n is short
 * @n:   size of @out in bytes
 * @arg: the word
 *
 * For a one-line listing of an argv (`ps`, as `docker ps` quotes its COMMAND): a word of
 * letters, digits and [%+,./:=@_-] alone is appended as it is; any other, and the empty
 * word, in single quotes with each ' as '\'' (POSIX sh, 2.2.3); a control byte (below
 * 0x20, and 0x7f) as '?', as ls(1) -q shows it, so that a row stays one line.
 */
void nn_shell_word(char *out, size_t n, const char *arg);

/**
 * nn_out_new() - start an output document
 * @stream: where text goes at once and JSON goes at nn_out_finish() (not owned)
 * @json:   true for JSON, false for text
 *
 * The JSON root is an object; open arrays/objects under it with the calls below.  An
 * object or array opened under an object without a key is left out, with all it holds.
 * Return: the printer (free with nn_out_finish()), or NULL on ENOMEM.
 */
struct nn_out *nn_out_new(FILE *stream, bool json);

/** nn_out_json() - true if @o renders JSON (for text-only decorations) */
bool nn_out_json(const struct nn_out *o);

/** nn_out_open_object() - open an object under @key (NULL inside an array) */
void nn_out_open_object(struct nn_out *o, const char *key);
/** nn_out_open_array() - open an array under @key (NULL inside an array) */
void nn_out_open_array(struct nn_out *o, const char *key);
/** nn_out_close() - close the innermost open object or array */
void nn_out_close(struct nn_out *o);

/*
 * Fields: @key for JSON (NULL: text only, except inside an array, where values are
 * elements and @key is ignored), @fmt for text (NULL: JSON only). Fields return
 * nothing: when the document cannot grow, nn_out_finish() says so.
 */

/**
 * nn_out_string() - a string field
 * @o:   the printer
 * @key: JSON key (see above for NULL)
 * @fmt: printf(3) format with one %s for text, or NULL
 * @val: the value, or NULL for JSON null and "-" in text; bytes that are not UTF-8
 *       (RFC 3629) are stored in JSON as the text "\xNN"
 */
void nn_out_string(struct nn_out *o, const char *key, const char *fmt, const char *val);
/**
 * nn_out_uint() - an unsigned integer field
 * @o:   the printer
 * @key: JSON key (see above for NULL)
 * @fmt: printf(3) format with one 64-bit conversion (%llu, PRIu64) for text, or NULL
 * @val: the value, stored as a JSON integer (json_int_t: above INT64_MAX it is negative)
 */
void nn_out_uint(struct nn_out *o, const char *key, const char *fmt, uint64_t val);
/**
 * nn_out_int() - a signed integer field
 * @o:   the printer
 * @key: JSON key (see above for NULL)
 * @fmt: printf(3) format with one 64-bit conversion (%lld, PRId64) for text, or NULL
 * @val: the value, stored as a JSON integer
 */
void nn_out_int(struct nn_out *o, const char *key, const char *fmt, int64_t val);
/**
 * nn_out_bool() - a boolean field
 * @o:   the printer
 * @key: JSON key (see above for NULL)
 * @fmt: printf(3) format with one %s for text, which gets "yes" or "no"; or NULL
 * @val: the value, stored as JSON true or false
 */
void nn_out_bool(struct nn_out *o, const char *key, const char *fmt, bool val);
/** nn_out_null() - JSON null under @key; in text prints @fmt with "-" */
void nn_out_null(struct nn_out *o, const char *key, const char *fmt);

/** nn_out_text() - text-only output (newlines, indentation, headers) */
void nn_out_text(struct nn_out *o, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/**
 * nn_out_finish() - close what is still open, write the JSON document (if any) with a
 * newline in one fwrite(3), flush the stream and free @o
 * Return: 0, -ENOMEM if the document could not be held in memory (nothing is written),
 * or -EIO if writing to the stream failed.
 */
int nn_out_finish(struct nn_out *o);

#endif
