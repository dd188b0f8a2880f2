/* Razorpay webhook events: parsing a verified body into an immutable event with typed
 * accessors over the decoded JSON tree. See include/erplink/razorpay.h. */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "erplink/json.h"
#include "erplink/razorpay.h"
#include "internal.h"

struct razorpay_entity {
  const char *name; /* the payload member, e.g. "payment" (borrowed from the tree) */
  const erplink_value *raw;
  const char *id, *order_id, *currency, *status, *email, *contact, *method;
  int64_t amount;
  bool has_amount;
  const erplink_value *notes; /* a struct of the tree, or the event's empty struct */
};

struct razorpay_event {
  erplink_value *root;
  erplink_value *empty; /* the empty struct returned for notes [] / null / absent */
  char *id;
  const char *name, *account_id;
  int64_t created_at;
  bool has_created_at;
  const erplink_value *contains, *payload;
  razorpay_entity *entities;
  size_t n_entities;
};

/* "an integer", "a string", … for messages, in JSON's terms. */
static const char *a_type(const erplink_value *v) {
  switch (erplink_value_type(v)) {
  case ERPLINK_TYPE_NIL: return "null";
  case ERPLINK_TYPE_BOOL: return "a boolean";
  case ERPLINK_TYPE_INT: return "an integer";
  case ERPLINK_TYPE_DOUBLE: return "a non-integer number";
  case ERPLINK_TYPE_STRING: return "a string";
  case ERPLINK_TYPE_ARRAY: return "an array";
  case ERPLINK_TYPE_STRUCT: return "an object";
  default: return "a value of another type";
  }
}

/* Reads an optional string member: absent or null → NULL; a string without NUL bytes → its
 * text; anything else → ERPLINK_EVALIDATION naming the member. */
static int opt_string(const char **out, const erplink_value *obj, const char *key, const char *where) {
  *out = NULL;
  const erplink_value *m = erplink_value_struct_get(obj, key);
  if (!m || erplink_value_type(m) == ERPLINK_TYPE_NIL) return 0;
  if (erplink_value_type(m) != ERPLINK_TYPE_STRING)
    return erplink__error_setf(ERPLINK_EVALIDATION, "razorpay webhook: %s%s is %s, not a string", where, key,
                               a_type(m));
  const char *s;
  size_t len;
  erplink_value_get_string(&s, &len, m);
  if (memchr(s, '\0', len))
    return erplink__error_setf(ERPLINK_EVALIDATION, "razorpay webhook: %s%s contains a NUL character", where, key);
  *out = s;
  return 0;
}

/* Reads an optional integer member: absent or null → *has = false; an int → its value; a
 * double (a fraction, an exponent or an integer beyond int64), a string or anything else →
 * ERPLINK_EVALIDATION. */
static int opt_int(int64_t *out, bool *has, const erplink_value *obj, const char *key, const char *where) {
  *has = false;
  *out = 0;
  const erplink_value *m = erplink_value_struct_get(obj, key);
  if (!m || erplink_value_type(m) == ERPLINK_TYPE_NIL) return 0;
  erplink_type t = erplink_value_type(m);
  if (t == ERPLINK_TYPE_DOUBLE)
    return erplink__error_setf(ERPLINK_EVALIDATION,
                               "razorpay webhook: %s%s is not an integer (a number with a fraction or an exponent, or "
                               "beyond the 64-bit range; Razorpay amounts are integers in the smallest currency unit)",
                               where, key);
  if (t != ERPLINK_TYPE_INT)
    return erplink__error_setf(ERPLINK_EVALIDATION, "razorpay webhook: %s%s is %s, not an integer", where, key,
                               a_type(m));
  erplink_value_get_int(out, m);
  *has = true;
  return 0;
}

static int parse_entity(razorpay_entity *x, razorpay_event *e, const char *name, const erplink_value *obj) {
  char where[160];
  snprintf(where, sizeof where, "payload.%.100s.entity.", name);
  x->name = name;
  x->raw = obj;
  int rc = opt_string(&x->id, obj, "id", where);
  if (!rc) rc = opt_string(&x->order_id, obj, "order_id", where);
  if (!rc) rc = opt_string(&x->currency, obj, "currency", where);
  if (!rc) rc = opt_string(&x->status, obj, "status", where);
  if (!rc) rc = opt_string(&x->email, obj, "email", where);
  if (!rc) rc = opt_string(&x->contact, obj, "contact", where);
  if (!rc) rc = opt_string(&x->method, obj, "method", where);
  if (!rc) rc = opt_int(&x->amount, &x->has_amount, obj, "amount", where);
  if (rc) return rc;
  const erplink_value *notes = erplink_value_struct_get(obj, "notes");
  erplink_type nt = erplink_value_type(notes);
  if (!notes || nt == ERPLINK_TYPE_NIL || (nt == ERPLINK_TYPE_ARRAY && erplink_value_count(notes) == 0)) {
    x->notes = e->empty;
  } else if (nt == ERPLINK_TYPE_STRUCT) {
    x->notes = notes;
  } else if (nt == ERPLINK_TYPE_ARRAY) {
    return erplink__error_setf(ERPLINK_EVALIDATION,
                               "razorpay webhook: %snotes is a non-empty array (%zu items); expected an object, or [] "
                               "for no notes",
                               where, erplink_value_count(notes));
  } else {
    return erplink__error_setf(ERPLINK_EVALIDATION, "razorpay webhook: %snotes is %s; expected an object or []", where,
                               a_type(notes));
  }
  return 0;
}

