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
  ERPLINK_TYPE_NIL = 0,  /**< no value (XML-RPC `<nil/>`, JSON null) */
  ERPLINK_TYPE_BOOL,     /**< true or false */
  ERPLINK_TYPE_INT,      /**< a signed 64-bit integer */
  ERPLINK_TYPE_DOUBLE,   /**< an IEEE 754 double */
  ERPLINK_TYPE_STRING,   /**< UTF-8 text with an explicit length (may contain NUL in JSON) */
  ERPLINK_TYPE_BYTES,    /**< raw bytes (XML-RPC `<base64>`) */
  ERPLINK_TYPE_DATETIME, /**< a date and time without time zone (XML-RPC `dateTime.iso8601`) */
  ERPLINK_TYPE_ARRAY,    /**< an ordered list of values */
  ERPLINK_TYPE_STRUCT    /**< an ordered list of (string key, value) members */
} erplink_type;

/** @brief A node of a value tree (opaque). */
typedef struct erplink_value erplink_value;

/**
 * @name Constructors
 * Each stores a new root owned by the caller in @p out (free it with erplink_value_free())
 * and returns 0; on failure it returns a negative code, sets the thread's last error and
 * stores NULL in @p out. All of them return ::ERPLINK_EINVAL when @p out is NULL and
 * ::ERPLINK_ENOMEM when memory runs out. Thread-safe.
 * @{
 */
/**
 * @brief Creates nil.
 * @param out receives the new value.
 * @return 0, ::ERPLINK_EINVAL or ::ERPLINK_ENOMEM. Thread-safe.
 */
ERPLINK_EXTERN int erplink_value_new_nil(erplink_value **out);
/**
 * @brief Creates a bool.
 * @param out receives the new value.
 * @param b the truth value: any non-zero value is true.
 * @return 0, ::ERPLINK_EINVAL or ::ERPLINK_ENOMEM. Thread-safe.
 */
ERPLINK_EXTERN int erplink_value_new_bool(erplink_value **out, int b);
/**
 * @brief Creates a 64-bit integer.
 * @param out receives the new value.
 * @param i the integer.
 * @return 0, ::ERPLINK_EINVAL or ::ERPLINK_ENOMEM. Thread-safe.
 */
ERPLINK_EXTERN int erplink_value_new_int(erplink_value **out, int64_t i);
/**
 * @brief Creates a double.
 * @param out receives the new value.
 * @param d the number (encoders refuse NaN and infinities, which the protocols cannot carry).
 * @return 0, ::ERPLINK_EINVAL or ::ERPLINK_ENOMEM. Thread-safe.
 */
ERPLINK_EXTERN int erplink_value_new_double(erplink_value **out, double d);
/**
 * @brief Creates a string from NUL-terminated UTF-8 text (copied).
 * @param out receives the new value.
 * @param s the text.
 * @return 0; ::ERPLINK_EINVAL if @p s is NULL or not valid UTF-8; ::ERPLINK_ENOMEM. Thread-safe.
 */
ERPLINK_EXTERN int erplink_value_new_string(erplink_value **out, const char *s);
/**
 * @brief Creates a string from @p len bytes of UTF-8 text (copied; may contain NUL).
 * @param out receives the new value.
 * @param s the text (may be NULL when @p len is 0).
 * @param len its length in bytes.
 * @return 0; ::ERPLINK_EINVAL if @p s is NULL while @p len > 0, or the text is not valid UTF-8; ::ERPLINK_ENOMEM.
 *         Thread-safe.
 */
ERPLINK_EXTERN int erplink_value_new_stringn(erplink_value **out, const char *s, size_t len);
/**
 * @brief Creates a *secret* string (a password, an API key, a token): sent as a normal
 *        string, printed as `"<redacted>"` by dumps and logs, wiped from memory when freed.
 * @param out receives the new value.
 * @param s the secret text (copied; wipe your own copy if you can).
 * @return 0; ::ERPLINK_EINVAL if @p s is NULL or not valid UTF-8; ::ERPLINK_ENOMEM. Thread-safe.
 */
