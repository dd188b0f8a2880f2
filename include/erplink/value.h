/**
 * @file erplink/value.h
 * @brief The dynamic value tree shared by every protocol (XML-RPC, JSON, JSON-2).
 *
 * A value is one of nil, bool, int64, double, string (UTF-8 with a length), bytes,
 * datetime, array or struct (an *ordered* list of key/value members). Values built by
 * the caller live on the heap, one node at a time; trees produced by the decoders live
 * in an arena owned by their root, so that a decoded document is allocated in a few
 * large blocks and released with a single erplink_value_free() of its root.
 *
 * Ownership rules:
 * - every `erplink_value_new_*` result is a *root* owned by the caller;
 * - erplink_value_array_append() and erplink_value_struct_set() take ownership of the
 *   item they are given, **also when they fail** (the item is then freed), so that a
 *   caller never leaks on an error path;
 * - a value that already belongs to a container cannot be added to another one
 *   (::ERPLINK_EINVAL); clone it with erplink_value_clone();
 * - decoded trees are read-only: mutating a node inside one fails with ::ERPLINK_EINVAL
 *   (clone the tree first). A decoded *root* can be added to a caller's container.
 * - pointers returned by accessors are borrowed: valid while the tree is alive and unchanged.
 *
 * Thread safety: a tree may be read from several threads at once; mutating a tree
 * requires that no other thread uses it at the same time.
 *
 * Strings marked *secret* (erplink_value_new_secret()) are encoded on the wire as
 * ordinary strings, but erplink_value_dump() and erplink's logging print them as
 * `"<redacted>"`, and their memory is wiped when freed.
 */
#ifndef ERPLINK_VALUE_H
#define ERPLINK_VALUE_H

#include "common.h"

ERPLINK_BEGIN_DECLS

/** @brief The type of a value. */
typedef enum erplink_type {
  ERPLINK_TYPE_NIL = 0,   /**< no value (XML-RPC `<nil/>`, JSON null) */
  ERPLINK_TYPE_BOOL,      /**< true or false */
  ERPLINK_TYPE_INT,       /**< a signed 64-bit integer */
  ERPLINK_TYPE_DOUBLE,    /**< an IEEE 754 double */
  ERPLINK_TYPE_STRING,    /**< UTF-8 text with an explicit length (may contain NUL in JSON) */
  ERPLINK_TYPE_BYTES,     /**< raw bytes (XML-RPC `<base64>`) */
  ERPLINK_TYPE_DATETIME,  /**< a date and time without time zone (XML-RPC `dateTime.iso8601`) */
  ERPLINK_TYPE_ARRAY,     /**< an ordered list of values */
  ERPLINK_TYPE_STRUCT     /**< an ordered list of (string key, value) members */
} erplink_type;

/** @brief A node of a value tree (opaque). */
typedef struct erplink_value erplink_value;

/**
 * @name Constructors
 * Each returns 0 and stores a new root owned by the caller in @p out (free it with
 * erplink_value_free()), or returns ::ERPLINK_ENOMEM / ::ERPLINK_EINVAL and leaves
 * @p out set to NULL. Thread-safe.
 * @{
 */
/** @brief Creates nil. */
ERPLINK_EXTERN int erplink_value_new_nil(erplink_value **out);
/** @brief Creates a bool (any non-zero @p b is true). */
ERPLINK_EXTERN int erplink_value_new_bool(erplink_value **out, int b);
/** @brief Creates a 64-bit integer. */
ERPLINK_EXTERN int erplink_value_new_int(erplink_value **out, int64_t i);
/** @brief Creates a double. */
ERPLINK_EXTERN int erplink_value_new_double(erplink_value **out, double d);
/**
 * @brief Creates a string from NUL-terminated UTF-8 text (copied).
 * @return ::ERPLINK_EINVAL if @p s is NULL or not valid UTF-8.
 */
ERPLINK_EXTERN int erplink_value_new_string(erplink_value **out, const char *s);
/**
 * @brief Creates a string from @p len bytes of UTF-8 text (copied; may contain NUL).
 * @return ::ERPLINK_EINVAL if @p s is NULL while @p len > 0, or the text is not valid UTF-8.
 */
ERPLINK_EXTERN int erplink_value_new_stringn(erplink_value **out, const char *s, size_t len);
/**
 * @brief Creates a *secret* string (a password, an API key, a token): sent as a normal
 *        string, printed as `"<redacted>"` by dumps and logs, wiped from memory when freed.
 * @return ::ERPLINK_EINVAL if @p s is NULL or not valid UTF-8.
 */
