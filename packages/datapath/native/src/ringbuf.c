/* RingBufReader, the JS class: options, start/stop, delivery of batches on the JS thread, and the
 * shared lifetime of the reader struct (see ringbuf.h). */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "ringbuf.h"

static void reader_unref(reader *r) {
  if (--r->refs > 0) return;
  reader_halt(r);
  reader_release_ring(r);
  for (uint32_t i = 0; i < r->max_in_flight; i++) {
    if (r->all[i]) free(r->all[i]->data);
    free(r->all[i]);
  }
  pthread_mutex_destroy(&r->mu);
  pthread_cond_destroy(&r->cv);
  free(r);
}

static void env_cleanup(void *arg) {
  reader *r = arg;
  r->cleanup_hook = false;
  reader_halt(r);
}

static void call_js(napi_env env, napi_value js_cb, void *context, void *data) {
  reader *r = context;
  batch *b = data;
  if (!env || !js_cb || r->state != R_RUNNING) {
    if (env) r->dropped_after_stop += b->count;
    pool_give(r, b);
    return;
  }
  napi_value args[2], undef;
  void *dst;
  bool ok = napi_create_buffer_copy(env, b->len, b->data, &dst, &args[0]) == napi_ok &&
            napi_create_uint32(env, b->count, &args[1]) == napi_ok && napi_get_undefined(env, &undef) == napi_ok;
  /* Return the batch before calling out: JS may call stop() from inside the callback. */
  pool_give(r, b);
  if (ok) napi_call_function(env, undef, js_cb, 2, args, NULL);
}

static void tsfn_finalize(napi_env env, void *data, void *hint) {
  (void)env;
  (void)hint;
  reader *r = data;
  reader_halt(r);
  r->tsfn = NULL;
  reader_unref(r);
}

static void wrapper_finalize(napi_env env, void *data, void *hint) {
  (void)hint;
  reader *r = data;
  reader_halt(r);
  if (r->cleanup_hook) {
    napi_remove_env_cleanup_hook(env, env_cleanup, r);
    r->cleanup_hook = false;
  }
  reader_unref(r);
}

static bool opt_u32(napi_env env, napi_value obj, const char *key, uint32_t *out, uint32_t lo, uint32_t hi) {
  bool has = false;
  napi_value v;
  if (napi_has_named_property(env, obj, key, &has) != napi_ok || !has) return true;
  if (napi_get_named_property(env, obj, key, &v) != napi_ok) return false;
  if (is_nullish(env, v)) return true;
  if (!get_u32(env, v, key, out)) return false;
  if (*out < lo || *out > hi) {
    throw_errno(env, EINVAL, NULL, "%s must be %u..%u", key, lo, hi);
    return false;
  }
  return true;
}

static reader *unwrap_reader(napi_env env, napi_value self) {
  reader *r = NULL;
  if (napi_unwrap(env, self, (void **)&r) != napi_ok || !r) {
    throw_type(env, "not a RingBufReader");
    return NULL;
  }
  return r;
}

/* new RingBufReader(mapFd, { onBatch, maxBatchRecords, maxBatchBytes, pollIntervalMs, idleWaitMs,
 *                            maxInFlight }) */