ERPLINK_EXTERN int erplink_value_new_secret(erplink_value **out, const char *s);
/**
 * @brief Creates a bytes value holding a copy of @p len bytes.
 * @param out receives the new value.
 * @param data the bytes (may be NULL when @p len is 0).
 * @param len their number.
 * @return 0; ::ERPLINK_EINVAL if @p data is NULL while @p len > 0; ::ERPLINK_ENOMEM. Thread-safe.
 */
ERPLINK_EXTERN int erplink_value_new_bytes(erplink_value **out, const void *data, size_t len);
/**
 * @brief Creates a datetime from its parts (no time zone: Odoo's datetimes are naive UTC).
 * @param out receives the new value.
 * @param year 1–9999.
 * @param month 1–12.
 * @param day a day that exists in that month.
 * @param hour 0–23.
 * @param minute 0–59.
 * @param second 0–59.
 * @param microsecond 0–999999.
 * @return 0; ::ERPLINK_EINVAL if a part is out of range; ::ERPLINK_ENOMEM. Thread-safe.
 */
ERPLINK_EXTERN int erplink_value_new_datetime(erplink_value **out, int year, int month, int day, int hour, int minute,
                                              int second, int microsecond);
/**
 * @brief Creates a datetime from microseconds since 1970-01-01T00:00:00 (read as UTC; no zone is kept).
 * @param out receives the new value.
 * @param unix_us the instant.
 * @return 0; ::ERPLINK_ERANGE if the instant is outside years 1–9999; ::ERPLINK_EINVAL; ::ERPLINK_ENOMEM.
 *         Thread-safe.
 */
ERPLINK_EXTERN int erplink_value_new_datetime_unix_us(erplink_value **out, int64_t unix_us);
/**
 * @brief Creates an empty array.
 * @param out receives the new value.
 * @return 0, ::ERPLINK_EINVAL or ::ERPLINK_ENOMEM. Thread-safe.
 */
ERPLINK_EXTERN int erplink_value_new_array(erplink_value **out);
/**
 * @brief Creates an empty struct.
 * @param out receives the new value.
 * @return 0, ::ERPLINK_EINVAL or ::ERPLINK_ENOMEM. Thread-safe.
 */
ERPLINK_EXTERN int erplink_value_new_struct(erplink_value **out);
/** @} */

/**
 * @brief Frees a root value and everything it owns (for a decoded tree: its whole arena).
 *
 * @param v a root (a value not inside a container), or NULL (no-op). Passing a value
 *          that is inside a container is a caller bug and is ignored (nothing is freed).
 *
 * Not thread-safe for @p v: no other thread may use the tree.
 */
ERPLINK_EXTERN void erplink_value_free(erplink_value *v);

/**
 * @brief Makes a deep copy of a value on the heap (mutable, owned by the caller).
 * @param out receives the copy; free it with erplink_value_free().
 * @param v the value to copy (any node, also inside a decoded tree).
 * @return 0, ::ERPLINK_EINVAL (an argument is NULL) or ::ERPLINK_ENOMEM.
 *         Thread-safe with respect to other readers of @p v.
 */
ERPLINK_EXTERN int erplink_value_clone(erplink_value **out, const erplink_value *v);

/**
 * @name Accessors
 * Accessors never allocate and are thread-safe with respect to other readers. The `get`
 * functions return 0, ::ERPLINK_EINVAL when an argument is NULL, or ::ERPLINK_ETYPE
 * when the value has another type (the last error then names both types).
 * @{
 */
/**
 * @brief The type of a value.
 * @param v the value.
 * @return its type, ::ERPLINK_TYPE_NIL when @p v is NULL.
 *         Thread-safe (a value may be read from several threads at once).
 */
ERPLINK_EXTERN erplink_type erplink_value_type(const erplink_value *v);
/**
 * @brief A static lowercase name of a type, e.g. "struct".
 * @param t the type.
 * @return a static string, "unknown" for a value outside the enumeration. Thread-safe.
 */
ERPLINK_EXTERN const char *erplink_type_name(erplink_type t);
/**
 * @brief Tells whether a value is a secret string (see erplink_value_new_secret()).
 * @param v the value, or NULL.
 * @return 1 if it is, else 0. Thread-safe (a value may be read from several threads at once).
 */
