/*
 * Internal declarations shared by the modules of src/core (and, through it, by the
 * service modules). Nothing here is part of the public ABI.
 */
#ifndef ERPLINK_CORE_INTERNAL_H
#define ERPLINK_CORE_INTERNAL_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "erplink/error.h"
#include "erplink/limits.h"
#include "erplink/value.h"

#if defined(__GNUC__)
#define ERPLINK_PRINTF(f, a) __attribute__((format(printf, f, a)))
#define ERPLINK_LIKELY(x) __builtin_expect(!!(x), 1)
#define ERPLINK_UNLIKELY(x) __builtin_expect(!!(x), 0)
#else
#define ERPLINK_PRINTF(f, a)
#define ERPLINK_LIKELY(x) (x)
#define ERPLINK_UNLIKELY(x) (x)
#endif

/* ---------------------------------------------------------------- errors */

/* Full form: records every field of the calling thread's last error and returns code.
 * http_status 0 = none; remote_class/detail may be NULL; retry_after_ms -1 = unknown.
 * The detail is truncated to ERPLINK_DETAIL_MAX bytes (at a UTF-8 boundary) with a note. */
#define ERPLINK_DETAIL_MAX (64 * 1024)
int erplink__error_setx(int code, int http_status, const char *remote_class, const char *detail, size_t detail_len,
                        int64_t retry_after_ms, const char *fmt, ...) ERPLINK_PRINTF(7, 8);
/* Short form: code + printf message. */
int erplink__error_setf(int code, const char *fmt, ...) ERPLINK_PRINTF(2, 3);
/* Adds context in front of the current message ("decoding response: " + old). */
void erplink__error_prefix(const char *fmt, ...) ERPLINK_PRINTF(1, 2);
/* Records the HTTP status on the current last error when it has none yet (no-op otherwise). */
void erplink__error_annotate_http(int http_status);
/* Saves/restores the last error across cleanup code that may fail itself. */
typedef struct erplink__error_saved erplink__error_saved;
erplink__error_saved *erplink__error_save(void);
void erplink__error_restore(erplink__error_saved *s);
/* Moves the thread's last error into a new object when its code is `code` (otherwise makes one
 * with the generic message of `code`); NULL when out of memory. */
erplink_error *erplink__error_take_last(int code);
/* Makes a copy of e the thread's last error; returns e's code (0 for NULL). */
int erplink__error_set_from(const erplink_error *e);

/* ---------------------------------------------------------------- buffer */

typedef struct erplink_buf {
  char *ptr; /* always NUL-terminated when cap > 0 */
  size_t len;
  size_t cap;
  bool oom;    /* sticky: set when an append failed */
  bool secret; /* wipe on free */
} erplink_buf;

#define ERPLINK_BUF_INIT                                                                                               \
  { NULL, 0, 0, false, false }
int erplink_buf_grow(erplink_buf *b, size_t extra);
int erplink_buf_put(erplink_buf *b, const void *data, size_t len);
int erplink_buf_puts(erplink_buf *b, const char *s);
int erplink_buf_putc(erplink_buf *b, char c);
int erplink_buf_printf(erplink_buf *b, const char *fmt, ...) ERPLINK_PRINTF(2, 3);
/* Detach: returns ptr (never NULL on success: "" for empty) and resets b. */
char *erplink_buf_detach(erplink_buf *b, size_t *len_out);
void erplink_buf_free(erplink_buf *b);
void erplink_buf_clear(erplink_buf *b);

/* ---------------------------------------------------------------- utilities */

void erplink__wipe(void *p, size_t n);
/* Validates UTF-8 (rejects overlongs, surrogates, > U+10FFFF). */
bool erplink__utf8_valid(const char *s, size_t len);
/* Locale-independent double formatting: the shortest text that round-trips (subnormals
 * included), in the layout of Python's repr() ("0.1", "100.0", "1e+16", "5e-324"); returns
 * the length. buf must hold 32 bytes. Non-finite values print as "inf", "-inf", "nan". */
size_t erplink__fmt_double(char *buf, double d);
/* Locale-independent strict parse of the whole [s, s+len): returns false on garbage. */
bool erplink__parse_double(const char *s, size_t len, double *out);
/* Strict decimal int64 parse of the whole [s, s+len) with optional sign; false on
 * garbage, *overflow set when the digits are valid but out of range. */
bool erplink__parse_int64(const char *s, size_t len, int64_t *out, bool *overflow);
/* Advises the kernel that [p, p + n), about to be filled densely, may use huge pages (their
 * whole 2 MiB pages inside it only; a no-op for small ranges and where unsupported). arena.c */
void erplink__advise_huge(void *p, size_t n);
/* Monotonic and wall clocks, in milliseconds / microseconds. */
int64_t erplink__now_mono_ms(void);
int64_t erplink__now_wall_ms(void);
/* Sleeps up to ms, in slices, stopping early (returning 1) when cancel(ud) returns non-zero or a
 * cancellation token pushed on this thread fires. */
