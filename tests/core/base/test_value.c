#include <math.h>

#include "erplink/erplink.h"
#include "builder.h"
#include "internal.h"
#include "test.h"

static void test_scalars(void) {
  erplink_value *v;
  int b;
  int64_t i;
  double d;
  const char *s;
  size_t n;
  REQUIRE(erplink_value_new_nil(&v) == 0);
  CHECK_EQ_INT(erplink_value_type(v), ERPLINK_TYPE_NIL);
  CHECK_EQ_INT(erplink_value_get_int(&i, v), ERPLINK_ETYPE);
  CHECK_EQ_INT(erplink_error_code(erplink_error_last()), ERPLINK_ETYPE);
  CHECK(strstr(erplink_error_message(erplink_error_last()), "expected int, got nil") != NULL);
  erplink_value_free(v);

  REQUIRE(erplink_value_new_bool(&v, 42) == 0);
  CHECK(erplink_value_get_bool(&b, v) == 0 && b == 1);
  erplink_value_free(v);

  REQUIRE(erplink_value_new_int(&v, INT64_MIN) == 0);
  CHECK(erplink_value_get_int(&i, v) == 0 && i == INT64_MIN);
  CHECK(erplink_value_get_double(&d, v) == 0 && d == (double)INT64_MIN);
  erplink_value_free(v);

  REQUIRE(erplink_value_new_double(&v, -0.25) == 0);
  CHECK(erplink_value_get_double(&d, v) == 0 && d == -0.25);
  CHECK_EQ_INT(erplink_value_get_string(&s, &n, v), ERPLINK_ETYPE);
  erplink_value_free(v);

  REQUIRE(erplink_value_new_stringn(&v, "a\0b", 3) == 0);
  CHECK(erplink_value_get_string(&s, &n, v) == 0 && n == 3 && s[1] == '\0' && s[3] == '\0');
  erplink_value_free(v);

  CHECK_EQ_INT(erplink_value_new_string(&v, "bad \xff utf8"), ERPLINK_EINVAL);
  CHECK(v == NULL);
  CHECK_EQ_INT(erplink_value_new_string(&v, NULL), ERPLINK_EINVAL);
  CHECK_EQ_INT(erplink_value_new_stringn(&v, NULL, 3), ERPLINK_EINVAL);
  CHECK_EQ_INT(erplink_value_new_nil(NULL), ERPLINK_EINVAL);

  const unsigned char raw[] = {0, 1, 2, 255};
  REQUIRE(erplink_value_new_bytes(&v, raw, sizeof raw) == 0);
  const void *p;
  CHECK(erplink_value_get_bytes(&p, &n, v) == 0 && n == 4 && memcmp(p, raw, 4) == 0);
  erplink_value_free(v);
  erplink_value_free(NULL);
}

static void test_datetime(void) {
  erplink_value *v;
  REQUIRE(erplink_value_new_datetime(&v, 2024, 2, 29, 23, 59, 58, 123456) == 0);
  int y, mo, d, h, mi, s, us;
  CHECK(erplink_value_get_datetime(&y, &mo, &d, &h, &mi, &s, &us, v) == 0);
  CHECK(y == 2024 && mo == 2 && d == 29 && h == 23 && mi == 59 && s == 58 && us == 123456);
  int64_t t;
  CHECK(erplink_value_get_datetime_unix_us(&t, v) == 0);
  CHECK_EQ_INT(t, 1709251198123456LL);
  erplink_value *w;
  REQUIRE(erplink_value_new_datetime_unix_us(&w, t) == 0);
  CHECK(erplink_value_equal(v, w));
  erplink_value_free(w);
  erplink_value_free(v);
  /* before the epoch */
  REQUIRE(erplink_value_new_datetime_unix_us(&v, -1) == 0);
  CHECK(erplink_value_get_datetime(&y, &mo, &d, &h, &mi, &s, &us, v) == 0);
  CHECK(y == 1969 && mo == 12 && d == 31 && h == 23 && mi == 59 && s == 59 && us == 999999);
  erplink_value_free(v);
  REQUIRE(erplink_value_new_datetime(&v, 1, 1, 1, 0, 0, 0, 0) == 0);
  CHECK(erplink_value_get_datetime_unix_us(&t, v) == 0);
  CHECK_EQ_INT(t, -62135596800LL * 1000000LL);
  erplink_value_free(v);
  CHECK_EQ_INT(erplink_value_new_datetime(&v, 2023, 2, 29, 0, 0, 0, 0), ERPLINK_EINVAL);
  CHECK_EQ_INT(erplink_value_new_datetime(&v, 2024, 13, 1, 0, 0, 0, 0), ERPLINK_EINVAL);
  CHECK_EQ_INT(erplink_value_new_datetime(&v, 0, 1, 1, 0, 0, 0, 0), ERPLINK_EINVAL);
  CHECK_EQ_INT(erplink_value_new_datetime(&v, 2024, 1, 1, 24, 0, 0, 0), ERPLINK_EINVAL);
  CHECK_EQ_INT(erplink_value_new_datetime(&v, 2024, 1, 1, 0, 0, 60, 0), ERPLINK_EINVAL);
  CHECK_EQ_INT(erplink_value_new_datetime(&v, 2024, 1, 1, 0, 0, 0, 1000000), ERPLINK_EINVAL);
  CHECK_EQ_INT(erplink_value_new_datetime_unix_us(&v, INT64_MAX), ERPLINK_ERANGE);
}