ERPLINK_EXTERN int erplink_value_is_secret(const erplink_value *v);
/**
 * @brief Reads a bool.
 * @param out receives 0 or 1.
 * @param v the value.
 * @return 0, ::ERPLINK_EINVAL or ::ERPLINK_ETYPE. Thread-safe (a value may be read from several threads at once).
 */
ERPLINK_EXTERN int erplink_value_get_bool(int *out, const erplink_value *v);
/**
 * @brief Reads an integer.
 * @param out receives the integer.
 * @param v the value.
 * @return 0, ::ERPLINK_EINVAL or ::ERPLINK_ETYPE. Thread-safe (a value may be read from several threads at once).
 */
ERPLINK_EXTERN int erplink_value_get_int(int64_t *out, const erplink_value *v);
/**
 * @brief Reads a double; an integer is converted (exactly when |i| <= 2^53).
 * @param out receives the number.
 * @param v the value (double or int).
 * @return 0, ::ERPLINK_EINVAL or ::ERPLINK_ETYPE. Thread-safe (a value may be read from several threads at once).
 */
ERPLINK_EXTERN int erplink_value_get_double(double *out, const erplink_value *v);
/**
 * @brief Reads a string.
 * @param out receives a NUL-terminated pointer borrowed from the tree.
 * @param out_len receives the length in bytes (the string may contain NUL); may be NULL.
 * @param v the value.
 * @return 0, ::ERPLINK_EINVAL or ::ERPLINK_ETYPE. Thread-safe (a value may be read from several threads at once).
 */
ERPLINK_EXTERN int erplink_value_get_string(const char **out, size_t *out_len, const erplink_value *v);
/**
 * @brief Reads bytes.
 * @param out receives a pointer borrowed from the tree.
 * @param out_len receives the number of bytes; may be NULL.
 * @param v the value.
 * @return 0, ::ERPLINK_EINVAL or ::ERPLINK_ETYPE. Thread-safe (a value may be read from several threads at once).
 */
ERPLINK_EXTERN int erplink_value_get_bytes(const void **out, size_t *out_len, const erplink_value *v);
/**
 * @brief Reads the parts of a datetime; any output pointer may be NULL.
 * @param year receives the year.
 * @param month receives the month (1–12).
 * @param day receives the day of the month.
 * @param hour receives the hour.
 * @param minute receives the minute.
 * @param second receives the second.
 * @param microsecond receives the microsecond.
 * @param v the value.
 * @return 0, ::ERPLINK_EINVAL or ::ERPLINK_ETYPE. Thread-safe (a value may be read from several threads at once).
 */
ERPLINK_EXTERN int erplink_value_get_datetime(int *year, int *month, int *day, int *hour, int *minute, int *second,
                                              int *microsecond, const erplink_value *v);
/**
 * @brief Reads a datetime as microseconds since 1970-01-01T00:00:00 (the datetime read as UTC).
 * @param out receives the instant.
 * @param v the value.
 * @return 0, ::ERPLINK_EINVAL or ::ERPLINK_ETYPE. Thread-safe (a value may be read from several threads at once).
 */
ERPLINK_EXTERN int erplink_value_get_datetime_unix_us(int64_t *out, const erplink_value *v);
/**
 * @brief Number of items of an array or members of a struct.
 * @param v the value.
 * @return the count; 0 for any other value or NULL. Thread-safe (a value may be read from several threads at once).
 */
ERPLINK_EXTERN size_t erplink_value_count(const erplink_value *v);
/**
 * @brief An item of an array.
 * @param v the array.
 * @param i the index.
 * @return the item (borrowed), or NULL if @p v is not an array or @p i is out of range.
 *         Thread-safe (a value may be read from several threads at once).
 */
ERPLINK_EXTERN const erplink_value *erplink_value_array_at(const erplink_value *v, size_t i);
/**
 * @brief The value of a struct member.
 *
 * When a decoded document repeats a key, the last occurrence wins (as in Python's
 * xmlrpc.client and json). Lookup is a linear scan from the end.
 *
 * @param v the struct.
 * @param key the NUL-terminated key.
 * @return the value (borrowed), or NULL if absent or @p v is not a struct.
 *         Thread-safe (a value may be read from several threads at once).
 */
