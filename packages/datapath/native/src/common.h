/* Shared helpers for the membrane N-API addon.
 *
 * Every exported function validates its arguments with the get_* helpers below and reports
 * failures by throwing a JS Error that carries `.code` (errno name such as 'EINVAL') and
 * `.syscall`; helpers return false/NULL after throwing so callers can bail out with `return NULL`.
 */
#ifndef MEMBRANE_COMMON_H
#define MEMBRANE_COMMON_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <node_api.h>

/* Throw Error{code: errno name, errno, syscall}; message built from fmt (may be NULL). */
napi_value throw_errno(napi_env env, int err, const char *syscall, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
/* Throw TypeError{code: 'ERR_INVALID_ARG_TYPE'} naming the offending argument. */
napi_value throw_type(napi_env env, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

const char *errno_name(int err);

/* Argument readers: each throws on failure and returns false. */
bool get_fd(napi_env env, napi_value v, const char *what, int *out);
bool get_u32(napi_env env, napi_value v, const char *what, uint32_t *out);
bool get_i64(napi_env env, napi_value v, const char *what, int64_t *out);
bool get_buffer(napi_env env, napi_value v, const char *what, void **data, size_t *len);
/* Returns a malloc'd NUL-terminated string (caller frees) or NULL after throwing. */
char *get_string(napi_env env, napi_value v, const char *what);
bool is_nullish(napi_env env, napi_value v);

/* Result builders (they never throw for valid envs; NULL on internal failure). */
napi_value make_u32(napi_env env, uint32_t v);
napi_value make_i64(napi_env env, int64_t v);
napi_value make_bool(napi_env env, bool v);
napi_value make_null(napi_env env);
napi_value make_undefined(napi_env env);
napi_value make_string(napi_env env, const char *s);
napi_value make_buffer_copy(napi_env env, const void *data, size_t len);
bool set_prop(napi_env env, napi_value obj, const char *key, napi_value v);

/* Pull n >= 1 arguments; missing ones are `undefined`. */
#define GET_ARGS(n)                                                                        \
  size_t argc = (n);                                                                       \
  napi_value argv[(n)];                                                                    \
  napi_value self_this;                                                                    \
  if (napi_get_cb_info(env, info, &argc, argv, &self_this, NULL) != napi_ok) return NULL; \
  for (size_t i_ = argc; i_ < (size_t)(n); i_++) napi_get_undefined(env, &argv[i_]);

/* For methods without arguments: just `this`. */
#define GET_THIS()     \
  napi_value self_this; \
  if (napi_get_cb_info(env, info, NULL, NULL, &self_this, NULL) != napi_ok) return NULL;

/* Registration helpers (one per source file). */
bool register_fn(napi_env env, napi_value exports, const char *name, napi_callback cb);
bool init_maps(napi_env env, napi_value exports);
bool init_objects(napi_env env, napi_value exports);
bool init_links(napi_env env, napi_value exports);
bool init_progs(napi_env env, napi_value exports);
bool init_ringbuf(napi_env env, napi_value exports);
bool init_proxy_sockets(napi_env env, napi_value exports);

/* libbpf log capture: while active, libbpf's messages are appended to a buffer that errors
 * from loadObject carry as `.log` (the verifier's explanation is usually there). */
void log_capture_begin(void);
const char *log_capture_text(void);
void log_capture_end(void);

#endif
