/**
 * @file erplink/crypto.h
 * @brief SHA-256, HMAC-SHA256 with a reusable keyed context, hex, base64/base64url,
 *        constant-time comparison, secure random bytes, and JWS signature verification
 *        (RS256, ES256) with public keys built from their JWK parameters (all over OpenSSL 3).
 *
 * Typical use (verifying a Razorpay webhook): create one ::erplink_hmac with the webhook
 * secret when the application starts, then for each request compute
 * erplink_hmac_sha256_hex() over the *raw* body bytes and compare with the received
 * signature using erplink_ct_equal().
 *
 * Thread safety: every function without a context argument is thread-safe. A context
 * (::erplink_sha256_ctx, ::erplink_hmac) must be used by one thread at a time; give each
 * thread its own ::erplink_hmac with erplink_hmac_clone(), which is cheap (no re-keying).
 *
 * Errors: invalid arguments (a NULL pointer with a non-zero length, a NULL or empty key,
 * malformed hex or base64) return ::ERPLINK_EINVAL with a message that never quotes key
 * material; a failure inside OpenSSL returns ::ERPLINK_ENOMEM when it is an allocation
 * failure and ::ERPLINK_ESERVER otherwise (category "server": the failure is outside the
 * caller's control; the operation must not proceed).
 */
#ifndef ERPLINK_CRYPTO_H
#define ERPLINK_CRYPTO_H

#include "common.h"

ERPLINK_BEGIN_DECLS

/** @brief Length in bytes of a SHA-256 digest and of an HMAC-SHA256 tag. */
#define ERPLINK_SHA256_LEN 32
/** @brief Size of a buffer holding a SHA-256 digest in lowercase hex plus its NUL. */
#define ERPLINK_SHA256_HEX_SIZE 65

/* ---------------------------------------------------------------- SHA-256 */

/**
 * @brief Computes the SHA-256 digest of @p len bytes at @p data.
 * @param out  receives the 32-byte digest.
 * @param data the bytes (may be NULL when @p len is 0).
 * @param len  number of bytes.
 * @return 0, ::ERPLINK_EINVAL (NULL @p out, or NULL @p data with @p len > 0), ::ERPLINK_ESERVER.
 * Thread-safe.
 */
ERPLINK_EXTERN int erplink_sha256(unsigned char out[ERPLINK_SHA256_LEN], const void *data, size_t len);

/** @brief An incremental SHA-256 computation (opaque). */
typedef struct erplink_sha256_ctx erplink_sha256_ctx;

/**
 * @brief Creates an incremental SHA-256 context, ready for erplink_sha256_update().
 * @param out receives the context; free it with erplink_sha256_free().
 * @return 0, ::ERPLINK_EINVAL (@p out NULL), ::ERPLINK_ENOMEM. Thread-safe.
 */
ERPLINK_EXTERN int erplink_sha256_new(erplink_sha256_ctx **out);

/**
 * @brief Hashes @p len more bytes.
 * @param ctx  the context.
 * @param data the bytes (may be NULL when @p len is 0).
 * @param len  number of bytes.
 * @return 0, ::ERPLINK_EINVAL, ::ERPLINK_ESERVER. Not thread-safe for @p ctx.
 */
ERPLINK_EXTERN int erplink_sha256_update(erplink_sha256_ctx *ctx, const void *data, size_t len);

/**
 * @brief Writes the digest of everything hashed since creation (or the previous final) and
 *        resets @p ctx for a new message.
 * @param ctx the context.
 * @param out receives the 32-byte digest.
 * @return 0, ::ERPLINK_EINVAL, ::ERPLINK_ESERVER. Not thread-safe for @p ctx.
 */
ERPLINK_EXTERN int erplink_sha256_final(unsigned char out[ERPLINK_SHA256_LEN], erplink_sha256_ctx *ctx);

/** @brief Frees a SHA-256 context. @param ctx the context, or NULL (no-op). Not thread-safe for @p ctx. */
ERPLINK_EXTERN void erplink_sha256_free(erplink_sha256_ctx *ctx);