ERPLINK_EXTERN const erplink_value *erplink_value_struct_get(const erplink_value *v, const char *key);
/**
 * @brief Like erplink_value_struct_get() with a key given by pointer and length.
 * @param v the struct.
 * @param key the key (need not be NUL-terminated).
 * @param key_len its length in bytes.
 * @return the value (borrowed), or NULL. Thread-safe (a value may be read from several threads at once).
 */
ERPLINK_EXTERN const erplink_value *erplink_value_struct_getn(const erplink_value *v, const char *key, size_t key_len);
/**
 * @brief The key of a struct member, by position.
 * @param v the struct.
 * @param i the position, in member order (0 .. erplink_value_count() - 1).
 * @return the key (borrowed, NUL-terminated; see erplink_value_struct_key_len_at() for keys
 *         holding a NUL), or NULL if out of range or @p v is not a struct.
 * Thread-safe (a value may be read from several threads at once).
 */
ERPLINK_EXTERN const char *erplink_value_struct_key_at(const erplink_value *v, size_t i);
/**
 * @brief The length in bytes of a struct member's key, by position.
 * @param v the struct.
 * @param i the position.
 * @return the length, or 0 if out of range or @p v is not a struct.
 *         Thread-safe (a value may be read from several threads at once).
 */
ERPLINK_EXTERN size_t erplink_value_struct_key_len_at(const erplink_value *v, size_t i);
/**
 * @brief The value of a struct member, by position.
 * @param v the struct.
 * @param i the position.
 * @return the member's value (borrowed), or NULL if out of range or @p v is not a struct.
 *         Thread-safe (a value may be read from several threads at once).
 */
ERPLINK_EXTERN const erplink_value *erplink_value_struct_value_at(const erplink_value *v, size_t i);
/** @} */

/**
 * @name Building containers
 * The container must be a caller-built (not decoded) array or struct. The item is always
 * consumed: on success it belongs to the container, on failure it has been freed (unless it
 * is the container itself or contains it, which is refused and frees nothing).
 * Not thread-safe for the container being modified.
 * @{
 */
/**
 * @brief Appends an item to an array.
 * @param array the array.
 * @param item the item (consumed).
 * @return 0; ::ERPLINK_EINVAL if @p array is NULL, not an array or read-only, or @p item is NULL,
 *         already inside a container, or would create a cycle; ::ERPLINK_ENOMEM.
 * Not thread-safe: no other thread may read or modify the container meanwhile.
 */
ERPLINK_EXTERN int erplink_value_array_append(erplink_value *array, erplink_value *item);
/**
 * @brief Sets a struct member, replacing an existing member with that key in place (keeping
 *        its position) or appending a new member at the end.
 * @param st the struct.
 * @param key the NUL-terminated UTF-8 key (copied).
 * @param item the value (consumed).
 * @return 0; ::ERPLINK_EINVAL (NULL or invalid UTF-8 key, not a struct, read-only, item NULL,
 *         already inside a container or a cycle); ::ERPLINK_ENOMEM.
 * Not thread-safe: no other thread may read or modify the container meanwhile.
 */
ERPLINK_EXTERN int erplink_value_struct_set(erplink_value *st, const char *key, erplink_value *item);
/**
 * @brief Appends a struct member without looking for an existing member with that key.
 *
 * O(1) amortised, for callers that know their keys are unique (converting a Python dict or a
 * JavaScript object); erplink_value_struct_set() scans the members first, which makes building
 * a struct of n keys O(n²). If the key does repeat, both members are kept and
 * erplink_value_struct_get() returns the last, as for a decoded document.
 * @param st the struct.
 * @param key the NUL-terminated UTF-8 key (copied).
 * @param item the value (consumed).
 * @return 0; ::ERPLINK_EINVAL (as for erplink_value_struct_set()); ::ERPLINK_ENOMEM.
 *         Not thread-safe: no other thread may read or modify the container meanwhile.
 */
