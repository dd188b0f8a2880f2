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
  size_t start;  /* first scratch slot of this container */
  bool obj;
  bool pending;  /* a child was read: advance the iterator before the next one */
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
  if (i < n && s[i] == '0') i++;
  else if (!digits()) return false;
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
  if (c >= '0' && c <= '9') *v = c - '0';
  else if (c >= 'a' && c <= 'f') *v = c - 'a' + 10;
  else if (c >= 'A' && c <= 'F') *v = c - 'A' + 10;
  else return false;
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
    if (in && c == '\\') i++;
    else if (c == '"') in = !in;
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
      if (c == '\\') i++;
      else if (c == '"') in = false;
      continue;
    }
    if (c == '"') in = true;
    else if (c == '[' || c == '{') depth++;
    else if ((c == ']' || c == '}') && depth && --depth == 0) return i + 1;
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

/* A new arena block is about to be filled densely: huge pages spare most of its page faults. */
void *grow(erplink_arena *a, size_t size, size_t align) {
  char *end = a->end;
  void *p = erplink_arena_alloc(a, size, align);
  if (p && a->end != end) erplink__advise_huge(a->cur, (size_t)(a->end - a->cur));
  return p;
}

/* The arena's bump allocation, inlined (the arena's own function takes the slow path). */
inline void *bump(erplink_arena *a, size_t size, size_t align) {
  uintptr_t p = ((uintptr_t)a->cur + (align - 1)) & ~(uintptr_t)(align - 1);
  if (ERPLINK_LIKELY(p <= (uintptr_t)a->end && size <= (size_t)((uintptr_t)a->end - p))) {
    a->cur = (char *)(p + size);
    return (void *)p;
  }
  return grow(a, size, align);
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
  erplink_value *root = erplink_arena_new_root(a, hint ? hint + hint / 2 : 0);
  if (root) erplink__advise_huge((*a)->cur, (size_t)((*a)->end - (*a)->cur));
  return root;
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
    erplink__error_setf(ERPLINK_ELIMIT, "invalid JSON at byte %zu: document has more than %zu elements (the element cap)",
                        at, max_elements_);
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
    return erplink__error_setf(ERPLINK_ELIMIT, "invalid JSON at byte %zu: document nested deeper than %zu levels (the depth cap)",
                               at, max_depth_);
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
    return erplink__error_setf(ERPLINK_ELIMIT, "invalid JSON at byte %zu: number written with %zu characters (more than %zu)",
                               at, tok.size(), NUMBER_MAX_CHARS);
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
    return erplink__error_setf(ERPLINK_ERANGE, "invalid JSON at byte %zu: number %.*s is outside the range of a double", at,
                               tok.size() > 40 ? 40 : (int)tok.size(), tok.data());
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
      if (ERPLINK_UNLIKELY(tok.size() > NUMBER_MAX_CHARS)) return number_fallback(tok, at);
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
    if (!doc_.current_location().get(p)) return fail(ERPLINK_EPROTOCOL, offset(p), "trailing garbage after the document");
  }
  *out = root_;
  arena_ = nullptr; /* owned by the root now */
  return 0;
}

/* The DOM path: simdjson's DOM parser (a full validator, and its fastest parser) writes its
 * tape, which is then turned into the tree in one pass. Every container's size is on the
 * tape, so children are placed straight into exactly sized arena blocks. Anything the tape
 * walk cannot decide alone (a cap reached, an error) is left to the On-Demand walker, which
 * repeats the document and reports exactly. */
struct dom_frame {
  erplink_value *kids; /* the container's children, in order */
  erplink_member *m;   /* struct members (NULL for arrays) */
  size_t i, n;
  simdjson::dom::array::iterator ait;
  simdjson::dom::object::iterator oit;
};

enum { DOM_OK = 0, DOM_REDO = 1 };

struct dom_key_slot {
  const char *key;
  size_t len;
  char head[16];
};

