/**
 * @file erplink/razorpay.h
 * @brief Razorpay signature verification (webhooks, checkout payments, subscriptions, payment
 *        links) and webhook event parsing.
 *
 * **Deduplication.** Razorpay delivers a webhook at least once and retries it for 24 hours:
 * deduplicate verified events by their `X-Razorpay-Event-Id` with an ::erplink_dedup
 * (erplink/store.h): erplink_dedup_new_sqlite() keeps the ids across restarts and shares them
 * between worker processes; erplink_dedup_new_memory() is per process. (The former
 * `razorpay_dedup_*` functions are that memory backend, moved to the core.)
 *
 * All four Razorpay signatures are `lowercase hex(HMAC-SHA256(key = secret, message))`:
 *
 * - webhook: the raw request body bytes, exactly as received, keyed with the webhook secret
 *   set in the dashboard (header `X-Razorpay-Signature`);
 * - checkout payment: `order_id + "|" + payment_id` (the order id stored on *your* server),
 *   keyed with the API key secret;
 * - subscription payment: `payment_id + "|" + subscription_id` (payment id first), API key secret;
 * - payment link callback: `payment_link_id + "|" + reference_id + "|" + status + "|" + payment_id`,
 *   API key secret.
 *
 * **Pass the raw body.** A webhook is verified over the bytes received on the wire (bytes +
 * length), before any JSON parsing, re-encoding or charset conversion by a web framework: a
 * body that was parsed and re-serialised (Express `express.json()`, a decoded Django/Flask
 * body) does not verify.
 *
 * **Outcome.** Every verification function returns 0 when the signature is valid and a
 * negative code otherwise; a handler must reject the request on *any* non-zero result:
 * - ::ERPLINK_ESIGNATURE (category "signature"): the signature is well formed but matches
 *   none of the secrets;
 * - ::ERPLINK_EINVAL: malformed input — an empty or NULL secret, a NULL or empty signature, a
 *   signature that is not exactly 64 characters, a character that is not a hex digit, an
 *   **upper-case** hex digit (Razorpay sends lowercase, and every official SDK compares
 *   case-sensitively: erplink rejects upper case with its own message rather than silently
 *   accepting what the SDKs refuse), a NULL body with a non-zero length, a NULL or empty id,
 *   a `|` inside an id (which would make the signed message ambiguous);
 * - ::ERPLINK_ENOMEM / ::ERPLINK_ESERVER: allocation or crypto-library failure.
 *
 * **Timing safety.** The format of the received signature is checked before anything is
 * computed (it is public, so checking it reveals nothing about the expected value). Then an
 * HMAC is computed for *every* secret, whatever the outcome, and each is compared with the
 * received 32 bytes in constant time (erplink_ct_equal()); the matching index is selected with
 * arithmetic masks, without a branch on secret-dependent data. The time taken therefore
 * does not depend on *where* (or in how many digits) a wrong signature of the right format
 * differs from the expected one, which is what a timing attack would need; it does differ
 * between success and failure, because a failure also formats its error message (measured
 * with a reusable verifier on a 1 KB body: 704 ns on success, 797–805 ns on failure whether
 * the first, middle or last hex digit differs). Error messages never contain a secret, the
 * expected signature or the received signature.
 *
 * **Secret rotation.** Razorpay retries a failed delivery for 24 hours with the signature of
 * the secret that was active when the event was created, so after a rotation a webhook
 * endpoint should accept the new secret *and* the old one for a day. Every function taking a
 * list of secrets reports which one matched, so that the caller can log when the old
 * secret stops being used.
 *
 * Thread safety: the one-shot functions are thread-safe. A ::razorpay_verifier may be used by
 * any number of threads at once (it keeps a small pool of keyed HMAC contexts). A
 * ::razorpay_event is immutable after parsing and may be read from several threads.
 */
#ifndef ERPLINK_RAZORPAY_H
#define ERPLINK_RAZORPAY_H

#include "common.h"
#include "value.h"

ERPLINK_BEGIN_DECLS

/** @brief Length in characters of a Razorpay signature (64 lowercase hex digits). */
#define RAZORPAY_SIGNATURE_LEN 64

/* ================================================================ one-shot verification */