ERPLINK_EXTERN int erplink_value_new_secret(erplink_value **out, const char *s);
/** @brief Creates a bytes value holding a copy of @p len bytes at @p data. */
ERPLINK_EXTERN int erplink_value_new_bytes(erplink_value **out, const void *data, size_t len);
/**
 * @brief Creates a datetime from its parts (no time zone: Odoo's datetimes are naive UTC).
 * @return ::ERPLINK_EINVAL if a part is out of range (year 1–9999, month 1–12, a day that
 *         exists in that month, hour 0–23, minute 0–59, second 0–59, microsecond 0–999999).
 */
ERPLINK_EXTERN int erplink_value_new_datetime(erplink_value **out, int year, int month, int day,
                                              int hour, int minute, int second, int microsecond);
/**
 * @brief Creates a datetime from microseconds since 1970-01-01T00:00:00 (UTC, no time zone kept).
 * @return ::ERPLINK_ERANGE if the instant is outside years 1–9999.
 */
ERPLINK_EXTERN int erplink_value_new_datetime_unix_us(erplink_value **out, int64_t unix_us);
/** @brief Creates an empty array. */
ERPLINK_EXTERN int erplink_value_new_array(erplink_value **out);
/** @brief Creates an empty struct. */
ERPLINK_EXTERN int erplink_value_new_struct(erplink_value **out);
/** @} */

/**
 * @brief Frees a root value and everything it owns (for a decoded tree: its whole arena).
 *
 * @param v a root (a value not inside a container), or NULL (no-op). Passing a value
 *          that is inside a container is a caller bug and is ignored (nothing is freed).
 */
ERPLINK_EXTERN void erplink_value_free(erplink_value *v);

/**
 * @brief Makes a deep copy of @p v on the heap (mutable, owned by the caller).
 * @return 0, ::ERPLINK_EINVAL (@p v NULL) or ::ERPLINK_ENOMEM. Thread-safe for concurrent readers of @p v.
 */
ERPLINK_EXTERN int erplink_value_clone(erplink_value **out, const erplink_value *v);

/**
 * @name Accessors
 * Accessors never allocate. The `get` functions return 0, ::ERPLINK_EINVAL when an
 * argument is NULL, or ::ERPLINK_ETYPE when @p v has another type.
 * @{
 */
/** @brief The type of @p v (::ERPLINK_TYPE_NIL when @p v is NULL). */
ERPLINK_EXTERN erplink_type erplink_value_type(const erplink_value *v);
/** @brief A static lowercase name of a type, e.g. "struct". */
ERPLINK_EXTERN const char *erplink_type_name(erplink_type t);
/** @brief 1 if @p v is a secret string (see erplink_value_new_secret()), else 0. */
ERPLINK_EXTERN int erplink_value_is_secret(const erplink_value *v);
/** @brief Reads a bool (0 or 1). */
ERPLINK_EXTERN int erplink_value_get_bool(int *out, const erplink_value *v);
/** @brief Reads an integer. */
ERPLINK_EXTERN int erplink_value_get_int(int64_t *out, const erplink_value *v);
/** @brief Reads a double; an integer is converted (exactly when |i| <= 2^53). */
ERPLINK_EXTERN int erplink_value_get_double(double *out, const erplink_value *v);
/**
 * @brief Reads a string: @p out gets a NUL-terminated pointer borrowed from the tree and
 *        @p out_len (may be NULL) its length in bytes.
 */
ERPLINK_EXTERN int erplink_value_get_string(const char **out, size_t *out_len, const erplink_value *v);
/** @brief Reads bytes: @p out gets a borrowed pointer and @p out_len the length. */
ERPLINK_EXTERN int erplink_value_get_bytes(const void **out, size_t *out_len, const erplink_value *v);
/** @brief Reads the parts of a datetime; any output pointer may be NULL. */
ERPLINK_EXTERN int erplink_value_get_datetime(const erplink_value *v, int *year, int *month, int *day,
                                              int *hour, int *minute, int *second, int *microsecond);
/** @brief Reads a datetime as microseconds since 1970-01-01T00:00:00 (the datetime read as UTC). */
ERPLINK_EXTERN int erplink_value_get_datetime_unix_us(int64_t *out, const erplink_value *v);
/** @brief Number of items of an array or members of a struct; 0 for any other value or NULL. */
ERPLINK_EXTERN size_t erplink_value_count(const erplink_value *v);
/** @brief Item @p i of an array (borrowed), or NULL if @p v is not an array or @p i is out of range. */
ERPLINK_EXTERN const erplink_value *erplink_value_array_get(const erplink_value *v, size_t i);
/**
 * @brief The value of member @p key of a struct (borrowed), or NULL if absent or @p v is not a struct.
 *        When a decoded document repeats a key, the last occurrence wins (as in Python's xmlrpc.client).
 */