class dom_walk {
public:
  dom_walk(const struct erplink_limits *lim, size_t hint) : max_depth_(lim->max_depth), max_elements_(lim->max_elements), hint_(hint) {}
  ~dom_walk() {
    if (arena_) erplink_arena_free(arena_);
    free(stack_);
  }
  dom_walk(const dom_walk &) = delete;
  dom_walk &operator=(const dom_walk &) = delete;
  /* DOM_OK with *out, DOM_REDO (let the On-Demand walker decide), or ERPLINK_ENOMEM. */
  int run(simdjson::dom::element root, erplink_value **out);

private:
  size_t max_depth_, max_elements_, hint_;
  erplink_arena *arena_ = nullptr;
  dom_frame *stack_ = nullptr;
  size_t depth_ = 0, stack_cap_ = 0;
  size_t elements_ = 0;
  dom_key_slot dkeys_[KEY_CACHE_DEPTH][KEY_CACHE_SLOTS] = {};

  int oom() { return erplink__error_setf(ERPLINK_ENOMEM, "out of memory while decoding JSON"); }
  int open(erplink_value *v, bool obj, size_t n);
  int fill(erplink_value *v, simdjson::dom::element e);
  const char *key(std::string_view k, size_t i);
};

int dom_walk::open(erplink_value *v, bool obj, size_t n) {
  if (depth_ >= max_depth_) return DOM_REDO;
  if (ERPLINK_UNLIKELY(n == 0xFFFFFF)) return DOM_REDO; /* the tape's count saturates there */
  if (!room_for_frame(stack_, stack_cap_, depth_)) return oom();
  dom_frame *f = new (&stack_[depth_++]) dom_frame();
  f->n = n;
  f->i = 0;
  f->kids = nullptr;
  f->m = nullptr;
  erplink_value *kids = nullptr;
  if (n) {
    kids = (erplink_value *)bump(arena_, n * sizeof *kids, alignof(erplink_value));
    if (!kids) return oom();
  }
  f->kids = kids;
  if (obj) {
    erplink_member *m = nullptr;
    if (n) {
      m = (erplink_member *)bump(arena_, n * sizeof *m, alignof(erplink_member));
      if (!m) return oom();
      for (size_t i = 0; i < n; i++) m[i].val = &kids[i];
    }
    f->m = m;
    v->type = ERPLINK_TYPE_STRUCT;
    v->u.st.m = m;
    v->u.st.len = v->u.st.cap = n;
  } else {
    erplink_value **items = nullptr;
    if (n) {
      items = (erplink_value **)bump(arena_, n * sizeof *items, alignof(erplink_value *));
      if (!items) return oom();
      for (size_t i = 0; i < n; i++) items[i] = &kids[i];
    }
    v->type = ERPLINK_TYPE_ARRAY;
    v->u.a.items = items;
    v->u.a.len = v->u.a.cap = n;
  }
  return DOM_OK;
}

