/* Argument validation, error construction and libbpf log capture for the addon. */
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <bpf/libbpf.h>

#include "common.h"

const char *errno_name(int err) {
  switch (err) {
    /* Kernel-internal codes that leak out of bpf(2) and that glibc does not name. */
    case 512: return "ERESTARTSYS";
    case 524: return "ENOTSUPP";
    default: break;
  }
  const char *name = strerrorname_np(err);
  return name ? name : "EUNKNOWN";
}

static napi_value build_error(napi_env env, bool type_error, const char *code, const char *msg) {
  napi_value js_code, js_msg, error;
  if (napi_create_string_utf8(env, code, NAPI_AUTO_LENGTH, &js_code) != napi_ok) return NULL;
  if (napi_create_string_utf8(env, msg, NAPI_AUTO_LENGTH, &js_msg) != napi_ok) return NULL;
  napi_status st = type_error ? napi_create_type_error(env, js_code, js_msg, &error)
                              : napi_create_error(env, js_code, js_msg, &error);
  return st == napi_ok ? error : NULL;
}

napi_value throw_errno(napi_env env, int err, const char *syscall, const char *fmt, ...) {
  if (err < 0) err = -err;
  if (err == 0) err = EIO;
  if (err == EBADFD) err = EBADF; /* bpf(2) reports an unknown fd as EBADFD for some commands */
  char detail[512] = "";
  if (fmt) {
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(detail, sizeof(detail), fmt, ap);
    va_end(ap);
  }
  const char *name = errno_name(err);
  char msg[768];
  if (err == 524) {
    snprintf(msg, sizeof(msg), "%s: operation not supported (%s)%s%s", syscall ? syscall : "membrane",
             name, detail[0] ? ": " : "", detail);
  } else {
    snprintf(msg, sizeof(msg), "%s: %s (%s)%s%s", syscall ? syscall : "membrane", strerror(err), name,
             detail[0] ? ": " : "", detail);
  }
  napi_value error = build_error(env, false, name, msg);
  if (!error) return NULL;
  napi_value v;
  if (napi_create_int32(env, err, &v) == napi_ok) napi_set_named_property(env, error, "errno", v);
  if (syscall && napi_create_string_utf8(env, syscall, NAPI_AUTO_LENGTH, &v) == napi_ok)
    napi_set_named_property(env, error, "syscall", v);
  napi_throw(env, error);
  return NULL;
}

napi_value throw_type(napi_env env, const char *fmt, ...) {
  char msg[512];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(msg, sizeof(msg), fmt, ap);
  va_end(ap);
  napi_value error = build_error(env, true, "ERR_INVALID_ARG_TYPE", msg);
  if (error) napi_throw(env, error);
  return NULL;
}

bool is_nullish(napi_env env, napi_value v) {
  napi_valuetype t;
  if (napi_typeof(env, v, &t) != napi_ok) return false;
  return t == napi_undefined || t == napi_null;
}

static bool get_number(napi_env env, napi_value v, const char *what, double *out) {
  napi_valuetype t;
  if (napi_typeof(env, v, &t) != napi_ok || t != napi_number) {
    throw_type(env, "%s must be a number", what);
    return false;
  }
  if (napi_get_value_double(env, v, out) != napi_ok || !isfinite(*out) || *out != floor(*out)) {
    throw_type(env, "%s must be an integer", what);
    return false;
  }
  return true;
}

bool get_fd(napi_env env, napi_value v, const char *what, int *out) {
  double d;
  if (!get_number(env, v, what, &d)) return false;
  if (d < 0 || d > 0x7fffffff) {
    throw_errno(env, EBADF, NULL, "%s %.0f is not a file descriptor", what, d);
    return false;
  }
  *out = (int)d;
  return true;
}

bool get_u32(napi_env env, napi_value v, const char *what, uint32_t *out) {
  double d;
  if (!get_number(env, v, what, &d)) return false;
  if (d < 0 || d > 4294967295.0) {
    throw_type(env, "%s must be between 0 and 2^32-1", what);
    return false;
  }
  *out = (uint32_t)d;
  return true;
}

bool get_i64(napi_env env, napi_value v, const char *what, int64_t *out) {
  double d;
  if (!get_number(env, v, what, &d)) return false;
  if (fabs(d) > 9007199254740991.0) {
    throw_type(env, "%s must be a safe integer", what);
    return false;
  }
  *out = (int64_t)d;
  return true;
}

bool get_buffer(napi_env env, napi_value v, const char *what, void **data, size_t *len) {
  bool ok = false;
  if (napi_is_buffer(env, v, &ok) != napi_ok || !ok) {
    throw_type(env, "%s must be a Buffer or Uint8Array", what);
    return false;
  }
  if (napi_get_buffer_info(env, v, data, len) != napi_ok) {
    throw_type(env, "%s: cannot read buffer", what);
    return false;
  }
  return true;
}