ERPLINK_EXTERN int erplink_value_struct_append(erplink_value *st, const char *key, erplink_value *item);
/**
 * @brief Appends a new string to an array (erplink_value_new_string() + erplink_value_array_append()).
 * @param array the array.
 * @param s the NUL-terminated UTF-8 text (copied).
 * @return 0 or the errors of either step (::ERPLINK_EINVAL, ::ERPLINK_ENOMEM).
 *         Not thread-safe: no other thread may read or modify the container meanwhile.
 */
ERPLINK_EXTERN int erplink_value_array_append_string(erplink_value *array, const char *s);
/**
 * @brief Appends a new integer to an array.
 * @param array the array.
 * @param i the integer.
 * @return 0 or the errors of either step (::ERPLINK_EINVAL, ::ERPLINK_ENOMEM).
 *         Not thread-safe: no other thread may read or modify the container meanwhile.
 */
ERPLINK_EXTERN int erplink_value_array_append_int(erplink_value *array, int64_t i);
/**
 * @brief Sets a struct member to a new string.
 * @param st the struct.
 * @param key the key (copied).
 * @param s the NUL-terminated UTF-8 text (copied).
 * @return 0 or the errors of erplink_value_new_string() / erplink_value_struct_set()
 *         (::ERPLINK_EINVAL, ::ERPLINK_ENOMEM).
 *         Not thread-safe: no other thread may read or modify the container meanwhile.
 */
ERPLINK_EXTERN int erplink_value_struct_set_string(erplink_value *st, const char *key, const char *s);
/**
 * @brief Sets a struct member to a new integer.
 * @param st the struct.
 * @param key the key (copied).
 * @param i the integer.
 * @return 0 or the errors of erplink_value_struct_set() (::ERPLINK_EINVAL, ::ERPLINK_ENOMEM).
 *         Not thread-safe: no other thread may read or modify the container meanwhile.
 */
ERPLINK_EXTERN int erplink_value_struct_set_int(erplink_value *st, const char *key, int64_t i);
/**
 * @brief Sets a struct member to a new bool.
 * @param st the struct.
 * @param key the key (copied).
 * @param b the truth value.
 * @return 0 or the errors of erplink_value_struct_set() (::ERPLINK_EINVAL, ::ERPLINK_ENOMEM).
 *         Not thread-safe: no other thread may read or modify the container meanwhile.
 */
ERPLINK_EXTERN int erplink_value_struct_set_bool(erplink_value *st, const char *key, int b);
/**
 * @brief Sets a struct member to a new double.
 * @param st the struct.
 * @param key the key (copied).
 * @param d the number.
 * @return 0 or the errors of erplink_value_struct_set() (::ERPLINK_EINVAL, ::ERPLINK_ENOMEM).
 *         Not thread-safe: no other thread may read or modify the container meanwhile.
 */
ERPLINK_EXTERN int erplink_value_struct_set_double(erplink_value *st, const char *key, double d);
/** @} */

/**
 * @brief Deep equality.
 *
 * Two values are equal when they have the same type and equal contents: integers and bools
 * by value, doubles numerically (NaN equals NaN; 0.0 equals -0.0), strings and bytes byte
 * by byte, datetimes part by part, arrays item by item, structs member by member *in order*
 * (keys and values). An integer never equals a double, a string never equals bytes.
 * @param a a value, or NULL.
 * @param b a value, or NULL.
 * @return 1 if equal (also when both are NULL), 0 otherwise. Thread-safe for readers.
 */
ERPLINK_EXTERN int erplink_value_equal(const erplink_value *a, const erplink_value *b);

/**
 * @brief Formats a value as one line of JSON-like text for logs and debugging.
 *
 * Secret strings, and the values of struct members whose key names a credential
 * (password, api_key, token, secret, …), are printed as `"<redacted>"`. Bytes print as
 * `<N bytes>`, datetimes as `dt"YYYY-MM-DDTHH:MM:SS"`.
 *
 * @param out receives a NUL-terminated string; free it with erplink_free().
 * @param v   the value.
 * @return 0, ::ERPLINK_EINVAL or ::ERPLINK_ENOMEM. Thread-safe for readers.
 */
ERPLINK_EXTERN int erplink_value_dump(char **out, const erplink_value *v);

ERPLINK_END_DECLS

#endif /* ERPLINK_VALUE_H */
