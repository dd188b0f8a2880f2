#include <pthread.h>

#include "erplink/erplink.h"
#include "internal.h"
#include "test.h"

static void test_categories(void) {
  CHECK_EQ_INT(erplink_error_category_of(0), ERPLINK_CAT_NONE);
  CHECK_EQ_INT(erplink_error_category_of(ERPLINK_EINVAL), ERPLINK_CAT_INVALID);
  CHECK_EQ_INT(erplink_error_category_of(ERPLINK_ENOMEM), ERPLINK_CAT_NOMEM);
  CHECK_EQ_INT(erplink_error_category_of(ERPLINK_ECONNECT), ERPLINK_CAT_NETWORK);
  CHECK_EQ_INT(erplink_error_category_of(ERPLINK_ERECV), ERPLINK_CAT_NETWORK);
  CHECK_EQ_INT(erplink_error_category_of(ERPLINK_ETIMEOUT), ERPLINK_CAT_TIMEOUT);
  CHECK_EQ_INT(erplink_error_category_of(ERPLINK_ETLS), ERPLINK_CAT_TLS);
  CHECK_EQ_INT(erplink_error_category_of(ERPLINK_EHTTP), ERPLINK_CAT_HTTP);
  CHECK_EQ_INT(erplink_error_category_of(ERPLINK_ELIMIT), ERPLINK_CAT_PROTOCOL);
  CHECK_EQ_INT(erplink_error_category_of(ERPLINK_EAUTH), ERPLINK_CAT_AUTH);
  CHECK_EQ_INT(erplink_error_category_of(ERPLINK_EACCESS), ERPLINK_CAT_ACCESS);
  CHECK_EQ_INT(erplink_error_category_of(ERPLINK_EVALIDATION), ERPLINK_CAT_VALIDATION);
  CHECK_EQ_INT(erplink_error_category_of(ERPLINK_ENOTFOUND), ERPLINK_CAT_NOTFOUND);
  CHECK_EQ_INT(erplink_error_category_of(ERPLINK_ERATELIMIT), ERPLINK_CAT_RATELIMIT);
  CHECK_EQ_INT(erplink_error_category_of(ERPLINK_ECONFLICT), ERPLINK_CAT_CONFLICT);
  CHECK_EQ_INT(erplink_error_category_of(ERPLINK_ESIGNATURE), ERPLINK_CAT_SIGNATURE);
  CHECK_EQ_INT(erplink_error_category_of(ERPLINK_ECANCELLED), ERPLINK_CAT_CANCELLED);
  CHECK_EQ_INT(erplink_error_category_of(ERPLINK_ESERVER), ERPLINK_CAT_SERVER);
  CHECK_EQ_INT(erplink_error_category_of(-9999), ERPLINK_CAT_SERVER);
  CHECK_EQ_STR(erplink_error_category_name(ERPLINK_CAT_RATELIMIT), "rate_limited");
  CHECK_EQ_STR(erplink_strerror(ERPLINK_ECONNECT), "could not connect");
  /* every code has its own description */
  int codes[] = {ERPLINK_EINVAL,         ERPLINK_ENOMEM,    ERPLINK_ERANGE,     ERPLINK_ETYPE,       ERPLINK_ENETWORK,
                 ERPLINK_ECONNECT,       ERPLINK_EDNS,      ERPLINK_ERECV,      ERPLINK_ETIMEOUT,    ERPLINK_ETLS,
                 ERPLINK_EHTTP,          ERPLINK_EREDIRECT, ERPLINK_EPROTOCOL,  ERPLINK_ELIMIT,      ERPLINK_ETOOLARGE,
                 ERPLINK_EFORBIDDEN_XML, ERPLINK_EAUTH,     ERPLINK_EACCESS,    ERPLINK_EVALIDATION, ERPLINK_ENOTFOUND,
                 ERPLINK_ERATELIMIT,     ERPLINK_ECONFLICT, ERPLINK_ESIGNATURE, ERPLINK_ECANCELLED,  ERPLINK_ESERVER,
                 ERPLINK_EUNAVAILABLE,   ERPLINK_EBUDGET};
  for (size_t i = 0; i < sizeof codes / sizeof codes[0]; i++) {
    CHECK(strcmp(erplink_strerror(codes[i]), "unknown error") != 0);
    CHECK(erplink_error_category_of(codes[i]) != ERPLINK_CAT_NONE);
  }
}