static erplink_value *sample_tree(void) {
  erplink_value *root, *rec, *m2o;
  if (erplink_value_new_struct(&root)) return NULL;
  erplink_value_struct_set_int(root, "id", 7);
  erplink_value_struct_set_string(root, "name", "Desk \xe2\x82\xb9");
  erplink_value_struct_set_bool(root, "active", 0);
  erplink_value_struct_set_double(root, "list_price", 12.5);
  erplink_value_new_array(&m2o);
  erplink_value_array_append_int(m2o, 3);
  erplink_value_array_append_string(m2o, "Furniture");
  erplink_value_struct_set(root, "categ_id", m2o);
  erplink_value_new_array(&rec);
  for (int i = 0; i < 100; i++) erplink_value_array_append_int(rec, i);
  erplink_value_struct_set(root, "ids", rec);
  return root;
}

static void test_containers(void) {
  erplink_value *root = sample_tree();
  REQUIRE(root != NULL);
  CHECK_EQ_INT(erplink_value_count(root), 6);
  const char *k;
  size_t kl;
  k = erplink_value_struct_key_at(root, 4);
  kl = erplink_value_struct_key_len_at(root, 4);
  const erplink_value *m = erplink_value_struct_value_at(root, 4);
  CHECK(m != NULL && kl == 8 && strcmp(k, "categ_id") == 0);
  CHECK_EQ_INT(erplink_value_count(m), 2);
  const char *s;
  CHECK(erplink_value_get_string(&s, NULL, erplink_value_array_at(m, 1)) == 0 && strcmp(s, "Furniture") == 0);
  CHECK(erplink_value_array_at(m, 2) == NULL);
  CHECK(erplink_value_struct_get(root, "missing") == NULL);
  CHECK(erplink_value_struct_value_at(root, 6) == NULL);
  int64_t i;
  CHECK(erplink_value_get_int(&i, erplink_value_array_at(erplink_value_struct_get(root, "ids"), 99)) == 0 && i == 99);
  /* replace keeps position */
  CHECK(erplink_value_struct_set_string(root, "id", "seven") == 0);
  CHECK_EQ_INT(erplink_value_count(root), 6);
  k = erplink_value_struct_key_at(root, 0);
  CHECK_EQ_STR(k, "id");
  CHECK_EQ_INT(erplink_value_type(erplink_value_struct_get(root, "id")), ERPLINK_TYPE_STRING);
  /* an item already in a container cannot be added again; the attempt consumes nothing it does not own */
  erplink_value *ids = (erplink_value *)erplink_value_struct_get(root, "ids");
  erplink_value *arr;
  erplink_value_new_array(&arr);
  /* ids is a child: rejected, and (being a child) not freed */
  CHECK_EQ_INT(erplink_value_array_append(arr, ids), ERPLINK_EINVAL);
  CHECK_EQ_INT(erplink_value_count(erplink_value_struct_get(root, "ids")), 100);
  CHECK_EQ_INT(erplink_value_array_append(arr, arr), ERPLINK_EINVAL);
  /* a cycle through a child container is refused and nothing is freed */
  CHECK_EQ_INT(erplink_value_array_append(ids, root), ERPLINK_EINVAL);
  CHECK_EQ_INT(erplink_value_count(root), 6);
  CHECK_EQ_INT(erplink_value_array_append(arr, NULL), ERPLINK_EINVAL);
  /* wrong container type: the item is consumed (freed) — ASan would report a leak otherwise */
  erplink_value *item;
  erplink_value_new_int(&item, 1);
  CHECK_EQ_INT(erplink_value_struct_set(arr, "x", item), ERPLINK_EINVAL);
  erplink_value_new_int(&item, 1);
  CHECK_EQ_INT(erplink_value_struct_set(root, "bad\xff", item), ERPLINK_EINVAL);
  erplink_value_free(arr);
  /* freeing a child is ignored (no double free at the end) */
  erplink_value_free(ids);
  erplink_value_free(root);
}

