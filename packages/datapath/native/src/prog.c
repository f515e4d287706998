/* BPF_PROG_TEST_RUN: run a loaded program on a packet in the kernel, synchronously or on the
 * libuv thread pool (progTestRunAsync) so a benchmark can generate events while JS consumes. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <bpf/bpf.h>

#include "common.h"

#define OUT_HEADROOM 512
#define MAX_PACKET (64 * 1024)

typedef struct {
  int prog_fd;
  int repeat;
  void *in, *out;
  uint32_t in_len, out_len;
  uint32_t retval, duration;
  int err;
  napi_async_work work;
  napi_deferred deferred;
} test_run;

static void test_run_free(test_run *t) {
  if (!t) return;
  free(t->in);
  free(t->out);
  free(t);
}

/* Parses (progFd, packet, repeat) into a freshly allocated test_run (caller frees). */
static test_run *test_run_parse(napi_env env, napi_value *argv) {
  int fd;
  void *pkt;
  size_t len;
  uint32_t repeat = 1;
  if (!get_fd(env, argv[0], "progFd", &fd)) return NULL;
  if (!get_buffer(env, argv[1], "packet", &pkt, &len)) return NULL;
  if (!is_nullish(env, argv[2]) && !get_u32(env, argv[2], "repeat", &repeat)) return NULL;
  if (len < 14 || len > MAX_PACKET) {
    throw_errno(env, EINVAL, "bpf_prog_test_run", "packet must be 14..%d bytes, got %zu", MAX_PACKET, len);
    return NULL;
  }
  if (repeat == 0 || repeat > 100000000) {
    throw_errno(env, EINVAL, "bpf_prog_test_run", "repeat must be 1..100000000");
    return NULL;
  }
  test_run *t = calloc(1, sizeof(*t));
  if (t) {
    t->in = malloc(len);
    t->out = malloc(len + OUT_HEADROOM);
  }
  if (!t || !t->in || !t->out) {
    test_run_free(t);
    throw_errno(env, ENOMEM, "bpf_prog_test_run", NULL);
    return NULL;
  }
  memcpy(t->in, pkt, len); /* copied: the async variant must not read a JS buffer off-thread */
  t->prog_fd = fd;
  t->repeat = (int)repeat;
  t->in_len = (uint32_t)len;
  t->out_len = (uint32_t)len + OUT_HEADROOM;
  return t;
}

static void test_run_exec(test_run *t) {
  LIBBPF_OPTS(bpf_test_run_opts, opts, .data_in = t->in, .data_size_in = t->in_len, .data_out = t->out,
              .data_size_out = t->out_len, .repeat = t->repeat);
  t->err = bpf_prog_test_run_opts(t->prog_fd, &opts) == 0 ? 0 : errno;
  t->retval = opts.retval;
  t->duration = opts.duration;
  t->out_len = opts.data_size_out <= t->out_len ? opts.data_size_out : t->out_len;
}

static napi_value test_run_result(napi_env env, test_run *t) {
  napi_value o;
  if (napi_create_object(env, &o) != napi_ok) return NULL;
  set_prop(env, o, "retval", make_i64(env, (int32_t)t->retval));
  set_prop(env, o, "durationNs", make_u32(env, t->duration));
  set_prop(env, o, "dataOut", make_buffer_copy(env, t->out, t->out_len));
  return o;
}

static napi_value prog_test_run(napi_env env, napi_callback_info info) {
  GET_ARGS(3);
  test_run *t = test_run_parse(env, argv);
  if (!t) return NULL;
  test_run_exec(t);
  napi_value r = t->err ? throw_errno(env, t->err, "bpf_prog_test_run", "prog fd %d", t->prog_fd) : test_run_result(env, t);
  test_run_free(t);
  return r;
}

static void async_execute(napi_env env, void *data) {
  (void)env;
  test_run_exec(data);
}

static void async_complete(napi_env env, napi_status status, void *data) {
  test_run *t = data;
  napi_value v;
  if (status != napi_ok) {
    t->err = ECANCELED;
  }
  if (t->err) {
    throw_errno(env, t->err, "bpf_prog_test_run", "prog fd %d", t->prog_fd);
    if (napi_get_and_clear_last_exception(env, &v) == napi_ok) napi_reject_deferred(env, t->deferred, v);
  } else {
    v = test_run_result(env, t);
    if (v) napi_resolve_deferred(env, t->deferred, v);
  }
  napi_delete_async_work(env, t->work);
  test_run_free(t);
}

static napi_value prog_test_run_async(napi_env env, napi_callback_info info) {
  GET_ARGS(3);
  test_run *t = test_run_parse(env, argv);
  if (!t) return NULL;
  napi_value promise, name;
  if (napi_create_promise(env, &t->deferred, &promise) != napi_ok ||
      napi_create_string_utf8(env, "membrane:progTestRun", NAPI_AUTO_LENGTH, &name) != napi_ok ||
      napi_create_async_work(env, NULL, name, async_execute, async_complete, t, &t->work) != napi_ok ||
      napi_queue_async_work(env, t->work) != napi_ok) {
    test_run_free(t);
    return throw_errno(env, ENOMEM, "progTestRunAsync", NULL);
  }
  return promise;
}

bool init_progs(napi_env env, napi_value exports) {
  return register_fn(env, exports, "progTestRun", prog_test_run) &&
         register_fn(env, exports, "progTestRunAsync", prog_test_run_async);
}