static napi_value reader_ctor(napi_env env, napi_callback_info info) {
  GET_ARGS(2);
  napi_value new_target;
  if (napi_get_new_target(env, info, &new_target) != napi_ok || !new_target)
    return throw_type(env, "RingBufReader must be called with new");
  int fd;
  if (!get_fd(env, argv[0], "mapFd", &fd)) return NULL;
  napi_valuetype t;
  if (napi_typeof(env, argv[1], &t) != napi_ok || t != napi_object) return throw_type(env, "options must be an object");
  napi_value cb;
  if (napi_get_named_property(env, argv[1], "onBatch", &cb) != napi_ok) return NULL;
  if (napi_typeof(env, cb, &t) != napi_ok || t != napi_function) return throw_type(env, "options.onBatch must be a function");
  uint32_t max_records = 1024, poll_ms = 1, idle_ms = 8, in_flight = 4, max_kib = 1024;
  if (!opt_u32(env, argv[1], "maxBatchRecords", &max_records, 1, 1u << 20) ||
      !opt_u32(env, argv[1], "pollIntervalMs", &poll_ms, 0, 1000) ||
      !opt_u32(env, argv[1], "idleWaitMs", &idle_ms, 1, 10000) ||
      !opt_u32(env, argv[1], "maxInFlight", &in_flight, 1, MAX_IN_FLIGHT) ||
      !opt_u32(env, argv[1], "maxBatchKiB", &max_kib, 4, 1u << 20))
    return NULL;
  reader *r = calloc(1, sizeof(*r));
  if (!r) return throw_errno(env, ENOMEM, "RingBufReader", NULL);
  r->map_fd = r->epfd = r->stopfd = -1;
  r->refs = 1;
  r->max_records = max_records;
  r->poll_ms = poll_ms;
  r->idle_ms = idle_ms < poll_ms ? poll_ms : idle_ms;
  r->max_in_flight = in_flight;
  r->max_bytes = (size_t)max_kib * 1024;
  r->env = env;
  pthread_mutex_init(&r->mu, NULL);
  pthread_cond_init(&r->cv, NULL);
  for (uint32_t i = 0; i < in_flight; i++) {
    r->all[i] = calloc(1, sizeof(batch));
    if (!r->all[i]) {
      reader_unref(r);
      return throw_errno(env, ENOMEM, "RingBufReader", NULL);
    }
    r->pool[r->pool_free++] = r->all[i];
  }
  if (!reader_map_ring(env, r, fd)) {
    reader_unref(r);
    return NULL;
  }
  if (napi_wrap(env, self_this, r, wrapper_finalize, NULL, NULL) != napi_ok) {
    reader_unref(r);
    return throw_errno(env, ENOMEM, "RingBufReader", NULL);
  }
  /* The callback is kept on the object until start() turns it into the thread-safe function. */
  napi_set_named_property(env, self_this, "_onBatch", cb);
  return self_this;
}

static napi_value reader_start(napi_env env, napi_callback_info info) {
  GET_THIS();
  reader *r = unwrap_reader(env, self_this);
  if (!r) return NULL;
  if (r->state != R_IDLE) return throw_errno(env, EINVAL, "RingBufReader.start", "reader already started or stopped");
  napi_value cb, name;
  if (napi_get_named_property(env, self_this, "_onBatch", &cb) != napi_ok ||
      napi_create_string_utf8(env, "membrane:ringbuf", NAPI_AUTO_LENGTH, &name) != napi_ok)
    return NULL;
  if (napi_create_threadsafe_function(env, cb, NULL, name, 0, 1, r, tsfn_finalize, r, call_js, &r->tsfn) != napi_ok)
    return throw_errno(env, ENOMEM, "napi_create_threadsafe_function", NULL);
  r->refs++;
  if (napi_create_reference(env, self_this, 1, &r->self_ref) != napi_ok) r->self_ref = NULL;
  if (napi_add_env_cleanup_hook(env, env_cleanup, r) == napi_ok) r->cleanup_hook = true;
  r->state = R_RUNNING;
  int err = pthread_create(&r->thread, NULL, reader_main, r);
  if (err) {
    r->state = R_STOPPED;
    napi_release_threadsafe_function(r->tsfn, napi_tsfn_abort);
    if (r->cleanup_hook) napi_remove_env_cleanup_hook(env, env_cleanup, r);
    r->cleanup_hook = false;
    if (r->self_ref) napi_delete_reference(env, r->self_ref);
    r->self_ref = NULL;
    return throw_errno(env, err, "pthread_create", NULL);
  }
  r->thread_live = true;
  return make_undefined(env);
}