static void test_equal_clone(void) {
  erplink_value *a = sample_tree(), *b = sample_tree(), *c;
  REQUIRE(a && b);
  CHECK(erplink_value_equal(a, b));
  REQUIRE(erplink_value_clone(&c, a) == 0);
  CHECK(erplink_value_equal(a, c));
  erplink_value_struct_set_int(c, "id", 8);
  CHECK(!erplink_value_equal(a, c));
  erplink_value_free(c);
  /* order matters for structs */
  erplink_value *x, *y;
  erplink_value_new_struct(&x);
  erplink_value_new_struct(&y);
  erplink_value_struct_set_int(x, "a", 1);
  erplink_value_struct_set_int(x, "b", 2);
  erplink_value_struct_set_int(y, "b", 2);
  erplink_value_struct_set_int(y, "a", 1);
  CHECK(!erplink_value_equal(x, y));
  erplink_value_free(x);
  erplink_value_free(y);
  /* int never equals double; NaN equals NaN; 0.0 equals -0.0 */
  erplink_value *i1, *d1, *n1, *n2, *z1, *z2;
  erplink_value_new_int(&i1, 1);
  erplink_value_new_double(&d1, 1.0);
  CHECK(!erplink_value_equal(i1, d1));
  erplink_value_new_double(&n1, NAN);
  erplink_value_new_double(&n2, NAN);
  CHECK(erplink_value_equal(n1, n2));
  erplink_value_new_double(&z1, 0.0);
  erplink_value_new_double(&z2, -0.0);
  CHECK(erplink_value_equal(z1, z2));
  erplink_value *s1, *b1;
  erplink_value_new_string(&s1, "ab");
  erplink_value_new_bytes(&b1, "ab", 2);
  CHECK(!erplink_value_equal(s1, b1));
  CHECK(!erplink_value_equal(s1, NULL));
  CHECK(erplink_value_equal(NULL, NULL));
  erplink_value_free(i1);
  erplink_value_free(d1);
  erplink_value_free(n1);
  erplink_value_free(n2);
  erplink_value_free(z1);
  erplink_value_free(z2);
  erplink_value_free(s1);
  erplink_value_free(b1);
  erplink_value_free(a);
  erplink_value_free(b);
}

