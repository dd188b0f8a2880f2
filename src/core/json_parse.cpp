/* The JSON parser (see json_parse.h): simdjson's On-Demand API, walked with a heap stack
 * (any nesting depth is safe), building erplink's arena tree as it goes. simdjson finds the
 * structure and validates UTF-8, strings, escapes (surrogate pairs included), literals and
 * numbers; this glue adds what erplink promises on top (caps while parsing, int64/double
 * mapping, numbers beyond int64 and beyond the double range, byte offsets in messages).
 *
 * No exceptions and no C++ library allocation: memory comes from malloc and the arena, and
 * every simdjson call goes through its error-code interface. */
#include <atomic>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <string_view>

#include <simdjson.h>
#include <sys/mman.h>

/* internal.h declares erplink__parallel_for() with C11's atomic_int, which C++17 spells
 * std::atomic_int. */
using std::atomic_int;
extern "C" {
#include "arena.h"
#include "internal.h"
#include "numparse.h"
}
#include "json_parse.h"

namespace od = simdjson::ondemand;

static_assert(ERPLINK_JSON_PADDING == simdjson::SIMDJSON_PADDING, "ERPLINK_JSON_PADDING must be SIMDJSON_PADDING");

namespace {

constexpr size_t NUMBER_MAX_CHARS = 4096;

/* Repeated keys (the same fields in every record of an array) share one arena copy: slot
 * [depth][member index] remembers the key last seen there. */
constexpr size_t KEY_CACHE_DEPTH = 8;
constexpr size_t KEY_CACHE_SLOTS = 32;

struct key_slot {
  const char *key;
  size_t len;
};

struct frame {
  erplink_value *node;
  size_t start; /* first scratch slot of this container */
  bool obj;
  bool pending; /* a child was read: advance the iterator before the next one */
  od::array_iterator ait;
  od::object_iterator oit;
};

inline bool is_ws(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r'; }

std::string_view trim_ws(std::string_view s) {
  size_t n = s.size();
  while (n && is_ws(s[n - 1])) n--;
  return s.substr(0, n);
}

/* RFC 8259 number grammar over a whole token; *integral when it has no fraction or exponent. */
bool number_syntax(std::string_view s, bool *integral) {
  size_t i = 0, n = s.size();
  auto digits = [&]() {
    size_t b = i;
    while (i < n && s[i] >= '0' && s[i] <= '9') i++;
    return i - b;
  };
  if (i < n && s[i] == '-') i++;
  if (i < n && s[i] == '0')
    i++;
  else if (!digits())
    return false;
  *integral = true;
  if (i < n && s[i] == '.') {
    i++;
    if (!digits()) return false;
    *integral = false;
  }
  if (i < n && (s[i] == 'e' || s[i] == 'E')) {
    i++;
    if (i < n && (s[i] == '+' || s[i] == '-')) i++;
    if (!digits()) return false;
    *integral = false;
  }
  return i == n;
}

bool is_hex(unsigned c, unsigned *v) {
  if (c >= '0' && c <= '9')
    *v = c - '0';
  else if (c >= 'a' && c <= 'f')
    *v = c - 'a' + 10;
  else if (c >= 'A' && c <= 'F')
    *v = c - 'A' + 10;
  else
    return false;
  return true;
}

/* Says why simdjson refused the string whose content starts at p (after the quote): the
 * first bad escape. Returns its offset from p; *why receives the reason. */
size_t string_diagnosis(const char *p, const char *end, const char **why) {
  const char *s = p;
  bool want_low = false;
  *why = "invalid string";
  while (s < end && *s != '"') {
    if (*s != '\\') {
      if (want_low) {
        *why = "a lone high surrogate \\u escape";
        return (size_t)(s - p);
      }
      s++;
      continue;
    }
    if (s + 1 >= end) break;
    char e = s[1];
    if (e != 'u') {
      if (want_low) {
        *why = "a lone high surrogate \\u escape";
        return (size_t)(s + 1 - p);
      }
      if (!strchr("\"\\/bfnrt", e) || e == '\0') {
        *why = "invalid escape in a string";
        return (size_t)(s + 1 - p);
      }
      s += 2;
      continue;
    }
    uint32_t cp = 0;
    for (int k = 0; k < 4; k++) {
      unsigned v;
      if (s + 2 + k >= end || !is_hex((unsigned char)s[2 + k], &v)) {
        *why = "invalid \\u escape (four hexadecimal digits expected)";
        return (size_t)(s + 2 + k - p);
      }
      cp = cp * 16 + v;
    }
    size_t last = (size_t)(s + 5 - p);
    if (want_low) {
      if (cp < 0xDC00 || cp > 0xDFFF) {
        *why = "a high surrogate \\u escape is not followed by a low surrogate";
        return last;
      }
      want_low = false;
    } else if (cp >= 0xD800 && cp <= 0xDBFF) {
      want_low = true;
    } else if (cp >= 0xDC00 && cp <= 0xDFFF) {
      *why = "a lone low surrogate \\u escape";
      return last;
    }
    s += 6;
  }
  if (want_low) *why = "a lone high surrogate \\u escape";
  return (size_t)(s - p);
}

/* Offset of the first byte that is not valid UTF-8 (rejecting overlongs, surrogates and
 * code points beyond U+10FFFF), or len. */
size_t first_bad_utf8(const char *str, size_t len) {
  const unsigned char *s = (const unsigned char *)str;
  size_t i = 0;
  while (i < len) {
    unsigned c = s[i];
    size_t n = c < 0x80 ? 1 : c >= 0xC2 && c <= 0xDF ? 2 : c >= 0xE0 && c <= 0xEF ? 3 : c >= 0xF0 && c <= 0xF4 ? 4 : 0;
    if (n == 0 || i + n > len || !erplink__utf8_valid(str + i, n)) return i;
    i += n;
  }
  return len;
}

/* Offset of the first control byte inside a string, or len. */
size_t first_raw_control(const char *s, size_t len) {
  bool in = false;
  for (size_t i = 0; i < len; i++) {
    unsigned char c = (unsigned char)s[i];
    if (in && c < 0x20) return i;
    if (in && c == '\\')
      i++;
    else if (c == '"')
      in = !in;
  }
  return len;
}

/* Where the first top-level value ends when it is a container that closes before the end
 * (trailing content), or len when it never closes (truncated). */
size_t root_end(const char *s, size_t len) {
  size_t depth = 0, i = 0;
  while (i < len && is_ws(s[i])) i++;
  bool in = false;
  for (; i < len; i++) {
    char c = s[i];
    if (in) {
      if (c == '\\')
        i++;
      else if (c == '"')
        in = false;
      continue;
    }
    if (c == '"')
      in = true;
    else if (c == '[' || c == '{')
      depth++;
    else if ((c == ']' || c == '}') && depth && --depth == 0)
      return i + 1;
  }
  return len;
}

/* Where the content after a top-level string or literal starts. */
size_t after_scalar(const char *s, size_t len) {
  size_t i = 0;
  while (i < len && is_ws(s[i])) i++;
  if (i < len && s[i] == '"') {
    for (i++; i < len && s[i] != '"'; i++)
      if (s[i] == '\\') i++;
    i++;
  } else {
    while (i < len && !is_ws(s[i])) i++;
  }
  while (i < len && is_ws(s[i])) i++;
  return i < len ? i : len;
}

/* The arena's bump allocation, inlined (the arena's own function takes the slow path). */
simdjson_inline void *bump(erplink_arena *a, size_t size, size_t align) {
  uintptr_t p = ((uintptr_t)a->cur + (align - 1)) & ~(uintptr_t)(align - 1);
  if (ERPLINK_LIKELY(p <= (uintptr_t)a->end && size <= (size_t)((uintptr_t)a->end - p))) {
    a->cur = (char *)(p + size);
    return (void *)p;
  }
  return erplink_arena_alloc(a, size, align);
}

/* The walkers' heap stacks (frames hold simdjson iterators: plain data, moved by realloc). */
template <class F> bool room_for_frame(F *&stack, size_t &cap, size_t depth) {
  if (depth < cap) return true;
  size_t ncap = cap ? cap * 2 : 32;
  F *p = (F *)realloc((void *)stack, ncap * sizeof *p);
  if (!p) return false;
  stack = p;
  cap = ncap;
  return true;
}

erplink_value *new_root(erplink_arena **a, size_t hint) {
  return erplink_arena_new_root(a, hint ? hint + hint / 2 : 0);
}

/* The On-Demand walker: the exact path. It builds the tree of any valid document and
 * explains any invalid one (byte offset and reason); numbers simdjson refuses (beyond 64
 * bits or beyond the double range) are classified here. */
class walker {
public:
  walker(const char *buf, size_t len, const struct erplink_limits *lim, size_t hint)
      : buf_(buf), len_(len), max_depth_(lim->max_depth), max_elements_(lim->max_elements), hint_(hint) {}
  ~walker() {
    if (arena_) erplink_arena_free(arena_);
    free(scratch_);
    free(stack_);
  }
  walker(const walker &) = delete;
  walker &operator=(const walker &) = delete;

  int run(erplink_value **out);

private:
  const char *buf_;
  size_t len_;
  size_t max_depth_, max_elements_, hint_;
  od::parser parser_;
  od::document doc_;
  erplink_arena *arena_ = nullptr;
  erplink_value *root_ = nullptr;
  erplink_member *scratch_ = nullptr;
  size_t slen_ = 0, scap_ = 0;
  frame *stack_ = nullptr;
  size_t depth_ = 0, stack_cap_ = 0;
  size_t elements_ = 0;
  const char *key_ = nullptr; /* key of the member being read */
  size_t key_len_ = 0;
  key_slot keys_[KEY_CACHE_DEPTH][KEY_CACHE_SLOTS] = {};

  size_t offset(const char *p) const { return p >= buf_ && p <= buf_ + len_ ? (size_t)(p - buf_) : len_; }
  size_t here() {
    const char *p = nullptr;
    if (doc_.current_location().get(p)) return len_;
    return offset(p);
  }
  int fail(int code, size_t at, const char *what) {
    return erplink__error_setf(code, "invalid JSON at byte %zu: %s", at, what);
  }
  int oom() { return erplink__error_setf(ERPLINK_ENOMEM, "out of memory while decoding JSON"); }
  int syntax(simdjson::error_code e, size_t at);

  void *alloc(size_t size, size_t align) { return bump(arena_, size, align); }
  erplink_value *place(uint8_t type, size_t at);
  int push(uint8_t type, size_t at);
  int close();
  int take_key(od::field &f);
  int string(std::string_view s, size_t at);
  int number_fallback(std::string_view tok, size_t at);
  template <class V> int scalar(V &v, od::json_type t, std::string_view tok, size_t at);
};

int walker::syntax(simdjson::error_code e, size_t at) {
  switch (e) {
  case simdjson::MEMALLOC: return oom();
  case simdjson::CAPACITY:
    return erplink__error_setf(ERPLINK_ELIMIT, "JSON document of %zu bytes is too large for the parser", len_);
  case simdjson::UTF8_ERROR: {
    size_t bad = first_bad_utf8(buf_, len_);
    return fail(ERPLINK_EPROTOCOL, bad, "invalid UTF-8");
  }
  case simdjson::UNESCAPED_CHARS:
    return fail(ERPLINK_EPROTOCOL, first_raw_control(buf_, len_), "unescaped control character in a string");
  case simdjson::UNCLOSED_STRING: return fail(ERPLINK_EPROTOCOL, len_, "premature EOF inside a string");
  case simdjson::T_ATOM_ERROR:
  case simdjson::F_ATOM_ERROR:
  case simdjson::N_ATOM_ERROR: return fail(ERPLINK_EPROTOCOL, at, "invalid literal");
  case simdjson::NUMBER_ERROR: return fail(ERPLINK_EPROTOCOL, at, "invalid number");
  case simdjson::INCOMPLETE_ARRAY_OR_OBJECT: {
    /* simdjson checks that the last token closes the top-level container */
    size_t end = root_end(buf_, len_);
    size_t i = end;
    while (i < len_ && is_ws(buf_[i])) i++;
    if (end < len_ && i < len_) return fail(ERPLINK_EPROTOCOL, i, "trailing garbage after the document");
    return fail(ERPLINK_EPROTOCOL, len_, "premature EOF (the document is truncated)");
  }
  case simdjson::TRAILING_CONTENT: /* after a top-level string or literal */
    return fail(ERPLINK_EPROTOCOL, after_scalar(buf_, len_), "trailing garbage after the document");
  case simdjson::EMPTY: return fail(ERPLINK_EPROTOCOL, 0, "the document is empty");
  default: {
    if (at >= len_) return fail(ERPLINK_EPROTOCOL, len_, "premature EOF (the document is truncated)");
    unsigned char c = (unsigned char)buf_[at];
    if (c >= 0x20 && c < 0x7f)
      return erplink__error_setf(ERPLINK_EPROTOCOL, "invalid JSON at byte %zu: unexpected '%c'", at, (char)c);
    return erplink__error_setf(ERPLINK_EPROTOCOL, "invalid JSON at byte %zu: unexpected byte 0x%02x", at, c);
  }
  }
}

erplink_value *walker::place(uint8_t type, size_t at) {
  if (ERPLINK_UNLIKELY(++elements_ > max_elements_)) {
    erplink__error_setf(ERPLINK_ELIMIT,
                        "invalid JSON at byte %zu: document has more than %zu elements (the element cap)", at,
                        max_elements_);
    return nullptr;
  }
  if (depth_ == 0) {
    root_->type = type;
    return root_;
  }
  erplink_value *v = (erplink_value *)alloc(sizeof *v, alignof(erplink_value));
  if (ERPLINK_UNLIKELY(!v)) {
    oom();
    return nullptr;
  }
  v->type = type;
  v->flags = ERPLINK_VF_ARENA | ERPLINK_VF_CHILD;
  if (ERPLINK_UNLIKELY(slen_ == scap_)) {
    size_t ncap = scap_ ? scap_ * 2 : 256;
    erplink_member *p = (erplink_member *)realloc(scratch_, ncap * sizeof *p);
    if (!p) {
      oom();
      return nullptr;
    }
    scratch_ = p;
    scap_ = ncap;
  }
  erplink_member *m = &scratch_[slen_++];
  m->key = key_;
  m->key_len = key_len_;
  m->val = v;
  return v;
}

int walker::push(uint8_t type, size_t at) {
  if (depth_ >= max_depth_)
    return erplink__error_setf(ERPLINK_ELIMIT,
                               "invalid JSON at byte %zu: document nested deeper than %zu levels (the depth cap)", at,
                               max_depth_);
  erplink_value *v = place(type, at);
  if (!v) return erplink_error_code(erplink_error_last());
  if (!room_for_frame(stack_, stack_cap_, depth_)) return oom();
  frame *f = new (&stack_[depth_++]) frame();
  f->node = v;
  f->start = slen_;
  f->obj = type == ERPLINK_TYPE_STRUCT;
  f->pending = false;
  return 0;
}

int walker::close() {
  frame *f = &stack_[depth_ - 1];
  size_t n = slen_ - f->start;
  erplink_value *v = f->node;
  if (!f->obj) {
    erplink_value **items = nullptr;
    if (n) {
      items = (erplink_value **)alloc(n * sizeof *items, alignof(erplink_value *));
      if (!items) return oom();
      const erplink_member *m = scratch_ + f->start;
      for (size_t i = 0; i < n; i++) items[i] = m[i].val;
    }
    v->u.a.items = items;
    v->u.a.len = v->u.a.cap = n;
  } else {
    erplink_member *m = nullptr;
    if (n) {
      m = (erplink_member *)alloc(n * sizeof *m, alignof(erplink_member));
      if (!m) return oom();
      memcpy(m, scratch_ + f->start, n * sizeof *m);
    }
    v->u.st.m = m;
    v->u.st.len = v->u.st.cap = n;
  }
  slen_ = f->start;
  depth_--;
  return 0;
}

int walker::take_key(od::field &f) {
  const char *raw = f.key().raw();
  size_t idx = slen_ - stack_[depth_ - 1].start;
  key_slot *slot = depth_ <= KEY_CACHE_DEPTH && idx < KEY_CACHE_SLOTS ? &keys_[depth_ - 1][idx] : nullptr;
  /* A cached key has neither '\\' nor '"', so raw bytes equal to it followed by the closing
   * quote are that very key. */
  if (slot && slot->key && slot->len < (size_t)(buf_ + len_ - raw) && memcmp(raw, slot->key, slot->len) == 0 &&
      raw[slot->len] == '"') {
    key_ = slot->key;
    key_len_ = slot->len;
    return 0;
  }
  std::string_view k;
  simdjson::error_code e = f.unescaped_key().get(k);
  if (e) {
    const char *why;
    size_t off = string_diagnosis(raw, buf_ + len_, &why);
    return fail(ERPLINK_EPROTOCOL, offset(raw) + off, why);
  }
  char *copy = (char *)alloc(k.size() + 1, 1);
  if (!copy) return oom();
  memcpy(copy, k.data(), k.size());
  copy[k.size()] = '\0';
  key_ = copy;
  key_len_ = k.size();
  if (slot && !memchr(copy, '\\', k.size()) && !memchr(copy, '"', k.size())) {
    slot->key = copy;
    slot->len = k.size();
  }
  return 0;
}

int walker::string(std::string_view s, size_t at) {
  char *copy = (char *)alloc(s.size() + 1, 1);
  if (!copy) return oom();
  memcpy(copy, s.data(), s.size());
  copy[s.size()] = '\0';
  erplink_value *v = place(ERPLINK_TYPE_STRING, at);
  if (!v) return erplink_error_code(erplink_error_last());
  v->u.s.ptr = copy;
  v->u.s.len = s.size();
  return 0;
}

/* A number simdjson refused: beyond 64 bits, beyond the double range, too long, or invalid. */
int walker::number_fallback(std::string_view tok, size_t at) {
  tok = trim_ws(tok);
  if (tok.size() > NUMBER_MAX_CHARS)
    return erplink__error_setf(ERPLINK_ELIMIT,
                               "invalid JSON at byte %zu: number written with %zu characters (more than %zu)", at,
                               tok.size(), NUMBER_MAX_CHARS);
  bool integral = false;
  if (!number_syntax(tok, &integral)) return fail(ERPLINK_EPROTOCOL, at, "invalid number");
  if (integral) {
    int64_t i;
    bool overflow = false;
    if (erplink__parse_int64(tok.data(), tok.size(), &i, &overflow)) {
      erplink_value *v = place(ERPLINK_TYPE_INT, at);
      if (!v) return erplink_error_code(erplink_error_last());
      v->u.i = i;
      return 0;
    }
    /* beyond int64: the nearest double */
  }
  double d;
  if (!erplink__parse_double(tok.data(), tok.size(), &d))
    return erplink__error_setf(ERPLINK_ERANGE, "invalid JSON at byte %zu: number %.*s is outside the range of a double",
                               at, tok.size() > 40 ? 40 : (int)tok.size(), tok.data());
  erplink_value *v = place(ERPLINK_TYPE_DOUBLE, at);
  if (!v) return erplink_error_code(erplink_error_last());
  v->u.d = d;
  return 0;
}

template <class V> int walker::scalar(V &v, od::json_type t, std::string_view tok, size_t at) {
  simdjson::error_code e;
  switch (t) {
  case od::json_type::number: {
    od::number num;
    if ((e = v.get_number().get(num))) return number_fallback(tok, at);
    erplink_value *x;
    switch (num.get_number_type()) {
    case od::number_type::signed_integer:
      if (!(x = place(ERPLINK_TYPE_INT, at))) return erplink_error_code(erplink_error_last());
      x->u.i = num.get_int64();
      return 0;
    case od::number_type::unsigned_integer: /* beyond int64: the nearest double */
      if (!(x = place(ERPLINK_TYPE_DOUBLE, at))) return erplink_error_code(erplink_error_last());
      x->u.d = (double)num.get_uint64();
      return 0;
    default:
      /* (simdjson 3.0.1's On-Demand get_number() gives 0 for a mantissa of more than 19
       * digits: such tokens are read by strtod) */
      if (ERPLINK_UNLIKELY(tok.size() > 19)) return number_fallback(tok, at);
      if (!(x = place(ERPLINK_TYPE_DOUBLE, at))) return erplink_error_code(erplink_error_last());
      x->u.d = num.get_double();
      return 0;
    }
  }
  case od::json_type::string: {
    std::string_view s;
    if ((e = v.get_string().get(s))) {
      if (e != simdjson::STRING_ERROR) return syntax(e, at);
      const char *why;
      size_t off = string_diagnosis(tok.data() + 1, buf_ + len_, &why);
      return fail(ERPLINK_EPROTOCOL, at + 1 + off, why);
    }
    return string(s, at);
  }
  case od::json_type::boolean: {
    bool b;
    if ((e = v.get_bool().get(b))) return fail(ERPLINK_EPROTOCOL, at, "invalid literal");
    erplink_value *x = place(ERPLINK_TYPE_BOOL, at);
    if (!x) return erplink_error_code(erplink_error_last());
    x->u.b = b;
    return 0;
  }
  case od::json_type::null: {
    bool isnull = false;
    if ((e = v.is_null().get(isnull)) || !isnull) return fail(ERPLINK_EPROTOCOL, at, "invalid literal");
    return place(ERPLINK_TYPE_NIL, at) ? 0 : erplink_error_code(erplink_error_last());
  }
  default: return fail(ERPLINK_EPROTOCOL, at, "invalid value");
  }
}

int walker::run(erplink_value **out) {
  /* simdjson's own depth bookkeeping must cover the cap (the walk enforces the cap itself) */
  size_t depth = max_depth_ < SIZE_MAX - 2 ? max_depth_ + 2 : max_depth_;
  simdjson::error_code e = parser_.allocate(len_ ? len_ : 1, depth);
  if (!e) e = parser_.iterate(buf_, len_, len_ + ERPLINK_JSON_PADDING).get(doc_);
  if (e) return syntax(e, 0);
  root_ = new_root(&arena_, hint_);
  if (!root_) return oom();

  od::json_type t;
  if ((e = doc_.type().get(t))) return syntax(e, here());
  int rc;
  if (t == od::json_type::array || t == od::json_type::object) {
    size_t at = here();
    if ((rc = push(t == od::json_type::array ? ERPLINK_TYPE_ARRAY : ERPLINK_TYPE_STRUCT, at))) return rc;
    frame *f = &stack_[0];
    if (t == od::json_type::array) {
      od::array a;
      if ((e = doc_.get_array().get(a)) || (e = a.begin().get(f->ait))) return syntax(e, here());
    } else {
      od::object o;
      if ((e = doc_.get_object().get(o)) || (e = o.begin().get(f->oit))) return syntax(e, here());
    }
  } else {
    std::string_view tok;
    size_t at = here();
    if ((e = doc_.raw_json_token().get(tok))) return syntax(e, at);
    if (t == od::json_type::number) {
      /* a top-level number: the token is everything up to the first blank */
      const char *end = buf_ + len_, *q = tok.data(), *r;
      while (q < end && !is_ws(*q)) q++;
      for (r = q; r < end && is_ws(*r);) r++;
      if (r < end) return fail(ERPLINK_EPROTOCOL, offset(r), "trailing garbage after the document");
      tok = std::string_view(tok.data(), (size_t)(q - tok.data()));
    }
    if (t == od::json_type::boolean || t == od::json_type::null) {
      /* On-Demand reads a top-level literal's first letters only */
      const char *end = buf_ + len_, *q = tok.data();
      while (q < end && !is_ws(*q)) q++;
      std::string_view lit(tok.data(), (size_t)(q - tok.data()));
      if (lit != "true" && lit != "false" && lit != "null") return fail(ERPLINK_EPROTOCOL, at, "invalid literal");
      /* (and 3.0.1 refuses "null " and "false " there): the literal is read here */
      erplink_value *x = place(lit == "null" ? ERPLINK_TYPE_NIL : ERPLINK_TYPE_BOOL, at);
      if (!x) return erplink_error_code(erplink_error_last());
      if (lit != "null") x->u.b = lit == "true";
    } else if ((rc = scalar(doc_, t, tok, at))) {
      return rc;
    }
    /* On-Demand does not look past a top-level string */
    size_t after = after_scalar(buf_, len_);
    if (after < len_) return fail(ERPLINK_EPROTOCOL, after, "trailing garbage after the document");
  }

  while (depth_ > 0) {
    frame *f = &stack_[depth_ - 1];
    od::value v;
    /* The iterators' operator!= only asks whether the container is still open; an error
     * keeps it open and is returned by the next operator*. */
    if (f->obj) {
      if (f->pending) ++f->oit;
      f->pending = false;
      if (!(f->oit != f->oit)) {
        if ((rc = close())) return rc;
        continue;
      }
      od::field fld;
      if ((e = (*f->oit).get(fld))) return syntax(e, here());
      if ((rc = take_key(fld))) return rc;
      v = fld.value();
    } else {
      if (f->pending) ++f->ait;
      f->pending = false;
      if (!(f->ait != f->ait)) {
        if ((rc = close())) return rc;
        continue;
      }
      if ((e = (*f->ait).get(v))) return syntax(e, here());
      key_ = nullptr;
      key_len_ = 0;
    }
    f->pending = true;
    std::string_view tok = v.raw_json_token();
    size_t at = offset(tok.data());
    od::json_type vt;
    if ((e = v.type().get(vt))) return syntax(e, at);
    if (vt == od::json_type::array) {
      if ((rc = push(ERPLINK_TYPE_ARRAY, at))) return rc;
      od::array a;
      if ((e = v.get_array().get(a)) || (e = a.begin().get(stack_[depth_ - 1].ait))) return syntax(e, here());
    } else if (vt == od::json_type::object) {
      if ((rc = push(ERPLINK_TYPE_STRUCT, at))) return rc;
      od::object o;
      if ((e = v.get_object().get(o)) || (e = o.begin().get(stack_[depth_ - 1].oit))) return syntax(e, here());
    } else if ((rc = scalar(v, vt, tok, at))) {
      return rc;
    }
  }
  if (t == od::json_type::array || t == od::json_type::object) {
    const char *p = nullptr;
    if (!doc_.current_location().get(p))
      return fail(ERPLINK_EPROTOCOL, offset(p), "trailing garbage after the document");
  }
  *out = root_;
  arena_ = nullptr; /* owned by the root now */
  return 0;
}

/* ================================================================ the fast path
 *
 * simdjson's stage 1 (SIMD code chosen at run time for the CPU: it indexes every structural
 * character and token start, and validates UTF-8, string termination and control characters)
 * followed by erplink's own stage 2, which checks the grammar exactly as simdjson's DOM stage 2
 * does (the same state machine) and builds the tree directly: no tape and no string buffer in
 * between. Strings and keys are unescaped (escapes and surrogate pairs validated) by
 * simdjson's SIMD string parser straight into the arena; numbers are read by simdjson's number
 * parser. A container's children wait in a scratch stack until it closes, then move into
 * exactly sized arena arrays (children contiguous, as erplink_value nodes).
 *
 * Memory beyond the body: the structural indexes (4 bytes per token: about 0.7 times the body
 * for API answers) and the scratch of the open containers (32 bytes per pending child).
 *
 * Anything it does not decide alone (a scalar document, a cap reached, a number beyond int64
 * or beyond the double range, any error and its byte offset) is left to the On-Demand walker,
 * which repeats the document and reports exactly. */

namespace sj = simdjson;

enum { FAST_OK = 0, FAST_REDO = 1 };

/* Bytes a token may be read beyond its next structural character (SIMD string copies of 32
 * or 64 bytes, 8-digit number reads, 16-byte key comparisons). */
constexpr size_t READ_AHEAD = 64;

struct pending_key {
  const char *key;
  size_t len;
};

struct fast_frame {
  size_t vstart, kstart; /* first scratch slots of this container's children and keys */
  size_t slot;           /* this container's node in the value scratch; SIZE_MAX: the root */
  bool obj;
};

/* A cached key: its bytes and the closing quote, the first 16 of them compared in two
 * masked 64-bit comparisons. */
struct key_slot16 {
  const char *key;
  size_t len;
  uint64_t h0, h1, m0, m1;
};

/* simdjson's number parser writes through this (the DOM writes to its tape). */
struct num_writer {
  erplink_value *v;
  void append_s64(int64_t i) {
    v->type = ERPLINK_TYPE_INT;
    v->u.i = i;
  }
  void append_u64(uint64_t u) { /* beyond int64: the nearest double */
    v->type = ERPLINK_TYPE_DOUBLE;
    v->u.d = (double)u;
  }
  void append_double(double d) {
    v->type = ERPLINK_TYPE_DOUBLE;
    v->u.d = d;
  }
  void skip_double() {}
};

/* Length of the number token at p (its characters: digits, sign, point, exponent). */
size_t number_len(const uint8_t *p, const uint8_t *end) {
  const uint8_t *q = p;
  while (q < end && ((*q >= '0' && *q <= '9') || *q == '-' || *q == '+' || *q == '.' || *q == 'e' || *q == 'E')) q++;
  return (size_t)(q - p);
}

/* Integers of up to 16 digits and plain decimals: numparse.h's fast path. */
simdjson_inline bool fast_number(const uint8_t *p, const uint8_t *end, erplink_value *v) {
  int64_t i;
  double d;
  switch (erplink__fast_number((const char *)p, (size_t)(end - p), &i, &d)) {
  case ERPLINK_NUM_INT:
    v->type = ERPLINK_TYPE_INT;
    v->u.i = i;
    return true;
  case ERPLINK_NUM_DOUBLE:
    v->type = ERPLINK_TYPE_DOUBLE;
    v->u.d = d;
    return true;
  default: return false;
  }
}

} // namespace

/* A reusable parser: simdjson's stage-1 parser (structural indexes), the scratch stacks and
 * key cache of the tree builder, and a padded buffer for the walker's copies. */
struct erplink__json_parser {
  std::unique_ptr<sj::internal::dom_parser_implementation> impl;
  erplink_value *vals = nullptr;
  size_t vcap = 0;
  pending_key *keys = nullptr;
  size_t kcap = 0;
  fast_frame *stack = nullptr;
  size_t scap = 0;
  uint64_t gen = 0;                       /* documents parsed: stamps the key cache's rows */
  uint64_t row_gen[KEY_CACHE_DEPTH] = {}; /* a row is valid for the document it was stamped with */
  key_slot16 kc[KEY_CACHE_DEPTH][KEY_CACHE_SLOTS];
  char *buf = nullptr;
  size_t cap = 0;
  size_t idx_touched = 0; /* bytes of the token index buffer touched since it was last trimmed */
  erplink__json_parser() = default;
  erplink__json_parser(const erplink__json_parser &) = delete;
  erplink__json_parser &operator=(const erplink__json_parser &) = delete;
  ~erplink__json_parser() {
    free(vals);
    free(keys);
    free(stack);
    free(buf);
  }
  /* Retained bytes (for the thread's cache). */
  size_t scratch_bytes() const { return vcap * sizeof *vals + kcap * sizeof *keys + scap * sizeof *stack; }
};

namespace {

/* The grow step of a scratch array; false when out of memory. */
template <class T> bool grow_scratch(T *&p, size_t &cap) {
  size_t ncap = cap ? cap * 2 : 256;
  T *q = (T *)realloc((void *)p, ncap * sizeof *q);
  if (!q) return false;
  p = q;
  cap = ncap;
  return true;
}

class fast_tree {
public:
  fast_tree(erplink__json_parser *p, const char *buf, size_t len, bool padded, const struct erplink_limits *lim,
            size_t hint)
      : p_(p), buf_((const uint8_t *)buf), len_(len), padded_(padded), max_depth_(lim->max_depth),
        max_elements_(lim->max_elements), hint_(hint) {}
  ~fast_tree() {
    if (arena_) erplink_arena_free(arena_);
    free(tail_);
  }
  fast_tree(const fast_tree &) = delete;
  fast_tree &operator=(const fast_tree &) = delete;

