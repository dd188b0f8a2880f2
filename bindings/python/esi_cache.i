/*
 * esi_cache.i - the Python side of ::esi_cache_store (erplink/esi_client.h), hand-written:
 * that ops struct carries its userdata inside and is copied by value by
 * esi_options_set_cache_store(), which gen_api.py's ERPLINK_OPS pattern does not cover
 * (bindings/README.md, "Ops structs"). Included by erplink.i for Python only.
 *
 *   esi_cache_holder_new(obj)              -> a capsule holding obj and its bound get / put
 *                                             (elpy_ops, as the generated ops trampolines use)
 *   esi_options_use_cache_holder(o, cap)   sets the store: the trampolines below, userdata = the
 *                                             holder, no destroy: the Python esi.Client keeps the
 *                                             capsule alive until after esi_client_free()
 *   esi_options_use_blob_cache(o, bc)      esi_cache_store_from_blob_cache() + set_cache_store()
 *
 * The trampolines run on whichever thread the C client calls them (with the GIL released by the
 * blocking call): they take the GIL, call the method, and turn an exception into the op's
 * failure exactly as the generated ops do (elpy_op_call: the message names the method, the
 * exception is re-raised by the wrapper of the ESI call).
 */
%{
enum { ELPY_OP_esi_cache_store_get, ELPY_OP_esi_cache_store_put, ELPY_OPS_N_esi_cache_store };
static const char *const elpy_ops_names_esi_cache_store[] = {"get", "put"};

static int elpy_op_esi_cache_store_get(const char *key, void **data, size_t *len, void *userdata) {
  elpy_ops *h_ = (elpy_ops *)userdata;
  PyGILState_STATE gil_ = PyGILState_Ensure();
  int rc_ = 0;
  PyObject *r_ = elpy_op_call(h_, ELPY_OP_esi_cache_store_get, Py_BuildValue("(N)", elpy_str_or_none(key)), 0, &rc_);
  if (r_ && r_ != Py_None) {
    Py_buffer view_;
    if (PyObject_GetBuffer(r_, &view_, PyBUF_SIMPLE) != 0) {
      PyErr_Clear();
      rc_ = elpy_op_bad_result(h_, ELPY_OP_esi_cache_store_get, "bytes or None", r_);
    } else {
      void *copy_ = malloc(view_.len ? (size_t)view_.len : 1);
      if (!copy_) {
        rc_ = erplink_error_set(ERPLINK_ENOMEM, "esi cache store: out of memory");
      } else {
        memcpy(copy_, view_.buf, (size_t)view_.len);
        *data = copy_;
        *len = (size_t)view_.len;
      }
      PyBuffer_Release(&view_);
    }
  }
  Py_XDECREF(r_);
  PyGILState_Release(gil_);
  return rc_;
}

static int elpy_op_esi_cache_store_put(const char *key, const void *data, size_t len, void *userdata) {
  elpy_ops *h_ = (elpy_ops *)userdata;
  PyGILState_STATE gil_ = PyGILState_Ensure();
  int rc_ = 0;
  PyObject *r_ = elpy_op_call(h_, ELPY_OP_esi_cache_store_put,
                              Py_BuildValue("(NN)", elpy_str_or_none(key),
                                            PyBytes_FromStringAndSize((const char *)data, (Py_ssize_t)len)),
                              0, &rc_);
  Py_XDECREF(r_);
  PyGILState_Release(gil_);
  return rc_;
}

static void elpy_esi_cache_capsule_free(PyObject *cap) {
  elpy_ops_free((elpy_ops *)PyCapsule_GetPointer(cap, "erplink.esi_cache_store"));
}

/* (recipient_id, recipient_type) pairs -> a PyMem array (the strings borrowed from *seq). */
static int elpy_esi_recipients(PyObject *o, PyObject **seq, esi_mail_recipient **out, size_t *n) {
  if (PyUnicode_Check(o) || PyBytes_Check(o)) {
    PyErr_SetString(PyExc_TypeError, "recipients: expected an iterable of (recipient_id, recipient_type) pairs");
    return -1;
  }
  *seq = PySequence_List(o);
  if (!*seq) return -1;
  Py_ssize_t k = PyList_GET_SIZE(*seq);
  *out = (esi_mail_recipient *)PyMem_Calloc((size_t)(k ? k : 1), sizeof **out);
  if (!*out) {
    PyErr_NoMemory();
    return -1;
  }
  for (Py_ssize_t i = 0; i < k; i++) {
    PyObject *p = PyList_GET_ITEM(*seq, i);
    if (!PyTuple_Check(p) || PyTuple_GET_SIZE(p) != 2 || !PyLong_Check(PyTuple_GET_ITEM(p, 0)) ||
        !PyUnicode_Check(PyTuple_GET_ITEM(p, 1))) {
      PyErr_Format(PyExc_TypeError, "recipients[%zd]: expected a (recipient_id: int, recipient_type: str) tuple", i);
      return -1;
    }
    int overflow = 0;
    long long id = PyLong_AsLongLongAndOverflow(PyTuple_GET_ITEM(p, 0), &overflow);
    if (overflow || (id == -1 && PyErr_Occurred())) {
      PyErr_Clear();
      PyErr_Format(PyExc_OverflowError, "recipients[%zd]: the id does not fit 64 bits", i);
      return -1;
    }
    const char *t = NULL;
    if (elpy_str_arg(PyTuple_GET_ITEM(p, 1), &t) != 0) return -1;
    (*out)[i].recipient_id = (int64_t)id;
    (*out)[i].recipient_type = t;
  }
  *n = (size_t)k;
  return 0;
}
%}