void razorpay_event_free(razorpay_event *e) {
  if (!e) return;
  erplink_value_free(e->root);
  erplink_value_free(e->empty);
  free(e->id);
  free(e->entities);
  free(e);
}

static int parse_event(razorpay_event *e) {
  const erplink_value *root = e->root;
  if (erplink_value_type(root) != ERPLINK_TYPE_STRUCT)
    return erplink__error_setf(ERPLINK_EVALIDATION, "razorpay webhook: the body is %s, not a JSON object",
                               a_type(root));
  int rc = opt_string(&e->name, root, "event", "");
  if (rc) return rc;
  if (!e->name || !*e->name)
    return erplink__error_setf(ERPLINK_EVALIDATION, "razorpay webhook: the member \"event\" is %s",
                               e->name ? "empty" : "missing");
  rc = opt_string(&e->account_id, root, "account_id", "");
  if (!rc) rc = opt_int(&e->created_at, &e->has_created_at, root, "created_at", "");
  if (rc) return rc;

  const erplink_value *contains = erplink_value_struct_get(root, "contains");
  if (contains && erplink_value_type(contains) != ERPLINK_TYPE_NIL) {
    if (erplink_value_type(contains) != ERPLINK_TYPE_ARRAY)
      return erplink__error_setf(ERPLINK_EVALIDATION, "razorpay webhook: contains is %s, not an array",
                                 a_type(contains));
    for (size_t i = 0; i < erplink_value_count(contains); i++) {
      const erplink_value *it = erplink_value_array_at(contains, i);
      const char *s;
      size_t len;
      if (erplink_value_get_string(&s, &len, it) != 0 || memchr(s, '\0', len))
        return erplink__error_setf(ERPLINK_EVALIDATION, "razorpay webhook: contains[%zu] is not a string", i);
    }
    e->contains = contains;
  }

  const erplink_value *payload = erplink_value_struct_get(root, "payload");
  if (!payload || erplink_value_type(payload) == ERPLINK_TYPE_NIL) return 0;
  if (erplink_value_type(payload) != ERPLINK_TYPE_STRUCT)
    return erplink__error_setf(ERPLINK_EVALIDATION, "razorpay webhook: payload is %s, not an object", a_type(payload));
  e->payload = payload;
  size_t n = erplink_value_count(payload);
  if (!n) return 0;
  e->entities = calloc(n, sizeof *e->entities);
  if (!e->entities) return erplink__error_setf(ERPLINK_ENOMEM, "out of memory");
  for (size_t i = 0; i < n; i++) {
    const char *key;
    size_t key_len;
    key = erplink_value_struct_key_at(payload, i);
    key_len = erplink_value_struct_key_len_at(payload, i);
    const erplink_value *m = erplink_value_struct_value_at(payload, i);
    if (erplink_value_type(m) != ERPLINK_TYPE_STRUCT || memchr(key, '\0', key_len)) continue;
    const erplink_value *ent = erplink_value_struct_get(m, "entity");
    if (erplink_value_type(ent) != ERPLINK_TYPE_STRUCT) continue;
    /* a repeated key: the last one wins, as for erplink_value_struct_get() */
    razorpay_entity *x = NULL;
    for (size_t k = 0; k < e->n_entities; k++)
      if (strcmp(e->entities[k].name, key) == 0) x = &e->entities[k];
    if (!x) x = &e->entities[e->n_entities++];
    rc = parse_entity(x, e, key, ent);
    if (rc) return rc;
  }
  return 0;
}

int razorpay_event_parse(razorpay_event **out, const void *body, size_t body_len, const char *event_id) {
  if (!out) return erplink__error_setf(ERPLINK_EINVAL, "razorpay_event_parse: out is NULL");
  *out = NULL;
  if (!body && body_len)
    return erplink__error_setf(ERPLINK_EINVAL, "razorpay_event_parse: the body is NULL but its length is %zu",
                               body_len);
  if (!body_len) return erplink__error_setf(ERPLINK_EINVAL, "razorpay_event_parse: the body is empty");
  razorpay_event *e = calloc(1, sizeof *e);
  if (!e) return erplink__error_setf(ERPLINK_ENOMEM, "out of memory");
  int rc = 0;
  if (event_id && !(e->id = strdup(event_id))) rc = erplink__error_setf(ERPLINK_ENOMEM, "out of memory");
  if (!rc) rc = erplink_value_new_struct(&e->empty);
  if (!rc) {
    rc = erplink_json_decode(&e->root, body, body_len, NULL);
    if (rc) erplink__error_prefix("razorpay webhook: ");
  }
  if (!rc) rc = parse_event(e);
  if (rc) {
    razorpay_event_free(e);
    return rc;
  }
  *out = e;
  return 0;
}