/**
 * @brief Verifies a webhook signature (header `X-Razorpay-Signature`) with one webhook secret.
 *
 * Keys an HMAC for this call only; a server verifying many webhooks should create one
 * ::razorpay_verifier at start-up instead (no keying and no allocation per call). Measured
 * with `bench/run razorpay_webhook_verify` and its program on other body sizes (best of 5
 * one-second runs, x86-64 with SHA extensions): 1.39 M against 1.02 M verifications per
 * second for a 1 KB body (+36%), +69% for 256 bytes, twice as many for 64 bytes, +10% at
 * 4 KB; the gain is the fixed per-call cost, so it shrinks as bodies grow.
 *
 * @param body      the raw request body bytes, exactly as received (may be NULL when @p body_len is 0).
 * @param body_len  its length in bytes.
 * @param signature the NUL-terminated value of the `X-Razorpay-Signature` header (64 lowercase hex digits).
 * @param webhook_secret the NUL-terminated webhook secret from the Razorpay dashboard (not the API key secret).
 * @return 0 when the signature is valid; ::ERPLINK_ESIGNATURE when it does not match;
 *         ::ERPLINK_EINVAL for malformed input (see the file description); ::ERPLINK_ENOMEM;
 *         ::ERPLINK_ESERVER. Thread-safe.
 */
ERPLINK_EXTERN int razorpay_verify_webhook(const void *body, size_t body_len, const char *signature,
                                           const char *webhook_secret);

/**
 * @brief Verifies a webhook signature against several webhook secrets (secret rotation).
 *
 * Every secret is tried (an HMAC is computed for each, whatever the outcome), so the time
 * taken does not tell which secret came close.
 *
 * @param matched_index receives the position in @p secrets of the secret that matched (the
 *                      first one if several do); may be NULL. Left unchanged on failure.
 * @param body      the raw request body bytes (may be NULL when @p body_len is 0).
 * @param body_len  its length in bytes.
 * @param signature the NUL-terminated `X-Razorpay-Signature` header value.
 * @param secrets   @p n_secrets NUL-terminated webhook secrets, none NULL or empty.
 * @param n_secrets their number (at least 1, at most 64).
 * @return 0, ::ERPLINK_ESIGNATURE, ::ERPLINK_EINVAL, ::ERPLINK_ENOMEM, ::ERPLINK_ESERVER.
 *         Thread-safe.
 */
ERPLINK_EXTERN int razorpay_verify_webhook_any(size_t *matched_index, const void *body, size_t body_len,
                                               const char *signature, const char *const *secrets, size_t n_secrets);

/**
 * @brief Verifies the `razorpay_signature` returned by Checkout for a payment of an order:
 *        HMAC-SHA256 of `order_id|payment_id` with the API key secret.
 *
 * @param order_id   the order id **stored on your server** when the order was created (never
 *                   the one sent back by the browser); non-empty, without `|`.
 * @param payment_id the `razorpay_payment_id` returned by Checkout; non-empty, without `|`.
 * @param signature  the NUL-terminated `razorpay_signature`.
 * @param key_secret the NUL-terminated API key secret.
 * @return 0, ::ERPLINK_ESIGNATURE, ::ERPLINK_EINVAL, ::ERPLINK_ENOMEM, ::ERPLINK_ESERVER.
 *         Thread-safe.
 */
ERPLINK_EXTERN int razorpay_verify_payment(const char *order_id, const char *payment_id, const char *signature,
                                           const char *key_secret);

/**
 * @brief Verifies the `razorpay_signature` of a subscription payment: HMAC-SHA256 of
 *        `payment_id|subscription_id` (payment id first) with the API key secret.
 *
 * @param payment_id      the `razorpay_payment_id`; non-empty, without `|`.
 * @param subscription_id the subscription id stored on your server; non-empty, without `|`.
 * @param signature       the NUL-terminated `razorpay_signature`.
 * @param key_secret      the NUL-terminated API key secret.
 * @return 0, ::ERPLINK_ESIGNATURE, ::ERPLINK_EINVAL, ::ERPLINK_ENOMEM, ::ERPLINK_ESERVER.
 *         Thread-safe.
 */
ERPLINK_EXTERN int razorpay_verify_subscription(const char *payment_id, const char *subscription_id,
                                                const char *signature, const char *key_secret);

