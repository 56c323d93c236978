/* SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef NN_UTIL_H
#define NN_UTIL_H

/* Cleanup helpers in the manner of bubblewrap and crun (utils.h there). */

#include <dirent.h>
#include <stdbool.h>
#include <stdlib.h>
#include <stdio.h>
#include <sys/types.h>
#include <unistd.h>

#include <jansson.h>

#include "err.h"

static inline void nn_freep(void *p) { free(*(void **)p); }
static inline void nn_closep(int *fd) { if (*fd >= 0) close(*fd); }
static inline void nn_fclosep(FILE **f) { if (*f) fclose(*f); }
static inline void nn_closedirp(DIR **d) { if (*d) closedir(*d); }
static inline void nn_json_decrefp(json_t **j) { json_decref(*j); } /* NULL is fine */

#define _cleanup_free_  __attribute__((cleanup(nn_freep)))
#define _cleanup_close_ __attribute__((cleanup(nn_closep)))
#define _cleanup_fclose_ __attribute__((cleanup(nn_fclosep)))
#define _cleanup_closedir_ __attribute__((cleanup(nn_closedirp)))
#define _cleanup_json_ __attribute__((cleanup(nn_json_decrefp)))

/* steal_pointer() - take ownership out of a cleanup variable */
#define steal_pointer(pp) ({ __typeof__(*(pp)) _p = *(pp); *(pp) = NULL; _p; })
/* steal_fd() - take an fd out of a _cleanup_close_ variable */
#define steal_fd(fdp) ({ int _fd = *(fdp); *(fdp) = -1; _fd; })

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

/**
 * nn_read_file() - read a whole small file into a NUL-terminated heap buffer
 * @dirfd: directory fd for a relative @path, or AT_FDCWD
 * @path:  file to read
 * @out:   on success, the contents (caller frees)
 * @len:   if not NULL, the length without the NUL
 * @err:   error object
 *
 * Return: 0, or the negative errno of open()/read() with @err naming @path.
 */
int nn_read_file(int dirfd, const char *path, char **out, size_t *len, struct nn_err *err);

/**
 * nn_write_file() - create or truncate @path and write @len bytes of @data
 * @dirfd: directory fd for a relative @path, or AT_FDCWD
 * @path:  file to write
 * @mode:  permission bits when the file is created
 * @data:  bytes to write
 * @len:   number of bytes
 * @err:   error object
 *
 * Writes to "<path>.tmp" and renames it over @path, so readers see old or new,
 * never half (rename(2)).
 * Return: 0, or the negative errno with @err naming @path.
 */
int nn_write_file(int dirfd, const char *path, mode_t mode, const void *data, size_t len,
		  struct nn_err *err);

/**
 * nn_write_sysctl() - write @val to the sysctl file @path, as `sysctl -w` does
 * @path:  a file under /proc/sys; under /proc/sys/net it is the calling thread's netns's
 *         (net/sysctl_net.c net_ctl_header_lookup)
 * @val:   the value, one line, with or without its newline
 * @where: the netns, for the message ("the nest's netns")
 * @err:   error object
 *
 * Return: 0, or the negative errno of open(2)/write(2) (-ENOENT: no such sysctl, e.g. no
 * IPv6 in the kernel) with @err saying "set @path to @val in @where".
 */
int nn_write_sysctl(const char *path, const char *val, const char *where, struct nn_err *err);

/**
 * nn_parse_uint() - parse a whole decimal string as an unsigned number in [@min, @max]
 * @s:   string; no sign, no spaces, no trailing text
 * @min: smallest accepted value
 * @max: largest accepted value
 * @out: the value
 *
 * Return: 0, -EINVAL if @s is not a decimal number, -ERANGE if outside [@min, @max].
 */
int nn_parse_uint(const char *s, unsigned long min, unsigned long max, unsigned long *out);

/**
 * nn_valid_name() - check a user-chosen name (nest, sandbox, attach NAME)
 * @name: the name
 * @max:  longest accepted length in bytes
 * @why:  on failure, set to a static string saying why ("contains '/'")
 *
 * Accepts [A-Za-z0-9][A-Za-z0-9_.-]* (the CNI container ID rule, CNI SPEC.md section 2),
 * so '/', "..", empty names and names over @max bytes are refused.
 * Return: true if valid.
 */
bool nn_valid_name(const char *name, size_t max, const char **why);

/**
 * nn_json_get_fold() - the member of @obj that Go's encoding/json decodes into a field @key
 * @obj: a JSON object (anything else has no members)
 * @key: the field's JSON name, ASCII ("parentIP")
 *
 * Go's json.Unmarshal matches an object key to a struct field "preferring an exact match
 * but also accepting a case-insensitive match" (encoding/json Unmarshal documentation), and
 * a later key sets the field again, so {"PROTO":"udp","proto":"tcp"} gives tcp.  For a
 * name of ASCII letters without 'k' or 's', as RootlessKit's PortSpec fields are, Go 1.19
 * (Debian 12's, which built its rootlesskit) folds ASCII letters only, bytes of equal
 * length (encoding/json fold.go simpleLetterEqualFold).  So: the last member in @obj's
 * order whose name equals @key ignoring ASCII case.  jansson keeps a repeated key at its
 * first place with its last value, which differs from Go only when a key comes twice
 * exactly and once in another case in between.
 * Return: the member (borrowed), or NULL.
 */
json_t *nn_json_get_fold(json_t *obj, const char *key);

/**
 * nn_close_inherited() - close every descriptor from 3 up that lacks FD_CLOEXEC
 *
 * netnest opens each of its own descriptors with O_CLOEXEC / SOCK_CLOEXEC, so one without
 * it came from whoever started the process: a long-lived daemon closes those, or it would
 * hold the caller's files, pipes and locks (flock(1)'s, say) for its whole life, as
 * daemon(7) asks of a SysV daemon.  Reads /proc/self/fd (proc(5)); does nothing without it.
 */
void nn_close_inherited(void);

#endif