/* ---------------------------------------------------------------- HMAC-SHA256 */

/**
 * @brief An HMAC-SHA256 context keyed once and reused for any number of messages (opaque).
 *
 * The key is processed once at creation into the inner and outer SHA-256 states; each
 * message then costs two state copies and the hashing itself (no re-keying, no
 * allocation). The raw key is not kept; the keyed states are wiped when the context is freed.
 */
typedef struct erplink_hmac erplink_hmac;

/**
 * @brief Creates an HMAC-SHA256 context for @p key.
 * @param out     receives the context; free it with erplink_hmac_free().
 * @param key     the secret key (copied into the keyed states; any length > 0, keys longer
 *                than 64 bytes are hashed first as RFC 2104 says).
 * @param key_len its length in bytes.
 * @return 0; ::ERPLINK_EINVAL (@p out or @p key NULL, or @p key_len 0: an empty secret is
 *         almost always a configuration mistake); ::ERPLINK_ENOMEM; ::ERPLINK_ESERVER.
 * Thread-safe.
 */
ERPLINK_EXTERN int erplink_hmac_new(erplink_hmac **out, const void *key, size_t key_len);

/**
 * @brief Makes an independent copy of a keyed context (for another thread), without re-keying.
 * @param out receives the copy; free it with erplink_hmac_free().
 * @param src the context to copy (a message being streamed in @p src is not copied).
 * @return 0, ::ERPLINK_EINVAL, ::ERPLINK_ENOMEM, ::ERPLINK_ESERVER.
 * May run while other threads clone @p src too, or while the owner of @p src computes with
 * it (the keyed states are never modified after creation); not while @p src is being freed.
 * Thread-safe (the source is only read).
 */
ERPLINK_EXTERN int erplink_hmac_clone(erplink_hmac **out, const erplink_hmac *src);

/**
 * @brief Computes HMAC-SHA256(key, message) of one whole message.
 *
 * A message being streamed with erplink_hmac_update() is abandoned.
 * @param ctx  the keyed context.
 * @param out  receives the 32-byte tag.
 * @param data the message (may be NULL when @p len is 0).
 * @param len  its length in bytes.
 * @return 0, ::ERPLINK_EINVAL, ::ERPLINK_ESERVER. Not thread-safe for @p ctx.
 */
ERPLINK_EXTERN int erplink_hmac_sha256(unsigned char out[ERPLINK_SHA256_LEN], erplink_hmac *ctx, const void *data,
                                       size_t len);

/**
 * @brief Like erplink_hmac_sha256() but writes the tag as 64 lowercase hex digits and a NUL.
 * @param ctx  the keyed context.
 * @param out  receives the NUL-terminated hex text (::ERPLINK_SHA256_HEX_SIZE bytes).
 * @param data the message (may be NULL when @p len is 0).
 * @param len  its length in bytes.
 * @return 0, ::ERPLINK_EINVAL, ::ERPLINK_ESERVER. Not thread-safe for @p ctx.
 */
ERPLINK_EXTERN int erplink_hmac_sha256_hex(char out[ERPLINK_SHA256_HEX_SIZE], erplink_hmac *ctx, const void *data,
                                           size_t len);

/**
 * @brief Streams part of a message: the first update after creation or after
 *        erplink_hmac_final() starts a new message.
 * @param ctx  the keyed context.
 * @param data the bytes (may be NULL when @p len is 0).
 * @param len  number of bytes.
 * @return 0, ::ERPLINK_EINVAL, ::ERPLINK_ESERVER. Not thread-safe for @p ctx.
 */
ERPLINK_EXTERN int erplink_hmac_update(erplink_hmac *ctx, const void *data, size_t len);

/**
 * @brief Ends the streamed message (an empty one if nothing was streamed) and writes its tag;
 *        the context stays keyed and ready for the next message.
 * @param ctx the keyed context.
 * @param out receives the 32-byte tag.
 * @return 0, ::ERPLINK_EINVAL, ::ERPLINK_ESERVER. Not thread-safe for @p ctx.
 */