/* Fills v from e; opens a frame for a container. */
inline int dom_walk::fill(erplink_value *v, simdjson::dom::element e) {
  namespace dom = simdjson::dom;
  if (ERPLINK_UNLIKELY(++elements_ > max_elements_)) return DOM_REDO;
  switch (e.type()) {
  case dom::element_type::ARRAY: {
    dom::array a = e.get_array().value_unsafe();
    int rc = open(v, false, a.size());
    if (rc) return rc;
    stack_[depth_ - 1].ait = a.begin();
    return DOM_OK;
  }
  case dom::element_type::OBJECT: {
    dom::object o = e.get_object().value_unsafe();
    int rc = open(v, true, o.size());
    if (rc) return rc;
    stack_[depth_ - 1].oit = o.begin();
    return DOM_OK;
  }
  case dom::element_type::INT64:
    v->type = ERPLINK_TYPE_INT;
    v->u.i = e.get_int64().value_unsafe();
    return DOM_OK;
  case dom::element_type::UINT64: /* beyond int64: the nearest double */
    v->type = ERPLINK_TYPE_DOUBLE;
    v->u.d = (double)e.get_uint64().value_unsafe();
    return DOM_OK;
  case dom::element_type::DOUBLE:
    v->type = ERPLINK_TYPE_DOUBLE;
    v->u.d = e.get_double().value_unsafe();
    return DOM_OK;
  case dom::element_type::STRING: {
    std::string_view s = e.get_string().value_unsafe();
    char *c = (char *)bump(arena_, s.size() + 1, 1);
    if (!c) return oom();
    memcpy(c, s.data(), s.size() + 1); /* the tape's strings end with a NUL */
    v->type = ERPLINK_TYPE_STRING;
    v->u.s.ptr = c;
    v->u.s.len = s.size();
    return DOM_OK;
  }
  case dom::element_type::BOOL:
    v->type = ERPLINK_TYPE_BOOL;
    v->u.b = e.get_bool().value_unsafe();
    return DOM_OK;
  default:
    v->type = ERPLINK_TYPE_NIL;
    return DOM_OK;
  }
}

/* The key's arena copy, shared with the same member of the previous struct at this depth.
 * Keys of up to 16 bytes are compared in one masked 16-byte comparison (the tape's string
 * buffer is padded, and the slot keeps its own copy of the first 16 bytes). */
const char *dom_walk::key(std::string_view k, size_t i) {
  dom_key_slot *slot = depth_ <= KEY_CACHE_DEPTH && i < KEY_CACHE_SLOTS ? &dkeys_[depth_ - 1][i] : nullptr;
  size_t n = k.size();
  if (slot && slot->key && slot->len == n) {
    if (n <= 16) {
      unsigned char got[16];
      memcpy(got, k.data(), 16);
      unsigned diff = 0;
      for (size_t j = 0; j < 16; j++) diff |= (unsigned)(got[j] ^ (unsigned char)slot->head[j]) & (j < n ? 0xFFu : 0u);
      if (!diff) return slot->key;
    } else if (memcmp(slot->key, k.data(), n) == 0) {
      return slot->key;
    }
  }
  char *c = (char *)bump(arena_, n + 1, 1);
  if (!c) return nullptr;
  memcpy(c, k.data(), n + 1);
  if (slot) {
    slot->key = c;
    slot->len = n;
    memset(slot->head, 0, sizeof slot->head);
    memcpy(slot->head, c, n < 16 ? n : 16);
  }
  return c;
}

int dom_walk::run(simdjson::dom::element root_el, erplink_value **out) {
  erplink_value *root = new_root(&arena_, hint_);
  if (!root) return oom();
  int rc = fill(root, root_el);
  while (rc == DOM_OK && depth_ > 0) {
    dom_frame *f = &stack_[depth_ - 1];
    if (f->i == f->n) {
      depth_--;
      continue;
    }
    size_t i = f->i++;
    erplink_value *v = &f->kids[i];
    v->flags = ERPLINK_VF_ARENA | ERPLINK_VF_CHILD;
    simdjson::dom::element e;
    if (f->m) {
      simdjson::dom::key_value_pair kv = *f->oit;
      ++f->oit;
      const char *k = key(kv.key, i);
      if (!k) return oom();
      f->m[i].key = k;
      f->m[i].key_len = kv.key.size();
      e = kv.value;
    } else {
      e = *f->ait;
      ++f->ait;
    }
    rc = fill(v, e);
  }
  if (rc) return rc;
  *out = root;
  arena_ = nullptr; /* owned by the root now */
  return DOM_OK;
}

/* Documents up to this size go through the DOM parser, whose tape and strings take about
 * 2.6 times the document on top of it; larger ones through On-Demand (about 0.8 times). */
constexpr size_t DOM_MAX_BYTES = (size_t)32 << 20;
/* A thread keeps the DOM parser of erplink_json_decode() between documents while its
 * capacity stays within this (then at most ~11 MiB resident). */