static void test_last_error_fields(void) {
  erplink_error_clear();
  CHECK(erplink_error_last() == NULL);
  int rc = erplink__error_setx(ERPLINK_EACCESS, 403, "odoo.exceptions.AccessError", "Traceback...", 12, 1500,
                               "not allowed on %s", "res.partner");
  CHECK_EQ_INT(rc, ERPLINK_EACCESS);
  const erplink_error *e = erplink_error_last();
  REQUIRE(e != NULL);
  CHECK_EQ_INT(erplink_error_code(e), ERPLINK_EACCESS);
  CHECK_EQ_INT(erplink_error_get_category(e), ERPLINK_CAT_ACCESS);
  CHECK_EQ_INT(erplink_error_http_status(e), 403);
  CHECK_EQ_STR(erplink_error_remote_class(e), "odoo.exceptions.AccessError");
  CHECK_EQ_STR(erplink_error_detail(e), "Traceback...");
  CHECK_EQ_STR(erplink_error_message(e), "not allowed on res.partner");
  CHECK_EQ_INT(erplink_error_retry_after_ms(e), 1500);
  /* the message may refer to the previous message */
  erplink__error_setf(ERPLINK_EPROTOCOL, "outer: %s", erplink_error_message(erplink_error_last()));
  CHECK_EQ_STR(erplink_error_message(erplink_error_last()), "outer: not allowed on res.partner");
  CHECK(erplink_error_remote_class(erplink_error_last()) == NULL);
  CHECK_EQ_INT(erplink_error_retry_after_ms(erplink_error_last()), -1);
  erplink__error_prefix("decoding: ");
  CHECK_EQ_STR(erplink_error_message(erplink_error_last()), "decoding: outer: not allowed on res.partner");
  erplink_error_set(ERPLINK_EINVAL, NULL);
  CHECK_EQ_STR(erplink_error_message(erplink_error_last()), "invalid argument");
  erplink_error_clear();
  CHECK(erplink_error_last() == NULL);
  /* NULL-safe accessors */
  CHECK_EQ_INT(erplink_error_code(NULL), 0);
  CHECK_EQ_STR(erplink_error_message(NULL), "");
  CHECK_EQ_INT(erplink_error_retry_after_ms(NULL), -1);
}

static void test_detail_truncated(void) {
  size_t n = ERPLINK_DETAIL_MAX + 100;
  char *big = malloc(n);
  REQUIRE(big != NULL);
  memset(big, 'x', n);
  erplink__error_setx(ERPLINK_ESERVER, 500, NULL, big, n, -1, "boom");
  const char *d = erplink_error_detail(erplink_error_last());
  REQUIRE(d != NULL);
  CHECK(strlen(d) < n);
  CHECK(strstr(d, "truncated") != NULL);
  free(big);
}

static void *thread_fn(void *arg) {
  (void)arg;
  CHECK(erplink_error_last() == NULL); /* a new thread starts clean */
  erplink__error_setf(ERPLINK_ETIMEOUT, "thread error");
  CHECK_EQ_INT(erplink_error_code(erplink_error_last()), ERPLINK_ETIMEOUT);
  return NULL;
}

static void test_per_thread(void) {
  erplink__error_setf(ERPLINK_EAUTH, "main error");
  pthread_t t;
  REQUIRE(pthread_create(&t, NULL, thread_fn, NULL) == 0);
  pthread_join(t, NULL);
  CHECK_EQ_INT(erplink_error_code(erplink_error_last()), ERPLINK_EAUTH);
  CHECK_EQ_STR(erplink_error_message(erplink_error_last()), "main error");
}

static void test_save_restore(void) {
  erplink__error_setf(ERPLINK_ECONFLICT, "first");
  erplink__error_saved *s = erplink__error_save();
  erplink__error_setf(ERPLINK_EINVAL, "cleanup failure");
  erplink__error_restore(s);
  CHECK_EQ_INT(erplink_error_code(erplink_error_last()), ERPLINK_ECONFLICT);
  CHECK_EQ_STR(erplink_error_message(erplink_error_last()), "first");
}

int main(void) {
  RUN(test_categories);
  RUN(test_last_error_fields);
  RUN(test_detail_truncated);
  RUN(test_per_thread);
  RUN(test_save_restore);
  erplink_error_clear();
  return test_done();
}