ERPLINK_EXTERN int erplink_hmac_final(unsigned char out[ERPLINK_SHA256_LEN], erplink_hmac *ctx);

/**
 * @brief Frees a context and wipes its keyed states.
 * @param ctx the context, or NULL (no-op). Not thread-safe for @p ctx (no other call on it may be running).
 */
ERPLINK_EXTERN void erplink_hmac_free(erplink_hmac *ctx);

/**
 * @brief One-shot HMAC-SHA256 (keys the computation for this call only: prefer a reusable
 *        ::erplink_hmac when the same key signs many messages).
 * @param out     receives the 32-byte tag.
 * @param key     the key (non-NULL, @p key_len > 0).
 * @param key_len its length.
 * @param data    the message (may be NULL when @p len is 0).
 * @param len     its length.
 * @return 0, ::ERPLINK_EINVAL, ::ERPLINK_ENOMEM, ::ERPLINK_ESERVER. Thread-safe.
 */
ERPLINK_EXTERN int erplink_hmac_sha256_oneshot(unsigned char out[ERPLINK_SHA256_LEN], const void *key, size_t key_len,
                                               const void *data, size_t len);

/* ---------------------------------------------------------------- comparison */

/**
 * @brief Compares two byte strings in constant time (for signatures and tokens).
 *
 * The running time depends only on the lengths, never on the contents: when the lengths
 * differ the function answers 0 without looking at the contents (lengths of signatures
 * are public); when they are equal every byte is compared (CRYPTO_memcmp).
 *
 * @param a     first string (may be NULL when @p a_len is 0).
 * @param a_len its length.
 * @param b     second string (may be NULL when @p b_len is 0).
 * @param b_len its length.
 * @return 1 when equal, 0 when not — and also 0 (with the last error set to ::ERPLINK_EINVAL)
 *         for a NULL pointer with a non-zero length, so that `if (erplink_ct_equal(...))`
 *         can never accept a bad call. Thread-safe.
 */
ERPLINK_EXTERN int erplink_ct_equal(const void *a, size_t a_len, const void *b, size_t b_len);

/* ---------------------------------------------------------------- hex */

/**
 * @brief Encodes bytes as lowercase hex.
 * @param out     receives NUL-terminated text of 2 × @p len characters; free it with erplink_free().
 * @param out_len receives the text length (may be NULL).
 * @param data    the bytes (may be NULL when @p len is 0).
 * @param len     number of bytes.
 * @return 0, ::ERPLINK_EINVAL, ::ERPLINK_ENOMEM. Thread-safe.
 */
ERPLINK_EXTERN int erplink_hex_encode(char **out, size_t *out_len, const void *data, size_t len);

/**
 * @brief Encodes bytes as lowercase hex into a caller buffer.
 * @param out      the buffer; receives 2 × @p len characters and a NUL.
 * @param out_size its size in bytes (at least 2 × @p len + 1).
 * @param data     the bytes (may be NULL when @p len is 0).
 * @param len      number of bytes.
 * @return 0, ::ERPLINK_EINVAL (NULL pointers), ::ERPLINK_ERANGE (buffer too small). Thread-safe.
 */
ERPLINK_EXTERN int erplink_hex_encode_to(char *out, size_t out_size, const void *data, size_t len);

/**
 * @brief Decodes hex strictly: an even number of digits `0-9a-fA-F`, nothing else (no
 *        spaces, no `0x`).
 * @param out     receives the bytes (followed by a NUL not counted in the length); free with erplink_free().
 * @param out_len receives the number of bytes (may be NULL).
 * @param hex     the text (may be NULL when @p len is 0).
 * @param len     its length in characters.
 * @return 0; ::ERPLINK_EINVAL (odd length, a non-hex character — the message gives its
 *         offset, not the text); ::ERPLINK_ENOMEM. Thread-safe.
 */
ERPLINK_EXTERN int erplink_hex_decode(unsigned char **out, size_t *out_len, const char *hex, size_t len);

/* ---------------------------------------------------------------- base64 */