/* Joins the thread; batches not yet delivered are dropped (counted in stats().droppedAfterStop).
 * Afterwards nothing keeps the event loop alive and no callback runs. */
static napi_value reader_stop(napi_env env, napi_callback_info info) {
  GET_THIS();
  reader *r = unwrap_reader(env, self_this);
  if (!r) return NULL;
  if (r->state == R_STOPPED) return make_undefined(env);
  bool was_running = r->state == R_RUNNING;
  r->state = R_STOPPED;
  reader_halt(r);
  if (was_running) {
    if (r->tsfn) napi_release_threadsafe_function(r->tsfn, napi_tsfn_abort);
    if (r->cleanup_hook) napi_remove_env_cleanup_hook(env, env_cleanup, r);
    r->cleanup_hook = false;
    if (r->self_ref) napi_delete_reference(env, r->self_ref);
    r->self_ref = NULL;
  }
  reader_release_ring(r);
  return make_undefined(env);
}

static napi_value reader_set_ref(napi_env env, napi_callback_info info, bool ref) {
  GET_THIS();
  reader *r = unwrap_reader(env, self_this);
  if (!r) return NULL;
  if (r->state == R_RUNNING && r->tsfn) {
    if (ref) napi_ref_threadsafe_function(env, r->tsfn);
    else napi_unref_threadsafe_function(env, r->tsfn);
  }
  return make_undefined(env);
}

static napi_value reader_ref(napi_env env, napi_callback_info info) { return reader_set_ref(env, info, true); }
static napi_value reader_unref_js(napi_env env, napi_callback_info info) { return reader_set_ref(env, info, false); }

static napi_value reader_stats(napi_env env, napi_callback_info info) {
  GET_THIS();
  reader *r = unwrap_reader(env, self_this);
  if (!r) return NULL;
  napi_value o;
  if (napi_create_object(env, &o) != napi_ok) return NULL;
  set_prop(env, o, "records", make_i64(env, (int64_t)atomic_load(&r->records)));
  set_prop(env, o, "batches", make_i64(env, (int64_t)atomic_load(&r->batches)));
  set_prop(env, o, "bytes", make_i64(env, (int64_t)atomic_load(&r->bytes)));
  set_prop(env, o, "polls", make_i64(env, (int64_t)atomic_load(&r->polls)));
  set_prop(env, o, "wakeups", make_i64(env, (int64_t)atomic_load(&r->wakeups)));
  set_prop(env, o, "droppedAfterStop", make_i64(env, (int64_t)r->dropped_after_stop));
  set_prop(env, o, "ringSize", make_i64(env, (int64_t)r->ring_size));
  int64_t pending = 0;
  if (r->cons_map && r->prod_map)
    pending = (int64_t)(__atomic_load_n(r->producer_pos, __ATOMIC_ACQUIRE) - __atomic_load_n(r->consumer_pos, __ATOMIC_ACQUIRE));
  set_prop(env, o, "pendingBytes", make_i64(env, pending));
  set_prop(env, o, "running", make_bool(env, r->state == R_RUNNING));
  return o;
}

bool init_ringbuf(napi_env env, napi_value exports) {
  napi_property_descriptor methods[] = {
      {"start", NULL, reader_start, NULL, NULL, NULL, napi_default, NULL},
      {"stop", NULL, reader_stop, NULL, NULL, NULL, napi_default, NULL},
      {"ref", NULL, reader_ref, NULL, NULL, NULL, napi_default, NULL},
      {"unref", NULL, reader_unref_js, NULL, NULL, NULL, napi_default, NULL},
      {"stats", NULL, reader_stats, NULL, NULL, NULL, napi_default, NULL},
  };
  napi_value ctor;
  if (napi_define_class(env, "RingBufReader", NAPI_AUTO_LENGTH, reader_ctor, NULL, sizeof(methods) / sizeof(methods[0]),
                        methods, &ctor) != napi_ok)
    return false;
  return napi_set_named_property(env, exports, "RingBufReader", ctor) == napi_ok;
}