ERPLINK_EXTERN const erplink_value *erplink_value_struct_get(const erplink_value *v, const char *key);
/** @brief Like erplink_value_struct_get() with a key of @p key_len bytes. */
ERPLINK_EXTERN const erplink_value *erplink_value_struct_getn(const erplink_value *v, const char *key, size_t key_len);
/**
 * @brief Member @p i of a struct: @p key_out (may be NULL) gets the borrowed key and
 *        @p key_len_out (may be NULL) its length; returns the borrowed value, or NULL out of range.
 */
ERPLINK_EXTERN const erplink_value *erplink_value_struct_at(const erplink_value *v, size_t i,
                                                            const char **key_out, size_t *key_len_out);
/** @} */

/**
 * @name Building containers
 * The container must be a caller-built (not decoded) array or struct. The item is always
 * consumed: on success it belongs to the container, on failure it has been freed.
 * Not thread-safe for the container being modified.
 * @{
 */
/**
 * @brief Appends @p item to @p array.
 * @return 0; ::ERPLINK_EINVAL if @p array is NULL, not an array, read-only, or @p item is NULL
 *         or already inside a container; ::ERPLINK_ENOMEM.
 */
ERPLINK_EXTERN int erplink_value_array_append(erplink_value *array, erplink_value *item);
/**
 * @brief Sets member @p key of @p st to @p item, replacing an existing member with that key
 *        in place (keeping its position) or appending a new member at the end.
 * @return 0; ::ERPLINK_EINVAL (NULL or invalid UTF-8 key, not a struct, read-only, item NULL or
 *         already inside a container); ::ERPLINK_ENOMEM.
 */
ERPLINK_EXTERN int erplink_value_struct_set(erplink_value *st, const char *key, erplink_value *item);
/** @brief Appends a new string to @p array (convenience for erplink_value_array_append()). */
ERPLINK_EXTERN int erplink_value_array_append_string(erplink_value *array, const char *s);
/** @brief Appends a new integer to @p array. */
ERPLINK_EXTERN int erplink_value_array_append_int(erplink_value *array, int64_t i);
/** @brief Sets member @p key of @p st to a new string. */
ERPLINK_EXTERN int erplink_value_struct_set_string(erplink_value *st, const char *key, const char *s);
/** @brief Sets member @p key of @p st to a new integer. */
ERPLINK_EXTERN int erplink_value_struct_set_int(erplink_value *st, const char *key, int64_t i);
/** @brief Sets member @p key of @p st to a new bool. */
ERPLINK_EXTERN int erplink_value_struct_set_bool(erplink_value *st, const char *key, int b);
/** @brief Sets member @p key of @p st to a new double. */
ERPLINK_EXTERN int erplink_value_struct_set_double(erplink_value *st, const char *key, double d);
/** @} */

/**
 * @brief Deep equality.
 *
 * Two values are equal when they have the same type and equal contents: integers and bools
 * by value, doubles numerically (NaN equals NaN; 0.0 equals -0.0), strings and bytes byte
 * by byte, datetimes part by part, arrays item by item, structs member by member *in order*
 * (keys and values). An integer never equals a double, a string never equals bytes.
 * @return 1 if equal, 0 otherwise (also when either is NULL and the other is not). Thread-safe for readers.
 */
ERPLINK_EXTERN int erplink_value_equal(const erplink_value *a, const erplink_value *b);

/**
 * @brief Formats @p v as one line of JSON-like text for logs and debugging.
 *
 * Secret strings, and the values of struct members whose key names a credential
 * (password, api_key, token, secret, …), are printed as `"<redacted>"`. Bytes print as
 * `b64"..."`, datetimes as `dt"YYYY-MM-DDTHH:MM:SS"`.
 *
 * @param out receives a NUL-terminated string; free it with erplink_free().
 * @param v   the value.
 * @return 0, ::ERPLINK_EINVAL or ::ERPLINK_ENOMEM. Thread-safe for readers.
 */
ERPLINK_EXTERN int erplink_value_dump(char **out, const erplink_value *v);

ERPLINK_END_DECLS

#endif /* ERPLINK_VALUE_H */