/** @brief Flags of erplink_base64_encode() and erplink_base64_decode() (combine with `|`). */
typedef enum erplink_base64_flags {
  ERPLINK_BASE64_STD = 0,          /**< standard alphabet (`+` `/`) with `=` padding (RFC 4648 §4) */
  ERPLINK_BASE64_URL = 1,          /**< URL-safe alphabet (`-` `_`, RFC 4648 §5) */
  ERPLINK_BASE64_NOPAD = 2,        /**< encode without `=`; when decoding, `=` is rejected */
  ERPLINK_BASE64_PAD_OPTIONAL = 4, /**< decode only: accept text with or without correct padding */
  ERPLINK_BASE64_ALLOW_WS = 8      /**< decode only: skip spaces, tabs, CR and LF anywhere */
} erplink_base64_flags;

/**
 * @brief Encodes bytes as base64 or base64url.
 * @param out     receives the NUL-terminated text; free it with erplink_free().
 * @param out_len receives its length (may be NULL).
 * @param data    the bytes (may be NULL when @p len is 0).
 * @param len     number of bytes.
 * @param flags   ::ERPLINK_BASE64_URL and/or ::ERPLINK_BASE64_NOPAD (others: ::ERPLINK_EINVAL).
 * @return 0, ::ERPLINK_EINVAL, ::ERPLINK_ENOMEM. Thread-safe.
 */
ERPLINK_EXTERN int erplink_base64_encode(char **out, size_t *out_len, const void *data, size_t len, unsigned flags);

/**
 * @brief Decodes base64 or base64url strictly.
 *
 * Rejected with ::ERPLINK_EINVAL (the message gives the offset, never the text): a character
 * outside the chosen alphabet (so `-`/`_` in standard base64 and `+`/`/` in base64url), any
 * whitespace unless ::ERPLINK_BASE64_ALLOW_WS, missing padding (unless ::ERPLINK_BASE64_NOPAD
 * or ::ERPLINK_BASE64_PAD_OPTIONAL), padding when ::ERPLINK_BASE64_NOPAD, padding anywhere but
 * at the end or of the wrong length, a length that no encoding produces, and non-zero unused
 * bits in the last character (so that every byte string has exactly one accepted encoding).
 *
 * @param out     receives the bytes (followed by a NUL not counted in the length); free with erplink_free().
 * @param out_len receives the number of bytes (may be NULL).
 * @param text    the text (may be NULL when @p len is 0).
 * @param len     its length in characters.
 * @param flags   any ::erplink_base64_flags.
 * @return 0, ::ERPLINK_EINVAL, ::ERPLINK_ENOMEM. Thread-safe.
 */
ERPLINK_EXTERN int erplink_base64_decode(unsigned char **out, size_t *out_len, const char *text, size_t len,
                                         unsigned flags);

/* ---------------------------------------------------------------- random */

/**
 * @brief Fills @p out with @p len cryptographically secure random bytes (OpenSSL's RAND_bytes,
 *        seeded from the operating system; fork-safe).
 * @param out the buffer (may be NULL when @p len is 0).
 * @param len number of bytes.
 * @return 0, ::ERPLINK_EINVAL (@p out NULL with @p len > 0), ::ERPLINK_ESERVER (the random
 *         generator failed, e.g. no entropy source: the buffer must not be used). Thread-safe.
 */
ERPLINK_EXTERN int erplink_random_bytes(void *out, size_t len);

/* ---------------------------------------------------------------- signature verification */

/**
 * @brief A public verification key (opaque, immutable once built): RSA or EC P-256, built from
 *        the parameters a JSON Web Key carries (RFC 7518 §6: `n`/`e`, `x`/`y`, already
 *        base64url-decoded). Safe to share between threads: several threads may verify with
 *        one key at once.
 */
typedef struct erplink_pkey erplink_pkey;

/** @brief Signature algorithms of erplink_pkey_verify() (JWS names, RFC 7518 §3). */
typedef enum erplink_sig_alg {
  ERPLINK_SIG_RS256 = 1, /**< RSASSA-PKCS1-v1_5 with SHA-256, on an RSA key */
  ERPLINK_SIG_ES256 = 2  /**< ECDSA on P-256 with SHA-256, on an EC P-256 key; the signature is
                              the JWS form: r ‖ s, 32 bytes each, big-endian (not DER) */
} erplink_sig_alg;