static void test_secret_and_dump(void) {
  erplink_value *args, *sec;
  erplink_value_new_array(&args);
  erplink_value_array_append_string(args, "odoo_db");
  erplink_value_array_append_int(args, 2);
  REQUIRE(erplink_value_new_secret(&sec, "hunter2-api-key") == 0);
  CHECK(erplink_value_is_secret(sec));
  erplink_value_array_append(args, sec);
  erplink_value *kw;
  erplink_value_new_struct(&kw);
  erplink_value_struct_set_string(kw, "password", "p4ssw0rd");
  erplink_value_struct_set_string(kw, "refresh_token", "rt-123");
  erplink_value_struct_set_string(kw, "login", "admin");
  erplink_value_struct_set_bool(kw, "api_key", 0);
  erplink_value_array_append(args, kw);
  char *out;
  REQUIRE(erplink_value_dump(&out, args) == 0);
  CHECK(strstr(out, "hunter2") == NULL);
  CHECK(strstr(out, "p4ssw0rd") == NULL);
  CHECK(strstr(out, "rt-123") == NULL);
  CHECK(strstr(out, "\"odoo_db\"") != NULL);
  CHECK(strstr(out, "\"login\": \"admin\"") != NULL);
  CHECK(strstr(out, "\"api_key\": false") != NULL);
  CHECK(strstr(out, "<redacted>") != NULL);
  erplink_free(out);
  /* the clone keeps the secret flag */
  erplink_value *c;
  REQUIRE(erplink_value_clone(&c, args) == 0);
  CHECK(erplink_value_is_secret(erplink_value_array_at(c, 2)));
  erplink_value_free(c);
  erplink_value_free(args);
  erplink_value *dt;
  erplink_value_new_datetime(&dt, 2024, 1, 2, 3, 4, 5, 0);
  REQUIRE(erplink_value_dump(&out, dt) == 0);
  CHECK_EQ_STR(out, "dt\"2024-01-02T03:04:05\"");
  erplink_free(out);
  erplink_value_free(dt);
  erplink_value *q;
  erplink_value_new_stringn(&q, "q\"\\\n", 4);
  REQUIRE(erplink_value_dump(&out, q) == 0);
  CHECK_EQ_STR(out, "\"q\\\"\\\\\\u000a\"");
  erplink_free(out);
  erplink_value_free(q);
}

/* The builder produces arena trees; check read-only behaviour, ownership transfer and caps. */
static void test_builder_arena(void) {
  erplink_builder *b;
  REQUIRE(erplink_builder_new(&b, NULL, 0) == 0);
  CHECK(erplink_builder_begin_struct(b) == 0);
  CHECK(erplink_builder_key(b, "k", 1) == 0);
  CHECK(erplink_builder_begin_array(b) == 0);
  for (int i = 0; i < 5000; i++) CHECK(erplink_builder_int(b, i) == 0);
  CHECK(erplink_builder_string(b, "text", 4) == 0);
  CHECK(erplink_builder_end(b) == 0);
  CHECK(erplink_builder_key(b, "k", 1) == 0);
  CHECK(erplink_builder_nil(b) == 0);
  CHECK(!erplink_builder_done(b));
  CHECK(erplink_builder_end(b) == 0);
  CHECK(erplink_builder_done(b));
  erplink_value *root = erplink_builder_take(b);
  REQUIRE(root != NULL);
  CHECK_EQ_INT(erplink_value_count(root), 2);
  CHECK_EQ_INT(erplink_value_type(erplink_value_struct_get(root, "k")), ERPLINK_TYPE_NIL); /* last wins */
  const erplink_value *arr = erplink_value_struct_value_at(root, 0);
  CHECK_EQ_INT(erplink_value_count(arr), 5001);
  /* read-only */
  erplink_value *item;
  erplink_value_new_int(&item, 1);
  CHECK_EQ_INT(erplink_value_array_append((erplink_value *)arr, item), ERPLINK_EINVAL);
  CHECK(strstr(erplink_error_message(erplink_error_last()), "read-only") != NULL);
  /* an inner node cannot be moved, a root can */
  erplink_value *holder;
  erplink_value_new_array(&holder);
  CHECK_EQ_INT(erplink_value_array_append(holder, (erplink_value *)arr), ERPLINK_EINVAL);
  CHECK_EQ_INT(erplink_value_array_append(holder, root), 0);
  erplink_value *copy;
  REQUIRE(erplink_value_clone(&copy, holder) == 0);
  CHECK(erplink_value_equal(copy, holder));
  CHECK(erplink_value_array_append(copy, NULL) == ERPLINK_EINVAL);
  erplink_value_free(copy);
  erplink_value_free(holder); /* frees the arena of root too */

  /* errors: member without name, end without begin, two top-level values */
  CHECK_EQ_INT(erplink_builder_begin_struct(b), 0);
  CHECK_EQ_INT(erplink_builder_int(b, 1), ERPLINK_EPROTOCOL);
  erplink_builder_reset(b);
  CHECK_EQ_INT(erplink_builder_end(b), ERPLINK_EPROTOCOL);
  CHECK_EQ_INT(erplink_builder_int(b, 1), 0);
  CHECK_EQ_INT(erplink_builder_int(b, 2), ERPLINK_EPROTOCOL);
  erplink_builder_free(b);

  /* caps */
  erplink_limits *l;
  erplink_limits_new(&l);
  erplink_limits_set_max_depth(l, 3);
  erplink_limits_set_max_elements(l, 10);
  REQUIRE(erplink_builder_new(&b, l, 0) == 0);
  CHECK_EQ_INT(erplink_builder_begin_array(b), 0);
  CHECK_EQ_INT(erplink_builder_begin_array(b), 0);
  CHECK_EQ_INT(erplink_builder_begin_array(b), 0);
  CHECK_EQ_INT(erplink_builder_begin_array(b), ERPLINK_ELIMIT);
  CHECK(strstr(erplink_error_message(erplink_error_last()), "depth cap") != NULL);
  erplink_builder_reset(b);
  CHECK_EQ_INT(erplink_builder_begin_array(b), 0);
  int rc = 0;
  for (int i = 0; i < 20 && rc == 0; i++) rc = erplink_builder_int(b, i);
  CHECK_EQ_INT(rc, ERPLINK_ELIMIT);
  CHECK(strstr(erplink_error_message(erplink_error_last()), "element cap") != NULL);
  erplink_builder_free(b); /* frees the unfinished arena */
  erplink_limits_free(l);
  /* large strings get blocks of their own */
  REQUIRE(erplink_builder_new(&b, NULL, 0) == 0);
  size_t big = 3 * 1024 * 1024;
  char *s = malloc(big);
  REQUIRE(s);
  memset(s, 'z', big);
  CHECK(erplink_builder_begin_array(b) == 0);
  CHECK(erplink_builder_string(b, s, big) == 0);
  CHECK(erplink_builder_bytes(b, s, 10) == 0);
  CHECK(erplink_builder_end(b) == 0);
  root = erplink_builder_take(b);
  const char *str;
  size_t sl;
  CHECK(erplink_value_get_string(&str, &sl, erplink_value_array_at(root, 0)) == 0 && sl == big && str[big] == '\0');
  erplink_value_free(root);
  free(s);
  erplink_builder_free(b);
}