const char *razorpay_event_id(const razorpay_event *e) { return e ? e->id : NULL; }
const char *razorpay_event_name(const razorpay_event *e) { return e ? e->name : NULL; }
const char *razorpay_event_account_id(const razorpay_event *e) { return e ? e->account_id : NULL; }

int razorpay_event_created_at(int64_t *out, const razorpay_event *e) {
  if (!out || !e)
    return erplink__error_setf(ERPLINK_EINVAL, "razorpay_event_created_at: %s is NULL", out ? "the event" : "out");
  if (!e->has_created_at)
    return erplink__error_setf(ERPLINK_ENOTFOUND, "razorpay webhook: the event has no created_at");
  *out = e->created_at;
  return 0;
}

size_t razorpay_event_contains_count(const razorpay_event *e) { return e ? erplink_value_count(e->contains) : 0; }

const char *razorpay_event_contains_at(const razorpay_event *e, size_t i) {
  if (!e) return NULL;
  const char *s = NULL;
  if (erplink_value_get_string(&s, NULL, erplink_value_array_at(e->contains, i)) != 0) return NULL;
  return s;
}

int razorpay_event_contains(const razorpay_event *e, const char *name) {
  if (!e || !name) return 0;
  size_t n = razorpay_event_contains_count(e);
  for (size_t i = 0; i < n; i++)
    if (strcmp(razorpay_event_contains_at(e, i), name) == 0) return 1;
  return 0;
}

const erplink_value *razorpay_event_root(const razorpay_event *e) { return e ? e->root : NULL; }
const erplink_value *razorpay_event_payload(const razorpay_event *e) { return e ? e->payload : NULL; }

const razorpay_entity *razorpay_event_entity(const razorpay_event *e, const char *name) {
  if (!e || !name) return NULL;
  for (size_t i = 0; i < e->n_entities; i++)
    if (strcmp(e->entities[i].name, name) == 0) return &e->entities[i];
  return NULL;
}

const razorpay_entity *razorpay_event_payment(const razorpay_event *e) { return razorpay_event_entity(e, "payment"); }
const razorpay_entity *razorpay_event_order(const razorpay_event *e) { return razorpay_event_entity(e, "order"); }

const char *razorpay_entity_id(const razorpay_entity *x) { return x ? x->id : NULL; }
const char *razorpay_entity_order_id(const razorpay_entity *x) { return x ? x->order_id : NULL; }
const char *razorpay_entity_currency(const razorpay_entity *x) { return x ? x->currency : NULL; }
const char *razorpay_entity_status(const razorpay_entity *x) { return x ? x->status : NULL; }
const char *razorpay_entity_email(const razorpay_entity *x) { return x ? x->email : NULL; }
const char *razorpay_entity_contact(const razorpay_entity *x) { return x ? x->contact : NULL; }
const char *razorpay_entity_method(const razorpay_entity *x) { return x ? x->method : NULL; }
const erplink_value *razorpay_entity_notes(const razorpay_entity *x) { return x ? x->notes : NULL; }
const erplink_value *razorpay_entity_raw(const razorpay_entity *x) { return x ? x->raw : NULL; }

int razorpay_entity_amount(int64_t *out, const razorpay_entity *x) {
  if (!out || !x)
    return erplink__error_setf(ERPLINK_EINVAL, "razorpay_entity_amount: %s is NULL", out ? "the entity" : "out");
  if (!x->has_amount)
    return erplink__error_setf(ERPLINK_ENOTFOUND, "razorpay webhook: payload.%s.entity has no amount", x->name);
  *out = x->amount;
  return 0;
}

const char *razorpay_entity_string(const razorpay_entity *x, const char *name) {
  if (!x || !name) return NULL;
  const char *s = NULL;
  size_t len = 0;
  if (erplink_value_get_string(&s, &len, erplink_value_struct_get(x->raw, name)) != 0) return NULL;
  if (memchr(s, '\0', len)) return NULL;
  return s;
}

int razorpay_entity_int(int64_t *out, const razorpay_entity *x, const char *name) {
  if (!out || !x || !name)
    return erplink__error_setf(ERPLINK_EINVAL, "razorpay_entity_int: %s is NULL",
                               !out ? "out"
                               : !x ? "the entity"
                                    : "the member name");
  char where[160];
  snprintf(where, sizeof where, "payload.%.100s.entity.", x->name);
  bool has;
  int64_t v;
  int rc = opt_int(&v, &has, x->raw, name, where);
  if (rc) return rc;
  if (!has) return erplink__error_setf(ERPLINK_ENOTFOUND, "razorpay webhook: %s%.200s is absent", where, name);
  *out = v;
  return 0;
}