/**
 * @brief Verifies the `razorpay_signature` query parameter of a payment link callback:
 *        HMAC-SHA256 of `payment_link_id|reference_id|status|payment_id` with the API key secret.
 *
 * @param payment_link_id the `razorpay_payment_link_id`; non-empty, without `|`.
 * @param reference_id    the `razorpay_payment_link_reference_id`; may be empty ("") when the
 *                        link has none (never NULL); may contain `|` (it is merchant text).
 * @param status          the `razorpay_payment_link_status` (e.g. "paid"); non-empty, without `|`.
 * @param payment_id      the `razorpay_payment_id`; non-empty, without `|`.
 * @param signature       the NUL-terminated `razorpay_signature`.
 * @param key_secret      the NUL-terminated API key secret.
 * @return 0, ::ERPLINK_ESIGNATURE, ::ERPLINK_EINVAL, ::ERPLINK_ENOMEM, ::ERPLINK_ESERVER.
 *         Thread-safe.
 */
ERPLINK_EXTERN int razorpay_verify_payment_link(const char *payment_link_id, const char *reference_id,
                                                const char *status, const char *payment_id, const char *signature,
                                                const char *key_secret);

/* ================================================================ reusable verifier */

/**
 * @brief A set of secrets keyed once into HMAC-SHA256 contexts and reused for any number of
 *        verifications (opaque).
 *
 * Creating it keys one HMAC context per secret; each verification then costs one HMAC per
 * secret with no re-keying and no allocation (in the steady state). The raw secrets are not
 * kept: only the keyed SHA-256 states, wiped when the verifier is freed.
 *
 * Thread safety: every verification function may be called on the same verifier from any
 * number of threads at once. Internally each call borrows a set of keyed contexts (one idle
 * set sits in an atomic slot, taken and given back without locking; further sets wait in a
 * pool guarded by a mutex; a new set is cloned, without re-keying, when all are in use, so
 * the pool grows to the highest number of concurrent callers). razorpay_verifier_free() must
 * not run concurrently with any other call on the verifier.
 */
typedef struct razorpay_verifier razorpay_verifier;

/**
 * @brief Creates a verifier for one or more secrets (webhook secrets, or API key secrets for
 *        the payment, subscription and payment link signatures).
 *
 * @param out       receives the verifier; free it with razorpay_verifier_free(). Set to NULL on failure.
 * @param secrets   @p n_secrets NUL-terminated secrets (copied into keyed states; the caller
 *                  keeps ownership of the strings and may wipe them afterwards). Put the
 *                  current secret first: when several match, the lowest index is reported.
 * @param n_secrets their number, 1 to 64.
 * @return 0; ::ERPLINK_EINVAL (@p out or @p secrets NULL, @p n_secrets 0 or above 64, a NULL
 *         or empty secret — the message gives its index); ::ERPLINK_ENOMEM; ::ERPLINK_ESERVER.
 *         Thread-safe.
 */
ERPLINK_EXTERN int razorpay_verifier_new(razorpay_verifier **out, const char *const *secrets, size_t n_secrets);

/**
 * @brief Frees a verifier and wipes its keyed states.
 * @param v the verifier, or NULL (no-op). Not thread-safe: no other call on @p v may be running.
 */
ERPLINK_EXTERN void razorpay_verifier_free(razorpay_verifier *v);

/**
 * @brief Number of secrets of a verifier.
 * @param v the verifier.
 * @return the number of secrets, 0 if @p v is NULL. Thread-safe.
 */
ERPLINK_EXTERN size_t razorpay_verifier_count(const razorpay_verifier *v);

/**
 * @brief Verifies a webhook body and its `X-Razorpay-Signature` against every secret of @p v.
 *
 * @param matched_index receives the index of the matching secret (the lowest if several
 *                      match); may be NULL. Left unchanged on failure.
 * @param v         the verifier (made from webhook secrets).
 * @param body      the raw request body bytes (may be NULL when @p body_len is 0).
 * @param body_len  its length in bytes.
 * @param signature the NUL-terminated header value.
 * @return 0, ::ERPLINK_ESIGNATURE, ::ERPLINK_EINVAL (NULL @p v, malformed signature, NULL body
 *         with a non-zero length), ::ERPLINK_ENOMEM, ::ERPLINK_ESERVER. Thread-safe.
 */
ERPLINK_EXTERN int razorpay_verifier_verify_webhook(size_t *matched_index, razorpay_verifier *v, const void *body,
                                                    size_t body_len, const char *signature);