%nothread esi_cache_holder_new;
%nothread esi_options_use_cache_holder;
%nothread esi_options_use_blob_cache;
%inline %{
/* A holder for a Python cache store object (methods get(key) -> bytes | None, put(key, data)). */
PyObject *esi_cache_holder_new(PyObject *store) {
  elpy_ops *h = elpy_ops_new(store, "esi_cache_store", elpy_ops_names_esi_cache_store, ELPY_OPS_N_esi_cache_store);
  if (!h) return NULL;
  if (!h->m[ELPY_OP_esi_cache_store_get] || !h->m[ELPY_OP_esi_cache_store_put]) {
    PyErr_Format(PyExc_TypeError, "%.80s: an ESI cache store needs the methods get(key) and put(key, data)",
                 Py_TYPE(store)->tp_name);
    elpy_ops_free(h);
    return NULL;
  }
  PyObject *cap = PyCapsule_New(h, "erplink.esi_cache_store", elpy_esi_cache_capsule_free);
  if (!cap) elpy_ops_free(h);
  return cap;
}
%}
%feature("docstring") esi_options_use_cache_holder "Sets a Python cache store (a holder of esi_cache_holder_new) on ESI options.";
%feature("docstring") esi_options_use_blob_cache "Sets an erplink_blob_cache as the cache store of ESI options.";
%inline %{
erplink_status esi_options_use_cache_holder(esi_options *o, PyObject *holder) {
  elpy_ops *h = (elpy_ops *)PyCapsule_GetPointer(holder, "erplink.esi_cache_store");
  if (!h) {
    PyErr_Clear();
    return erplink_error_set(ERPLINK_EINVAL, "not an ESI cache store holder");
  }
  esi_cache_store cs;
  memset(&cs, 0, sizeof cs);
  cs.get = elpy_op_esi_cache_store_get;
  cs.put = elpy_op_esi_cache_store_put;
  cs.destroy = NULL; /* the capsule, kept by the Python client, owns the holder */
  cs.userdata = h;
  return esi_options_set_cache_store(o, &cs);
}

erplink_status esi_options_use_blob_cache(esi_options *o, erplink_blob_cache *cache) {
  esi_cache_store cs;
  int rc = esi_cache_store_from_blob_cache(&cs, cache);
  return rc ? rc : esi_options_set_cache_store(o, &cs);
}
%}