constexpr size_t KEEP_PARSER_BYTES = ERPLINK_JSON_THREAD_PARSER_MAX;

/* Does a number token run over more than NUMBER_MAX_CHARS bytes? (The tape does not say how
 * long a number was written; the structural indexes do: no token is longer than the gap to
 * the next one.) */
bool has_long_number(const char *buf, size_t len, const simdjson::internal::dom_parser_implementation *impl) {
  const uint32_t *idx = impl->structural_indexes.get();
  size_t n = impl->n_structural_indexes;
  if (n == 0) return false;
  uint32_t far = 0;
  for (size_t i = 0; i + 1 < n; i++) far |= (idx[i + 1] - idx[i]) > NUMBER_MAX_CHARS;
  if (!far && len - idx[n - 1] <= NUMBER_MAX_CHARS) return false;
  for (size_t i = 0; i < n; i++) {
    size_t end = i + 1 < n ? idx[i + 1] : len;
    char c = buf[idx[i]];
    if (end - idx[i] > NUMBER_MAX_CHARS && (c == '-' || (c >= '0' && c <= '9'))) return true;
  }
  return false;
}

/* 0 with *out, ERPLINK_ENOMEM, or DOM_REDO; *dom_error receives simdjson's verdict. */
int dom_parse(simdjson::dom::parser *p, erplink_value **out, const char *buf, size_t len,
              const struct erplink_limits *lim, size_t hint, simdjson::error_code *dom_error) {
  size_t depth = lim->max_depth < SIZE_MAX ? lim->max_depth + 1 : lim->max_depth;
  simdjson::error_code e = simdjson::SUCCESS;
  if (p->max_depth() != depth || p->capacity() < len) {
    size_t cap = len > p->capacity() ? len : p->capacity();
    if (!(e = p->allocate(cap, depth)) && !(e = p->doc.allocate(cap))) {
      /* filled densely, often once: huge pages spare most page faults (see grow()) */
      erplink__advise_huge(p->doc.tape.get(), cap * sizeof(uint64_t));
      erplink__advise_huge(p->doc.string_buf.get(), cap);
      erplink__advise_huge(p->implementation->structural_indexes.get(), cap * sizeof(uint32_t));
    }
  }
  if (e == simdjson::MEMALLOC) return erplink__error_setf(ERPLINK_ENOMEM, "out of memory while decoding JSON");
  simdjson::dom::element root;
  if (e || (e = p->parse(buf, len, false).get(root))) {
    *dom_error = e;
    return DOM_REDO;
  }
  if (len > NUMBER_MAX_CHARS && has_long_number(buf, len, p->implementation.get())) return DOM_REDO;
  dom_walk w(lim, hint);
  return w.run(root, out);
}

} // namespace

extern "C" void erplink__advise_huge(void *p, size_t n) {
#ifdef MADV_HUGEPAGE
  const uintptr_t huge = (uintptr_t)2 << 20;
  if (!p || n < 2 * huge) return;
  uintptr_t b = ((uintptr_t)p + huge - 1) & ~(huge - 1), e = ((uintptr_t)p + n) & ~(huge - 1);
  if (e > b) (void)madvise((void *)b, e - b, MADV_HUGEPAGE); /* advice only: failure is harmless */
#else
  (void)p;
  (void)n;
#endif
}

/* A reusable parser: simdjson's DOM parser and a padded buffer for one-shot decodes. */
struct erplink__json_parser {
  simdjson::dom::parser dom;
  char *buf = nullptr;
  size_t cap = 0;
  erplink__json_parser() = default;
  erplink__json_parser(const erplink__json_parser &) = delete;
  erplink__json_parser &operator=(const erplink__json_parser &) = delete;
  ~erplink__json_parser() { free(buf); }
};