/**
 * @brief Verifies a Checkout payment signature (`order_id|payment_id`) against every secret of @p v.
 * @param matched_index receives the index of the matching secret; may be NULL.
 * @param v          the verifier (made from API key secrets).
 * @param order_id   the order id stored on your server; non-empty, without `|`.
 * @param payment_id the `razorpay_payment_id`; non-empty, without `|`.
 * @param signature  the NUL-terminated `razorpay_signature`.
 * @return 0, ::ERPLINK_ESIGNATURE, ::ERPLINK_EINVAL, ::ERPLINK_ENOMEM, ::ERPLINK_ESERVER. Thread-safe.
 */
ERPLINK_EXTERN int razorpay_verifier_verify_payment(size_t *matched_index, razorpay_verifier *v, const char *order_id,
                                                    const char *payment_id, const char *signature);

/**
 * @brief Verifies a subscription payment signature (`payment_id|subscription_id`) against every secret of @p v.
 * @param matched_index   receives the index of the matching secret; may be NULL.
 * @param v               the verifier (made from API key secrets).
 * @param payment_id      the `razorpay_payment_id`; non-empty, without `|`.
 * @param subscription_id the subscription id stored on your server; non-empty, without `|`.
 * @param signature       the NUL-terminated `razorpay_signature`.
 * @return 0, ::ERPLINK_ESIGNATURE, ::ERPLINK_EINVAL, ::ERPLINK_ENOMEM, ::ERPLINK_ESERVER. Thread-safe.
 */
ERPLINK_EXTERN int razorpay_verifier_verify_subscription(size_t *matched_index, razorpay_verifier *v,
                                                         const char *payment_id, const char *subscription_id,
                                                         const char *signature);

/**
 * @brief Verifies a payment link callback signature
 *        (`payment_link_id|reference_id|status|payment_id`) against every secret of @p v.
 * @param matched_index   receives the index of the matching secret; may be NULL.
 * @param v               the verifier (made from API key secrets).
 * @param payment_link_id the `razorpay_payment_link_id`; non-empty, without `|`.
 * @param reference_id    the `razorpay_payment_link_reference_id`; "" when none, never NULL.
 * @param status          the `razorpay_payment_link_status`; non-empty, without `|`.
 * @param payment_id      the `razorpay_payment_id`; non-empty, without `|`.
 * @param signature       the NUL-terminated `razorpay_signature`.
 * @return 0, ::ERPLINK_ESIGNATURE, ::ERPLINK_EINVAL, ::ERPLINK_ENOMEM, ::ERPLINK_ESERVER. Thread-safe.
 */
ERPLINK_EXTERN int razorpay_verifier_verify_payment_link(size_t *matched_index, razorpay_verifier *v,
                                                         const char *payment_link_id, const char *reference_id,
                                                         const char *status, const char *payment_id,
                                                         const char *signature);

/* ================================================================ webhook events */

/**
 * @brief A parsed webhook event (opaque, immutable).
 *
 * Made by razorpay_event_parse() from a body that has been verified first. It owns the
 * decoded JSON tree; every pointer returned by its accessors is borrowed from it and stays
 * valid until razorpay_event_free(). Thread-safe for concurrent readers.
 */
typedef struct razorpay_event razorpay_event;

/**
 * @brief A borrowed view of one entity of an event's payload, e.g. `payload.payment.entity`
 *        (opaque; owned by its ::razorpay_event).
 */
typedef struct razorpay_entity razorpay_entity;

/**
 * @brief Parses a webhook body into an event.
 *
 * Verify the signature first (razorpay_verifier_verify_webhook()). The body must be a JSON
 * object with a string member `event`; `account_id` (string), `created_at` (integer),
 * `contains` (array of strings) and `payload` (object) are read when present. Each member of
 * `payload` whose value is an object with an `entity` object becomes a ::razorpay_entity
 * (`payment`, `order`, `refund`, `subscription`, …). In every entity, the members `id`,
 * `order_id`, `currency`, `status`, `email`, `contact` and `method` must be strings or null
 * when present, `amount` must be an integer (amounts are in the smallest currency unit,
 * e.g. paise), and `notes` must be an object, an empty array (Razorpay's encoding of empty
 * notes) or null. Unknown event names are accepted: they are parsed generically.
 *
 * @param out      receives the event; free it with razorpay_event_free(). NULL on failure.
 * @param body     the body bytes (may be NULL when @p body_len is 0).
 * @param body_len its length (at most the default JSON size cap of erplink/limits.h).
 * @param event_id the value of the `X-Razorpay-Event-Id` header (copied), or NULL if the
 *                 caller has none; it is the key for deduplication (see ::erplink_dedup in erplink/store.h).
 * @return 0; ::ERPLINK_EINVAL (@p out NULL, NULL body with a non-zero length, empty body);
 *         ::ERPLINK_EPROTOCOL (not valid JSON); ::ERPLINK_ELIMIT (a JSON cap exceeded);
 *         ::ERPLINK_EVALIDATION (not an object, `event` missing or not a string, a member of
 *         the wrong type such as a non-integer amount — the message names the member);
 *         ::ERPLINK_ERANGE; ::ERPLINK_ENOMEM. Thread-safe.
 */