  /* FAST_OK with *out; FAST_REDO (invalid_ tells whether the document is known to be
   * invalid, at invalid_at_); or ERPLINK_ENOMEM with the thread's error set. */
  int run(erplink_value **out);
  bool invalid_ = false;
  size_t invalid_at_ = 0;
  const char *why_ = nullptr;

private:
  erplink__json_parser *p_;
  const uint8_t *buf_;
  size_t len_;
  bool padded_;
  size_t max_depth_, max_elements_, hint_;
  erplink_arena *arena_ = nullptr;
  uint8_t *tail_ = nullptr; /* padded copy of [tail_from_, len_) of an unpadded document */
  size_t tail_from_ = 0;

  int oom() { return erplink__error_setf(ERPLINK_ENOMEM, "out of memory while decoding JSON"); }
  int bad(size_t at, const char *why) {
    invalid_ = true;
    invalid_at_ = at;
    why_ = why;
    return FAST_REDO;
  }
  /* Where to read the token at byte `at` near the end of an unpadded document: a padded copy
   * of the document's tail (NULL when out of memory). */
  const uint8_t *tail(size_t at);
  key_slot16 *key_row(size_t depth);
};

const uint8_t *fast_tree::tail(size_t at) {
  if (!tail_ || at < tail_from_) {
    free(tail_);
    tail_ = (uint8_t *)malloc(len_ - at + READ_AHEAD);
    if (!tail_) return nullptr;
    memcpy(tail_, buf_ + at, len_ - at);
    memset(tail_ + (len_ - at), 0, READ_AHEAD);
    tail_from_ = at;
  }
  return tail_ + (at - tail_from_);
}

key_slot16 *fast_tree::key_row(size_t depth) {
  if (depth > KEY_CACHE_DEPTH) return nullptr;
  size_t r = depth - 1;
  if (p_->row_gen[r] != p_->gen) {
    memset(p_->kc[r], 0, sizeof p_->kc[r]);
    p_->row_gen[r] = p_->gen;
  }
  return p_->kc[r];
}

/* Are the len bytes at raw, followed by a quote, the cached key? */
simdjson_inline bool key_hit(const key_slot16 *s, const uint8_t *raw) {
  uint64_t x0, x1;
  memcpy(&x0, raw, 8);
  memcpy(&x1, raw + 8, 8);
  if (((x0 ^ s->h0) & s->m0) | ((x1 ^ s->h1) & s->m1)) return false;
  return s->len < 16 || (memcmp(raw + 16, s->key + 16, s->len - 16) == 0 && raw[s->len] == '"');
}

void key_store(key_slot16 *s, const char *key, size_t len) {
  unsigned char head[16] = {0};
  size_t n = len < 16 ? len : 16;
  memcpy(head, key, n);
  if (len < 16) head[len] = '"';
  s->key = key;
  s->len = len;
  memcpy(&s->h0, head, 8);
  memcpy(&s->h1, head + 8, 8);
  size_t cmp = len + 1 < 16 ? len + 1 : 16; /* bytes compared in the head */
  s->m0 = cmp >= 8 ? ~(uint64_t)0 : (((uint64_t)1 << (8 * cmp)) - 1);
  s->m1 = cmp <= 8 ? 0 : cmp >= 16 ? ~(uint64_t)0 : (((uint64_t)1 << (8 * (cmp - 8))) - 1);
}

int fast_tree::run(erplink_value **out) {
  sj::internal::dom_parser_implementation *impl = p_->impl.get();
  const uint8_t *const b = buf_;
  sj::error_code se = impl->stage1(b, len_, sj::stage1_mode::regular);
  if (se == sj::MEMALLOC) return oom();
  if (se) return se == sj::CAPACITY ? FAST_REDO : bad(0, sj::error_message(se));
  const uint32_t *const ix = impl->structural_indexes.get();
  const uint32_t n = impl->n_structural_indexes;
  const uint8_t c0 = b[ix[0]];
  if (c0 != '[' && c0 != '{') return FAST_REDO; /* a scalar document: the walker reads it */
  /* the last token closes the top-level container (which bounds every read of the walk) */
  if (b[ix[n - 1]] != (c0 == '[' ? ']' : '}')) return bad(ix[n - 1], "unbalanced document");
  if (max_depth_ < 1 || max_elements_ < 1) return FAST_REDO;
  p_->gen++;

  erplink_value *const root = new_root(&arena_, hint_);
  if (!root) return oom();
  erplink_arena *const a = arena_;
  /* the scratch stacks, as top and end pointers (their bases are p_->vals and p_->keys) */
  erplink_value *vtop = p_->vals, *vend = p_->vals + p_->vcap;
  pending_key *ktop = p_->keys, *kend = p_->keys + p_->kcap;
  size_t depth = 0;
  size_t elements = 1;
  const size_t max_depth = max_depth_, max_elements = max_elements_;
  /* tokens whose next structural is beyond this are read from a padded copy of the tail */
  const size_t safe = padded_ ? SIZE_MAX : len_ >= READ_AHEAD ? len_ - READ_AHEAD : 0;
  uint32_t i = 1; /* the next structural */
  /* the key cache's slot for the innermost object's next member (NULL: beyond the cache) */
  key_slot16 *kslot = nullptr, *kslot_end = nullptr;
  int ret = 0; /* what run() returns when a step says so */
  enum { V_SCALAR, V_OBJECT, V_ARRAY, V_RETURN };

  auto peek = [&]() __attribute__((always_inline))->uint8_t { return ERPLINK_LIKELY(i < n) ? b[ix[i]] : 0; };
  auto where = [&]() __attribute__((always_inline))->size_t { return i < n ? ix[i] : len_; };
  /* Where to read the token at `at` whose next structural is at `next`. */
  auto src = [&](uint32_t at, uint32_t next) __attribute__((always_inline))->const uint8_t * {
    return ERPLINK_LIKELY(next <= safe) ? b + at : tail(at);
  };
  /* The key cache's slots of the object at depth d (1-based) from its member m on. */
  auto object_slots = [&](size_t d, size_t m) __attribute__((always_inline)) {
    key_slot16 *row = key_row(d);
    kslot = row && m < KEY_CACHE_SLOTS ? row + m : nullptr;
    kslot_end = row ? row + KEY_CACHE_SLOTS : nullptr; /* no arithmetic on a null row (UB) */
  };
  auto push = [&](bool obj, erplink_value *node) __attribute__((always_inline))->bool {
    if (ERPLINK_UNLIKELY(depth == p_->scap)) {
      if (!grow_scratch(p_->stack, p_->scap)) return false;
    }
    p_->stack[depth++] = fast_frame{(size_t)(vtop - p_->vals), (size_t)(ktop - p_->keys),
                                    node ? (size_t)(node - p_->vals) : SIZE_MAX, obj};
    if (obj) object_slots(depth, 0);
    return true;
  };
  /* Moves the innermost container's children into the arena and closes it. */
  auto close = [&]() __attribute__((always_inline))->bool {
    fast_frame *f = &p_->stack[depth - 1];
    erplink_value *first = p_->vals + f->vstart;
    size_t nk = (size_t)(vtop - first);
    erplink_value *node = f->slot == SIZE_MAX ? root : p_->vals + f->slot;
    erplink_value *kids = nullptr;
    /* one allocation: the children, then their members (or item pointers) */
    static_assert(sizeof(erplink_value) % alignof(erplink_member) == 0 &&
                      sizeof(erplink_value) % alignof(erplink_value *) == 0,
                  "members and items follow the children");
    if (nk) {
      size_t tail = f->obj ? sizeof(erplink_member) : sizeof(erplink_value *);
      kids = (erplink_value *)bump(a, nk * (sizeof *kids + tail), alignof(erplink_value));
      if (!kids) return false;
      if (nk <= 16)
        for (size_t j = 0; j < nk; j++) kids[j] = first[j];
      else
        memcpy(kids, first, nk * sizeof *kids);
    }
    if (f->obj) {
      erplink_member *m = nullptr;
      if (nk) {
        m = (erplink_member *)(kids + nk);
        const pending_key *k = p_->keys + f->kstart;
        for (size_t j = 0; j < nk; j++) m[j] = erplink_member{k[j].key, k[j].len, &kids[j]};
      }
      node->type = ERPLINK_TYPE_STRUCT;
      node->u.st.m = m;
      node->u.st.len = node->u.st.cap = nk;
      ktop = p_->keys + f->kstart;
    } else {
      erplink_value **items = nullptr;
      if (nk) {
        items = (erplink_value **)(kids + nk);
        for (size_t j = 0; j < nk; j++) items[j] = &kids[j];
      }
      node->type = ERPLINK_TYPE_ARRAY;
      node->u.a.items = items;
      node->u.a.len = node->u.a.cap = nk;
    }
    vtop = first;
    depth--;
    if (depth && p_->stack[depth - 1].obj) /* back in an object: its next member's key slot */
      object_slots(depth, (size_t)(ktop - p_->keys) - p_->stack[depth - 1].kstart);
    return true;
  };
  /* Unescapes the string whose opening quote is at `at` into the arena; NULL with ret set on failure. */
  auto string = [&](uint32_t at, uint32_t next, size_t * len) __attribute__((always_inline))->char * {
    const uint8_t *s = src(at, next);
    uint8_t *dst = s ? (uint8_t *)erplink_arena_room(a, next - at + READ_AHEAD) : nullptr;
    if (!dst) {
      ret = oom();
      return nullptr;
    }
    uint8_t *end = impl->parse_string(s + 1, dst);
    if (ERPLINK_UNLIKELY(!end)) {
      ret = bad(at, "invalid string");
      return nullptr;
    }
    *end = 0;
    *len = (size_t)(end - dst);
    erplink_arena_commit(a, dst, *len + 1);
    return (char *)dst;
  };
  /* The value at structural i (in an array, or after a member's colon). */
  auto value = [&]() __attribute__((always_inline))->int {
    if (ERPLINK_UNLIKELY(i >= n)) return ret = bad(len_, "premature end of the document"), V_RETURN;
    const uint32_t at = ix[i++];
    const uint32_t next = ix[i]; /* ix[n] is the document's length */
    const uint8_t c = b[at];
    if (ERPLINK_UNLIKELY(++elements > max_elements)) return ret = FAST_REDO, V_RETURN;
    if (ERPLINK_UNLIKELY(vtop == vend)) {
      size_t used = (size_t)(vtop - p_->vals);
      if (!grow_scratch(p_->vals, p_->vcap)) return ret = oom(), V_RETURN;
      vtop = p_->vals + used;
      vend = p_->vals + p_->vcap;
    }
    erplink_value *v = vtop++;
    v->flags = ERPLINK_VF_ARENA | ERPLINK_VF_CHILD;
    switch (c) {
    case '"': {
      size_t sl;
      char *str = string(at, next, &sl);
      if (!str) return V_RETURN;
      v->type = ERPLINK_TYPE_STRING;
      v->u.s.ptr = str;
      v->u.s.len = sl;
      return V_SCALAR;
    }
    case '{':
    case '[': {
      if (ERPLINK_UNLIKELY(depth >= max_depth)) return ret = FAST_REDO, V_RETURN;
      bool obj = c == '{';
      if (peek() == (obj ? '}' : ']')) { /* empty */
        i++;
        v->type = obj ? ERPLINK_TYPE_STRUCT : ERPLINK_TYPE_ARRAY;
        v->u.a.items = nullptr;
        v->u.a.len = v->u.a.cap = 0;
        return V_SCALAR;
      }
      if (!push(obj, v)) return ret = oom(), V_RETURN;
      return obj ? V_OBJECT : V_ARRAY;
    }
    case 't':
    case 'f':
    case 'n': {
      const uint8_t *s = src(at, next);
      if (!s) return ret = oom(), V_RETURN;
      bool ok = c == 't'   ? sj::builtin::atomparsing::is_valid_true_atom(s)
                : c == 'f' ? sj::builtin::atomparsing::is_valid_false_atom(s)
                           : sj::builtin::atomparsing::is_valid_null_atom(s);
      if (!ok) return ret = bad(at, "invalid literal"), V_RETURN;
      v->type = c == 'n' ? ERPLINK_TYPE_NIL : ERPLINK_TYPE_BOOL;
      v->u.b = c == 't';
      return V_SCALAR;
    }
    default: {
      if (!((c >= '0' && c <= '9') || c == '-')) return ret = bad(at, "unexpected character"), V_RETURN;
      if (ERPLINK_UNLIKELY(next - at > NUMBER_MAX_CHARS) && number_len(b + at, b + len_) > NUMBER_MAX_CHARS)
        return ret = FAST_REDO, V_RETURN;
      const uint8_t *s = src(at, next);
      if (!s) return ret = oom(), V_RETURN;
      uint32_t tend = next;
      if (ERPLINK_UNLIKELY(b[tend - 1] <= ' ')) /* blanks before the next token */
        while (tend > at && is_ws((char)b[tend - 1])) tend--;
      if (fast_number(s, s + (tend - at), v)) return V_SCALAR;
      num_writer w{v};
      /* an error: beyond uint64 or the double range, or invalid: the walker decides */
      if (sj::builtin::numberparsing::parse_number(s, w)) return ret = FAST_REDO, V_RETURN;
      return V_SCALAR;
    }
    }
  };
  /* The key at structural i (a quote is there); false with ret set on failure. */
  auto key = [&]() __attribute__((always_inline))->bool {
    const uint32_t at = ix[i];
    const uint32_t next = ix[i + 1];
    i++;
    if (ERPLINK_UNLIKELY(ktop == kend)) {
      size_t used = (size_t)(ktop - p_->keys);
      if (!grow_scratch(p_->keys, p_->kcap)) return ret = oom(), false;
      ktop = p_->keys + used;
      kend = p_->keys + p_->kcap;
    }
    pending_key *pk = ktop++;
    key_slot16 *slot = kslot;
    if (slot) kslot = slot + 1 < kslot_end ? slot + 1 : nullptr;
    /* (a cached key of len bytes and its quotes fit before the colon at next) */
    if (slot && slot->key && slot->len + 2 <= next - at) {
      const uint8_t *s = src(at, next);
      if (!s) return ret = oom(), false;
      if (key_hit(slot, s + 1)) {
        pk->key = slot->key;
        pk->len = slot->len;
        return true;
      }
    }
    size_t kl;
    char *k = string(at, next, &kl);
    if (!k) return false;
    pk->key = k;
    pk->len = kl;
    if (slot && !memchr(k, '\\', kl) && !memchr(k, '"', kl)) key_store(slot, k, kl);
    return true;
  };

  uint8_t c;
  if (!push(c0 == '{', nullptr)) return oom();
  if (c0 == '{') goto object_begin;
  goto array_begin;

object_begin:
  c = peek();
  if (c == '}') {
    i++;
    goto close_container;
  }
  if (c != '"') return bad(where(), "an object member must start with a key");
  if (!key()) return ret;
object_field:
  if (ERPLINK_UNLIKELY(peek() != ':')) return bad(where(), "a colon must follow a member's key");
  i++;
  switch (value()) {
  case V_SCALAR: break;
  case V_OBJECT: goto object_begin;
  case V_ARRAY: goto array_begin;
  default: return ret;
  }
object_continue:
  c = peek();
  if (c == ',') {
    i++;
    if (ERPLINK_UNLIKELY(peek() != '"')) return bad(where(), "a key must follow a comma in an object");
    if (!key()) return ret;
    goto object_field;
  }
  if (c != '}') return bad(where(), "a comma or '}' must follow an object member");
  i++;
  goto close_container;

array_begin:
  if (peek() == ']') {
    i++;
    goto close_container;
  }
array_value:
  switch (value()) {
  case V_SCALAR: break;
  case V_OBJECT: goto object_begin;
  case V_ARRAY: goto array_begin;
  default: return ret;
  }
array_continue:
  c = peek();
  if (c == ',') {
    i++;
    goto array_value;
  }
  if (c != ']') return bad(where(), "a comma or ']' must follow an array item");
  i++;

close_container:
  if (!close()) return oom();
  if (depth == 0) goto document_end;
  if (p_->stack[depth - 1].obj) goto object_continue;
  goto array_continue;

document_end:
  if (i != n) return bad(where(), "trailing content after the document");
  *out = root;
  arena_ = nullptr; /* owned by the root now */
  return FAST_OK;
}

/* Gives p a stage-1 parser for documents of len bytes. */
int ensure_stage1(erplink__json_parser *p, size_t len) {
  size_t need = len ? len : 1;
  if (p->impl && p->impl->capacity() >= need) return 0;
  size_t cap = need < 4096 ? 4096 : need + need / 8; /* some room for a slightly larger next one */
  if (cap > sj::SIMDJSON_MAXSIZE_BYTES) cap = need;
  sj::error_code e;
  if (p->impl)
    e = p->impl->allocate(cap, 2);
  else
    e = sj::get_active_implementation()->create_dom_parser_implementation(cap, 2, p->impl);
  if (e) {
    p->impl.reset();
    if (e == sj::MEMALLOC) return erplink__error_setf(ERPLINK_ENOMEM, "out of memory while decoding JSON");
    return FAST_REDO; /* beyond simdjson's capacity: the walker says so */
  }
  /* filled densely: huge pages spare most page faults */
  erplink__advise_huge(p->impl->structural_indexes.get(), cap * sizeof(uint32_t));
  return 0;
}

} // namespace

namespace {

/* The parser of erplink_json_decode() and of the decoders on this thread, kept between
 * documents: its buffers are then warm, which spares page faults that cost as much as the
 * parsing itself. What it keeps is bounded: a parser sized for documents of up to
 * KEEP_DOC_MAX (its token index buffer reserves 4 bytes per byte of address space, only
 * touched pages are resident), of which at most KEEP_RESIDENT bytes stay resident (the pages
 * beyond go back to the kernel), and at most KEEP_SCRATCH bytes of scratch. */
struct parser_cache {
  erplink__json_parser *p = nullptr;
  ~parser_cache() { delete p; }
};
thread_local parser_cache t_parser;

constexpr size_t KEEP_DOC_MAX = (size_t)64 << 20;
constexpr size_t KEEP_RESIDENT = (size_t)16 << 20;
constexpr size_t KEEP_SCRATCH = (size_t)4 << 20;

erplink__json_parser *take_thread_parser() {
  erplink__json_parser *p = t_parser.p;
  t_parser.p = nullptr; /* taken until this decode is over */
  return p ? p : new (std::nothrow) erplink__json_parser();
}

void give_back_thread_parser(erplink__json_parser *p) {
  if (!p) return;
  if (t_parser.p || (p->impl && p->impl->capacity() > KEEP_DOC_MAX + KEEP_DOC_MAX / 8)) {
    delete p;
    return;
  }
  if (p->scratch_bytes() > KEEP_SCRATCH) {
    free(p->vals);
    free(p->keys);
    free(p->stack);
    p->vals = nullptr;
    p->keys = nullptr;
    p->stack = nullptr;
    p->vcap = p->kcap = p->scap = 0;
  }
  if (p->cap > KEEP_SCRATCH) { /* the exact path's padded copy */
    free(p->buf);
    p->buf = nullptr;
    p->cap = 0;
  }
  if (p->impl) { /* the token indexes beyond KEEP_RESIDENT bytes: back to the kernel */
    size_t used = ((size_t)p->impl->n_structural_indexes + 3) * sizeof(uint32_t);
    if (used > p->idx_touched) p->idx_touched = used;
    if (p->idx_touched > KEEP_RESIDENT) {
      const uintptr_t page = 4096;
      uintptr_t base = (uintptr_t)p->impl->structural_indexes.get();
      uintptr_t b = (base + KEEP_RESIDENT + page - 1) & ~(page - 1), e = (base + p->idx_touched) & ~(page - 1);
      if (e > b) (void)madvise((void *)b, e - b, MADV_DONTNEED); /* their contents are not needed */
      p->idx_touched = KEEP_RESIDENT;
    }
  }
  t_parser.p = p;
}

/* A padded copy of [data, data + len) in p's buffer; NULL when out of memory. */
char *padded_copy(erplink__json_parser *p, const char *data, size_t len) {
  size_t need = len + ERPLINK_JSON_PADDING;
  if (p->cap < need) {
    free(p->buf);
    p->cap = 0;
    if (!(p->buf = (char *)malloc(need))) return nullptr;
    erplink__advise_huge(p->buf, need);
    p->cap = need;
  }
  memcpy(p->buf, data, len);
  memset(p->buf + len, 0, ERPLINK_JSON_PADDING);
  return p->buf;
}

int parse_with(erplink__json_parser *parser, erplink_value **out, const char *buf, size_t len, bool padded,
               const struct erplink_limits *lim, size_t size_hint) {
  bool invalid = false;
  size_t invalid_at = 0;
  const char *why = nullptr;
  if (parser) {
    int rc = ensure_stage1(parser, len);
    if (rc < 0) return rc;
    if (rc == 0) {
      fast_tree t(parser, buf, len, padded, lim, size_hint);
      rc = t.run(out);
      if (rc != FAST_REDO) return rc;
      invalid = t.invalid_;
      invalid_at = t.invalid_at_;
      why = t.why_;
    }
  }
  if (!padded) {
    if (!parser) return erplink__error_setf(ERPLINK_ENOMEM, "out of memory while decoding JSON");
    if (!(buf = padded_copy(parser, buf, len)))
      return erplink__error_setf(ERPLINK_ENOMEM, "out of memory (JSON document of %zu bytes)", len);
  }
  walker w(buf, len, lim, size_hint);
  int rc = w.run(out);
  /* the fast path checks the whole grammar: a document it found invalid stays refused */
  if (rc == 0 && invalid) {
    erplink_value_free(*out);
    *out = nullptr;
    rc = erplink__error_setf(ERPLINK_EPROTOCOL, "invalid JSON at byte %zu: %s", invalid_at, why);
  }
  return rc;
}

} // namespace

extern "C" erplink__json_parser *erplink__json_parser_new(void) { return new (std::nothrow) erplink__json_parser(); }

extern "C" void erplink__json_parser_free(erplink__json_parser *p) { delete p; }

extern "C" int erplink__json_parse(erplink__json_parser *parser, erplink_value **out, const char *buf, size_t len,
                                   const struct erplink_limits *lim, size_t size_hint) {
  *out = nullptr;
  if (parser) return parse_with(parser, out, buf, len, true, lim, size_hint);
  erplink__json_parser *p = take_thread_parser();
  int rc = parse_with(p, out, buf, len, true, lim, size_hint);
  give_back_thread_parser(p);
  return rc;
}

extern "C" int erplink__json_parse_unpadded(erplink_value **out, const char *data, size_t len,
                                            const struct erplink_limits *lim) {
  *out = nullptr;
  erplink__json_parser *p = take_thread_parser();
  if (!p) return erplink__error_setf(ERPLINK_ENOMEM, "out of memory while decoding JSON");
  int rc = parse_with(p, out, data, len, false, lim, len);
  give_back_thread_parser(p);
  return rc;
}

extern "C" int erplink__json_parse_ondemand(erplink_value **out, const char *buf, size_t len,
                                            const struct erplink_limits *lim, size_t size_hint) {
  *out = nullptr;
  walker w(buf, len, lim, size_hint);
  return w.run(out);
}

extern "C" int erplink__json_parse_fast(erplink_value **out, const char *buf, size_t len,
                                        const struct erplink_limits *lim) {
  *out = nullptr;
  erplink__json_parser *p = erplink__json_parser_new();
  if (!p) return erplink__error_setf(ERPLINK_ENOMEM, "out of memory while decoding JSON");
  int rc = ensure_stage1(p, len);
  if (rc == 0) {
    fast_tree t(p, buf, len, false, lim, len);
    rc = t.run(out);
  }
  delete p;
  return rc;
}