namespace {

/* The parser of erplink_json_decode() on this thread, kept between documents while they are
 * small (most API answers): its buffers are then warm, which spares page faults that cost as
 * much as the parsing itself. */
struct parser_cache {
  erplink__json_parser *p = nullptr;
  ~parser_cache() { delete p; }
};
thread_local parser_cache t_parser;

erplink__json_parser *take_thread_parser() {
  erplink__json_parser *p = t_parser.p;
  t_parser.p = nullptr; /* taken until this decode is over */
  return p ? p : new (std::nothrow) erplink__json_parser();
}

void give_back_thread_parser(erplink__json_parser *p) {
  if (p && p->dom.capacity() <= KEEP_PARSER_BYTES && p->cap <= KEEP_PARSER_BYTES + ERPLINK_JSON_PADDING && !t_parser.p)
    t_parser.p = p;
  else
    delete p;
}

int parse_with(erplink__json_parser *parser, erplink_value **out, const char *buf, size_t len,
               const struct erplink_limits *lim, size_t size_hint) {
  simdjson::error_code dom_error = simdjson::SUCCESS;
  if (len <= DOM_MAX_BYTES && parser) {
    int rc = dom_parse(&parser->dom, out, buf, len, lim, size_hint, &dom_error);
    if (rc != DOM_REDO) return rc;
  }
  walker w(buf, len, lim, size_hint);
  int rc = w.run(out);
  /* The DOM parser validates everything: a document it refused for anything but a number
   * (beyond 64 bits or the double range), the depth or its size stays refused. */
  if (rc == 0 && dom_error != simdjson::SUCCESS && dom_error != simdjson::NUMBER_ERROR &&
      dom_error != simdjson::DEPTH_ERROR && dom_error != simdjson::CAPACITY && dom_error != simdjson::MEMALLOC) {
    erplink_value_free(*out);
    *out = nullptr;
    rc = erplink__error_setf(ERPLINK_EPROTOCOL, "invalid JSON: %s", simdjson::error_message(dom_error));
  }
  return rc;
}

} // namespace

extern "C" erplink__json_parser *erplink__json_parser_new(void) { return new (std::nothrow) erplink__json_parser(); }

extern "C" void erplink__json_parser_free(erplink__json_parser *p) { delete p; }

extern "C" int erplink__json_parse(erplink__json_parser *parser, erplink_value **out, const char *buf, size_t len,
                                   const struct erplink_limits *lim, size_t size_hint) {
  *out = nullptr;
  if (parser) return parse_with(parser, out, buf, len, lim, size_hint);
  erplink__json_parser *p = take_thread_parser();
  int rc = parse_with(p, out, buf, len, lim, size_hint);
  give_back_thread_parser(p);
  return rc;
}

extern "C" int erplink__json_parse_copy(erplink_value **out, const char *data, size_t len,
                                        const struct erplink_limits *lim) {
  *out = nullptr;
  erplink__json_parser *p = take_thread_parser();
  if (!p) return erplink__error_setf(ERPLINK_ENOMEM, "out of memory while decoding JSON");
  size_t need = len + ERPLINK_JSON_PADDING;
  if (p->cap < need) {
    free(p->buf);
    p->cap = 0;
    if (!(p->buf = (char *)malloc(need))) {
      delete p;
      return erplink__error_setf(ERPLINK_ENOMEM, "out of memory (JSON document of %zu bytes)", len);
    }
    erplink__advise_huge(p->buf, need);
    p->cap = need;
  }
  memcpy(p->buf, data, len);
  memset(p->buf + len, 0, ERPLINK_JSON_PADDING);
  int rc = parse_with(p, out, p->buf, len, lim, len);
  give_back_thread_parser(p);
  return rc;
}

extern "C" int erplink__json_parse_ondemand(erplink_value **out, const char *buf, size_t len,
                                            const struct erplink_limits *lim, size_t size_hint) {
  *out = nullptr;
  walker w(buf, len, lim, size_hint);
  return w.run(out);
}