ERPLINK_EXTERN int razorpay_event_parse(razorpay_event **out, const void *body, size_t body_len, const char *event_id);

/**
 * @brief Frees an event and its tree.
 * @param e the event, or NULL (no-op). Not thread-safe: no other thread may be using @p e.
 */
ERPLINK_EXTERN void razorpay_event_free(razorpay_event *e);

/**
 * @brief The event id given to razorpay_event_parse() (header `X-Razorpay-Event-Id`).
 * @param e the event.
 * @return a borrowed string, or NULL when none was given (or @p e is NULL). Thread-safe.
 */
ERPLINK_EXTERN const char *razorpay_event_id(const razorpay_event *e);

/**
 * @brief The event name, e.g. "payment.captured", "order.paid", or any name Razorpay adds later.
 * @param e the event.
 * @return a borrowed string (never NULL for a parsed event; NULL if @p e is NULL). Thread-safe.
 */
ERPLINK_EXTERN const char *razorpay_event_name(const razorpay_event *e);

/**
 * @brief The merchant account id (`account_id`, e.g. "acc_BFQ7uQEaa7j2z7").
 * @param e the event.
 * @return a borrowed string, or NULL when absent or null. Thread-safe.
 */
ERPLINK_EXTERN const char *razorpay_event_account_id(const razorpay_event *e);

/**
 * @brief The event's creation time (`created_at`, seconds since the Unix epoch).
 * @param out receives the time.
 * @param e   the event.
 * @return 0; ::ERPLINK_EINVAL (NULL argument); ::ERPLINK_ENOTFOUND (absent or null). Thread-safe.
 */
ERPLINK_EXTERN int razorpay_event_created_at(int64_t *out, const razorpay_event *e);

/**
 * @brief Number of entries of the event's `contains` list (e.g. 1 for `["payment"]`).
 * @param e the event.
 * @return the count, 0 when absent or @p e is NULL. Thread-safe.
 */
ERPLINK_EXTERN size_t razorpay_event_contains_count(const razorpay_event *e);

/**
 * @brief One entry of the event's `contains` list.
 * @param e the event.
 * @param i the position.
 * @return a borrowed string, or NULL when @p i is out of range. Thread-safe.
 */
ERPLINK_EXTERN const char *razorpay_event_contains_at(const razorpay_event *e, size_t i);

/**
 * @brief Tells whether the event's `contains` list names an entity. A pure predicate: it
 *        cannot fail.
 * @param e    the event.
 * @param name the entity name, e.g. "payment".
 * @return 1 if it does, 0 otherwise (also for NULL arguments). Thread-safe.
 */
ERPLINK_EXTERN int razorpay_event_contains(const razorpay_event *e, const char *name);

/**
 * @brief The whole decoded body (a struct), for anything the accessors do not cover.
 * @param e the event.
 * @return a borrowed, read-only tree, or NULL if @p e is NULL. Thread-safe.
 */
ERPLINK_EXTERN const erplink_value *razorpay_event_root(const razorpay_event *e);

/**
 * @brief The event's `payload` member (a struct), for anything the accessors do not cover.
 * @param e the event.
 * @return a borrowed, read-only tree, or NULL when absent. Thread-safe.
 */
ERPLINK_EXTERN const erplink_value *razorpay_event_payload(const razorpay_event *e);

/**
 * @brief An entity of the payload by name: `payload.<name>.entity`.
 * @param e    the event.
 * @param name the entity name, e.g. "payment", "order", "refund", "subscription".
 * @return a borrowed view, or NULL when the payload has no such entity. Thread-safe.
 */
ERPLINK_EXTERN const razorpay_entity *razorpay_event_entity(const razorpay_event *e, const char *name);

/**
 * @brief The payment entity (`payload.payment.entity`): razorpay_event_entity(e, "payment").
 * @param e the event.
 * @return a borrowed view, or NULL when absent. Thread-safe.
 */