static void test_struct_append(void) {
  erplink_value *st;
  REQUIRE(erplink_value_new_struct(&st) == 0);
  /* 200,000 unique keys: linear time (struct_set would scan on every insert) */
  char key[32];
  for (int i = 0; i < 200000; i++) {
    snprintf(key, sizeof key, "k%d", i);
    erplink_value *v;
    erplink_value_new_int(&v, i);
    REQUIRE(erplink_value_struct_append(st, key, v) == 0);
  }
  CHECK_EQ_INT(erplink_value_count(st), 200000);
  int64_t i;
  CHECK(erplink_value_get_int(&i, erplink_value_struct_get(st, "k123456")) == 0 && i == 123456);
  /* a repeated key is kept twice and the last wins on lookup */
  erplink_value *v;
  erplink_value_new_string(&v, "again");
  CHECK_EQ_INT(erplink_value_struct_append(st, "k0", v), 0);
  CHECK_EQ_INT(erplink_value_count(st), 200001);
  CHECK_EQ_INT(erplink_value_type(erplink_value_struct_get(st, "k0")), ERPLINK_TYPE_STRING);
  erplink_value_new_int(&v, 1);
  CHECK_EQ_INT(erplink_value_struct_append(st, NULL, v), ERPLINK_EINVAL);
  erplink_value_free(st);
}