int erplink__sleep_ms(int64_t ms, int (*cancel)(void *), void *ud);
/* ---------------------------------------------------------------- cancellation (cancel.c) */
/* Has a token pushed on this thread fired (runs the tokens' poll functions)? */
bool erplink__cancel_requested(void);
/* Does this thread watch any token (so that waits must poll)? */
bool erplink__cancel_watched(void);
/* Frees a string (NULL is a no-op), wiping it first when it holds a secret. */
void erplink__free_str(char *s, bool secret);
/* Replaces *slot by a copy of v (NULL clears it), freeing the old value (wiped when secret).
 * 0 or ERPLINK_ENOMEM (last error set; *slot unchanged). */
int erplink__set_str(char **slot, const char *v, bool secret);
/* Does s hold a control character (C0 or DEL; tab allowed when allow_tab)? */
bool erplink__has_ctl(const char *s, bool allow_tab);
/* Case-insensitive ASCII comparisons. */
bool erplink__ascii_ieq(const char *a, size_t alen, const char *b);
/* Does this key (header name, struct member, form field, query parameter) name a credential? */
bool erplink__is_secret_name(const char *name, size_t len);

/* ---------------------------------------------------------------- base64 (crypto.c)
 * The one base64 implementation; flags are the ERPLINK_BASE64_* values of erplink/crypto.h. */
size_t erplink__base64_encoded_len(size_t len, unsigned flags);
/* Writes exactly erplink__base64_encoded_len() characters (no NUL); returns that length. */
size_t erplink__base64_encode_to(char *out, const void *data, size_t len, unsigned flags);
/* Appends the encoding to b; 0 or ERPLINK_ENOMEM (b->oom set). */
int erplink__base64_put(erplink_buf *b, const void *data, size_t len, unsigned flags);
/* Output room needed to decode len characters. */
size_t erplink__base64_decoded_max(size_t len);
/* Decodes into p (erplink__base64_decoded_max(len) bytes); 0, or ERPLINK_EINVAL with a message
 * naming the offset and the problem. */
int erplink__base64_decode_to(unsigned char *p, size_t *out_len, const char *text, size_t len, unsigned flags);

/* ---------------------------------------------------------------- values */

typedef struct erplink_arena erplink_arena;

typedef struct erplink_member {
  const char *key;
  size_t key_len;
  erplink_value *val;
} erplink_member;

typedef struct erplink_datetime {
  int16_t year;
  uint8_t month, day, hour, minute, second;
  uint32_t usec;
} erplink_datetime;

enum {
  ERPLINK_VF_ARENA = 1u << 0,      /* node lives in an arena (read-only tree) */
  ERPLINK_VF_ARENA_ROOT = 1u << 1, /* node is the first allocation of its arena: freeing it frees the arena */
  ERPLINK_VF_CHILD = 1u << 2,      /* node is inside a container */
  ERPLINK_VF_SECRET = 1u << 3      /* secret string */
};

struct erplink_value {
  uint8_t type;
  uint8_t flags;
  union {
    int b;
    int64_t i;
    double d;
    struct {
      char *ptr;
      size_t len;
    } s; /* string and bytes; NUL-terminated */
    erplink_datetime dt;
    struct {
      erplink_value **items;
      size_t len, cap;
    } a;
    struct {
      erplink_member *m;
      size_t len, cap;
    } st;
  } u;
};

/* Hands out the subtree `sub` of the tree `root` (a root value: decoded or built) as a root of
 * its own, without copying a decoded tree: *out receives the value that now stands for sub, and
 * erplink_value_free(*out) releases the whole of root's tree (the rest of it is unreachable until
 * then: an envelope around a result costs no copy of the result). A built (heap) tree is
 * cloned instead. root is consumed in every case, and must not be used afterwards (nor sub, but
 * through *out). sub NULL, or not inside root: EINVAL (for a decoded tree, only that sub is a
 * decoded node is checked: it must be one of root's). Returns 0 or a negative code. */
int erplink__value_adopt_subtree(erplink_value **out, erplink_value *root, const erplink_value *sub);

/* Datetime helpers shared by codecs. */
bool erplink__datetime_valid(int y, int mo, int d, int h, int mi, int s, int us);
int64_t erplink__days_from_civil(int64_t y, unsigned m, unsigned d);

/* ---------------------------------------------------------------- limits */

struct erplink_limits {
  size_t max_depth;
  size_t max_elements;
  size_t max_bytes;
};
void erplink__limits_resolve(struct erplink_limits *dst, const erplink_limits *src);

/* The tree builder of the XML-RPC decoder: builder.h. */

#endif /* ERPLINK_CORE_INTERNAL_H */