ERPLINK_EXTERN const razorpay_entity *razorpay_event_payment(const razorpay_event *e);

/**
 * @brief The order entity (`payload.order.entity`, carried by `order.paid`): razorpay_event_entity(e, "order").
 * @param e the event.
 * @return a borrowed view, or NULL when absent. Thread-safe.
 */
ERPLINK_EXTERN const razorpay_entity *razorpay_event_order(const razorpay_event *e);

/**
 * @brief The entity's `id` (e.g. "pay_29QQoUBi66xm2f").
 * @param x the entity.
 * @return a borrowed string, or NULL when absent or null. Thread-safe.
 */
ERPLINK_EXTERN const char *razorpay_entity_id(const razorpay_entity *x);

/**
 * @brief The entity's `order_id`.
 * @param x the entity.
 * @return a borrowed string, or NULL when absent or null. Thread-safe.
 */
ERPLINK_EXTERN const char *razorpay_entity_order_id(const razorpay_entity *x);

/**
 * @brief The entity's `amount`, an integer in the smallest currency unit (paise for INR).
 * @param out receives the amount.
 * @param x   the entity.
 * @return 0; ::ERPLINK_EINVAL (NULL argument); ::ERPLINK_ENOTFOUND (absent or null). Thread-safe.
 */
ERPLINK_EXTERN int razorpay_entity_amount(int64_t *out, const razorpay_entity *x);

/**
 * @brief The entity's `currency` (e.g. "INR").
 * @param x the entity.
 * @return a borrowed string, or NULL when absent or null. Thread-safe.
 */
ERPLINK_EXTERN const char *razorpay_entity_currency(const razorpay_entity *x);

/**
 * @brief The entity's `status` (e.g. "captured", "failed", "paid").
 * @param x the entity.
 * @return a borrowed string, or NULL when absent or null. Thread-safe.
 */
ERPLINK_EXTERN const char *razorpay_entity_status(const razorpay_entity *x);

/**
 * @brief The entity's `email`.
 * @param x the entity.
 * @return a borrowed string, or NULL when absent or null. Thread-safe.
 */
ERPLINK_EXTERN const char *razorpay_entity_email(const razorpay_entity *x);

/**
 * @brief The entity's `contact` (phone number).
 * @param x the entity.
 * @return a borrowed string, or NULL when absent or null. Thread-safe.
 */
ERPLINK_EXTERN const char *razorpay_entity_contact(const razorpay_entity *x);

/**
 * @brief The entity's `method` (e.g. "card", "upi", "netbanking").
 * @param x the entity.
 * @return a borrowed string, or NULL when absent or null. Thread-safe.
 */
ERPLINK_EXTERN const char *razorpay_entity_method(const razorpay_entity *x);

/**
 * @brief The entity's `notes` as a struct: Razorpay sends empty notes as `[]`, which (like an
 *        absent or null `notes`) is returned as an empty struct, so the caller always gets a struct.
 * @param x the entity.
 * @return a borrowed, read-only struct (never NULL for a valid @p x). Thread-safe.
 */
ERPLINK_EXTERN const erplink_value *razorpay_entity_notes(const razorpay_entity *x);

/**
 * @brief A string member of the entity by name, for members without an accessor
 *        (e.g. "receipt", "vpa", "error_description").
 * @param x    the entity.
 * @param name the member name.
 * @return a borrowed string, or NULL when absent, null or not a string. Thread-safe.
 */
ERPLINK_EXTERN const char *razorpay_entity_string(const razorpay_entity *x, const char *name);

/**
 * @brief An integer member of the entity by name (e.g. "amount_paid", "fee", "created_at").
 * @param out  receives the integer.
 * @param x    the entity.
 * @param name the member name.
 * @return 0; ::ERPLINK_EINVAL (NULL argument); ::ERPLINK_ENOTFOUND (absent or null);
 *         ::ERPLINK_EVALIDATION (present but not an integer; the message names the member). Thread-safe.
 */
ERPLINK_EXTERN int razorpay_entity_int(int64_t *out, const razorpay_entity *x, const char *name);

/**
 * @brief The entity object itself (`payload.<name>.entity`), for anything else.
 * @param x the entity.
 * @return a borrowed, read-only struct, or NULL if @p x is NULL. Thread-safe.
 */
ERPLINK_EXTERN const erplink_value *razorpay_entity_raw(const razorpay_entity *x);

ERPLINK_END_DECLS

#endif /* ERPLINK_RAZORPAY_H */