/* A subtree handed out of its tree: decoded trees without a copy, built ones by a copy. */
static void test_adopt_subtree(void) {
  const char *doc = "{\"jsonrpc\":\"2.0\",\"id\":7,\"result\":[{\"id\":1,\"name\":\"a\",\"tags\":[1,2]},{\"id\":2}]}";
  erplink_value *env = NULL, *want = NULL, *got = NULL;
  REQUIRE(erplink_json_decode(&env, doc, strlen(doc), NULL) == 0);
  const erplink_value *res = erplink_value_struct_get(env, "result");
  REQUIRE(res && erplink_value_clone(&want, res) == 0);
  CHECK(erplink__value_adopt_subtree(&got, env, res) == 0);
  /* the handle is the tree's root node, now with the result's contents */
  CHECK(got == env);
  CHECK(erplink_value_equal(got, want));
  CHECK_EQ_INT(erplink_value_type(got), ERPLINK_TYPE_ARRAY);
  CHECK_EQ_INT(erplink_value_count(got), 2);
  int64_t i = 0;
  CHECK(erplink_value_get_int(&i, erplink_value_struct_get(erplink_value_array_at(got, 0), "id")) == 0 && i == 1);
  char *j = NULL;
  CHECK(erplink_json_encode(&j, NULL, got) == 0 && j &&
        !strcmp(j, "[{\"id\":1,\"name\":\"a\",\"tags\":[1,2]},{\"id\":2}]"));
  erplink_free(j);
  erplink_value_free(got); /* the whole arena (ASan: nothing leaks) */
  /* a scalar subtree, and the root itself */
  REQUIRE(erplink_json_decode(&env, doc, strlen(doc), NULL) == 0);
  CHECK(erplink__value_adopt_subtree(&got, env, erplink_value_struct_get(env, "jsonrpc")) == 0);
  const char *str = NULL;
  CHECK(erplink_value_get_string(&str, NULL, got) == 0 && !strcmp(str, "2.0"));
  erplink_value_free(got);
  REQUIRE(erplink_json_decode(&env, doc, strlen(doc), NULL) == 0);
  CHECK(erplink__value_adopt_subtree(&got, env, env) == 0 && got == env);
  erplink_value_free(got);
  /* the XML-RPC decoder's trees too */
  const char *xml = "<?xml version=\"1.0\"?><methodResponse><params><param><value><struct><member><name>r</name>"
                    "<value><array><data><value><int>5</int></value></data></array></value></member></struct></value>"
                    "</param></params></methodResponse>";
  int fault = 1;
  REQUIRE(erplink_xmlrpc_decode_response(&env, &fault, xml, strlen(xml), NULL) == 0 && !fault);
  CHECK(erplink__value_adopt_subtree(&got, env, erplink_value_struct_get(env, "r")) == 0);
  CHECK(erplink_value_get_int(&i, erplink_value_array_at(got, 0)) == 0 && i == 5);
  erplink_value_free(got);
  /* a built tree: the subtree is copied and the tree freed */
  erplink_value *built = NULL, *inner = NULL;
  REQUIRE(erplink_value_new_struct(&built) == 0 && erplink_value_new_array(&inner) == 0);
  REQUIRE(erplink_value_array_append_int(inner, 42) == 0 && erplink_value_struct_set(built, "x", inner) == 0);
  CHECK(erplink__value_adopt_subtree(&got, built, erplink_value_struct_get(built, "x")) == 0);
  CHECK(got && erplink_value_get_int(&i, erplink_value_array_at(got, 0)) == 0 && i == 42);
  erplink_value_free(got);
  /* refusals consume the tree too */
  REQUIRE(erplink_value_new_struct(&built) == 0 && erplink_value_new_int(&inner, 1) == 0);
  CHECK_EQ_INT(erplink__value_adopt_subtree(&got, built, inner), ERPLINK_EINVAL);
  CHECK(got == NULL);
  erplink_value_free(inner);
  REQUIRE(erplink_json_decode(&env, doc, strlen(doc), NULL) == 0);
  CHECK_EQ_INT(erplink__value_adopt_subtree(&got, env, NULL), ERPLINK_EINVAL);
  erplink_value_free(want);
}

int main(void) {
  RUN(test_scalars);
  RUN(test_struct_append);
  RUN(test_datetime);
  RUN(test_containers);
  RUN(test_equal_clone);
  RUN(test_secret_and_dump);
  RUN(test_builder_arena);
  RUN(test_adopt_subtree);
  erplink_error_clear();
  return test_done();
}