/**
 * @brief Builds an RSA public key from its modulus and public exponent (big-endian unsigned
 *        integers, leading zero bytes allowed), refusing keys that no honest issuer publishes.
 *
 * Refused with ::ERPLINK_EINVAL, the message saying why (never quoting the key): a modulus
 * outside 2048 .. 16384 bits or even; a public exponent that is not odd with 3 <= e < n
 * (with e = 1 a PKCS#1 signature "verifies" as its own padded digest, so data could be
 * "signed" without any private key); a key OpenSSL's public-key check refuses (a modulus with
 * small factors, a prime or a prime power: SP 800-56B §6.4.2.2).
 * @param out   receives the key; free it with erplink_pkey_free(). NULL on failure.
 * @param n     the modulus.
 * @param n_len its length in bytes (>= 1).
 * @param e     the public exponent.
 * @param e_len its length in bytes (>= 1).
 * @return 0; ::ERPLINK_EINVAL (NULL or empty argument, or an unsafe key as above);
 *         ::ERPLINK_ENOMEM; ::ERPLINK_ESERVER (an OpenSSL failure that is not the key's fault).
 *         Thread-safe.
 */
ERPLINK_EXTERN int erplink_pkey_new_rsa(erplink_pkey **out, const unsigned char *n, size_t n_len,
                                        const unsigned char *e, size_t e_len);

/**
 * @brief Builds an EC public key on the P-256 curve (secp256r1) from its affine coordinates.
 * @param out   receives the key; free it with erplink_pkey_free(). NULL on failure.
 * @param x     the x coordinate, big-endian.
 * @param x_len its length: exactly 32 bytes.
 * @param y     the y coordinate, big-endian.
 * @param y_len its length: exactly 32 bytes.
 * @return 0; ::ERPLINK_EINVAL (NULL argument, coordinates of another length, or a point that is
 *         not on the curve — a point off the curve would leak a private key in ECDH and is
 *         never a real key); ::ERPLINK_ENOMEM; ::ERPLINK_ESERVER. Thread-safe.
 */
ERPLINK_EXTERN int erplink_pkey_new_ec_p256(erplink_pkey **out, const unsigned char *x, size_t x_len,
                                            const unsigned char *y, size_t y_len);

/**
 * @brief Verifies a signature over @p data (the whole message: for a JWS, the signing input
 *        `base64url(header) "." base64url(payload)`).
 * @param k       the key.
 * @param alg     ::ERPLINK_SIG_RS256 for an RSA key, ::ERPLINK_SIG_ES256 for an EC P-256 key.
 * @param data    the signed bytes (may be NULL when @p len is 0).
 * @param len     their length.
 * @param sig     the signature (may be NULL when @p sig_len is 0).
 * @param sig_len its length (ES256: 64).
 * @return 0 when the signature verifies; ::ERPLINK_ESIGNATURE when it does not (altered data,
 *         another key, a truncated signature, an ES256 signature that is not 64 bytes, an empty
 *         one); ::ERPLINK_EINVAL (NULL key or data, an unknown algorithm, or an algorithm the
 *         key's type cannot verify: RS256 on an EC key, ES256 on an RSA key); ::ERPLINK_ENOMEM;
 *         ::ERPLINK_ESERVER. Thread-safe (also with one key from several threads).
 */
ERPLINK_EXTERN int erplink_pkey_verify(const erplink_pkey *k, erplink_sig_alg alg, const void *data, size_t len,
                                       const unsigned char *sig, size_t sig_len);

/**
 * @brief Frees a key (NULL is a no-op).
 * @param k the key. Not thread-safe: no other thread may be verifying with @p k.
 */
ERPLINK_EXTERN void erplink_pkey_free(erplink_pkey *k);

ERPLINK_END_DECLS

#endif /* ERPLINK_CRYPTO_H */