char *get_string(napi_env env, napi_value v, const char *what) {
  napi_valuetype t;
  if (napi_typeof(env, v, &t) != napi_ok || t != napi_string) {
    throw_type(env, "%s must be a string", what);
    return NULL;
  }
  size_t len = 0;
  if (napi_get_value_string_utf8(env, v, NULL, 0, &len) != napi_ok) return NULL;
  if (len > 4096) {
    throw_errno(env, ENAMETOOLONG, NULL, "%s is too long", what);
    return NULL;
  }
  char *s = malloc(len + 1);
  if (!s) {
    throw_errno(env, ENOMEM, NULL, NULL);
    return NULL;
  }
  if (napi_get_value_string_utf8(env, v, s, len + 1, &len) != napi_ok) {
    free(s);
    return NULL;
  }
  if (strlen(s) != len) {
    free(s);
    throw_type(env, "%s must not contain NUL characters", what);
    return NULL;
  }
  return s;
}

napi_value make_u32(napi_env env, uint32_t v) {
  napi_value r;
  return napi_create_uint32(env, v, &r) == napi_ok ? r : NULL;
}

napi_value make_i64(napi_env env, int64_t v) {
  napi_value r;
  return napi_create_int64(env, v, &r) == napi_ok ? r : NULL;
}

napi_value make_bool(napi_env env, bool v) {
  napi_value r;
  return napi_get_boolean(env, v, &r) == napi_ok ? r : NULL;
}

napi_value make_null(napi_env env) {
  napi_value r;
  return napi_get_null(env, &r) == napi_ok ? r : NULL;
}

napi_value make_undefined(napi_env env) {
  napi_value r;
  return napi_get_undefined(env, &r) == napi_ok ? r : NULL;
}

napi_value make_string(napi_env env, const char *s) {
  napi_value r;
  return napi_create_string_utf8(env, s, NAPI_AUTO_LENGTH, &r) == napi_ok ? r : NULL;
}

napi_value make_buffer_copy(napi_env env, const void *data, size_t len) {
  napi_value r;
  void *dst;
  static const char empty = 0;
  if (napi_create_buffer_copy(env, len, len ? data : &empty, &dst, &r) != napi_ok) return NULL;
  return r;
}

bool set_prop(napi_env env, napi_value obj, const char *key, napi_value v) {
  return v && napi_set_named_property(env, obj, key, v) == napi_ok;
}

bool register_fn(napi_env env, napi_value exports, const char *name, napi_callback cb) {
  napi_value fn;
  if (napi_create_function(env, name, NAPI_AUTO_LENGTH, cb, NULL, &fn) != napi_ok) return false;
  return napi_set_named_property(env, exports, name, fn) == napi_ok;
}

/* libbpf's print hook is process-global, but it runs on the thread that called libbpf: the
 * capture state is per thread, so loads in worker threads do not mix their logs. */
#define LOG_CAP (64 * 1024)
static __thread char *log_buf;
static __thread size_t log_len;
static __thread bool log_active;

static int log_print(enum libbpf_print_level level, const char *fmt, va_list args) {
  if (!log_active) {
    /* Outside loadObject, libbpf's messages repeat what the thrown error already says (e.g. the
     * expected EEXIST of an existing clsact qdisc); print them only when asked to. */
    if (level == LIBBPF_DEBUG || !getenv("MEMBRANE_LIBBPF_VERBOSE")) return 0;
    return vfprintf(stderr, fmt, args);
  }
  if (!log_buf) return 0;
  /* Keep the tail: the verifier's reason is at the end of its log. */
  char line[4096];
  int n = vsnprintf(line, sizeof(line), fmt, args);
  if (n <= 0) return 0;
  size_t len = (size_t)n < sizeof(line) ? (size_t)n : sizeof(line) - 1;
  if (log_len + len >= LOG_CAP) {
    size_t drop = log_len + len - LOG_CAP + 1;
    if (drop > log_len) drop = log_len;
    memmove(log_buf, log_buf + drop, log_len - drop);
    log_len -= drop;
  }
  memcpy(log_buf + log_len, line, len);
  log_len += len;
  log_buf[log_len] = 0;
  return n;
}

void log_capture_begin(void) {
  if (!log_buf) log_buf = malloc(LOG_CAP);
  log_len = 0;
  if (log_buf) log_buf[0] = 0;
  log_active = true;
  libbpf_set_print(log_print);
}

const char *log_capture_text(void) { return log_buf ? log_buf : ""; }

void log_capture_end(void) {
  log_active = false;
  libbpf_set_print(log_print);
}
