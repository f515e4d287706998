/* RingBufReader: a native thread drains a BPF ring buffer and hands JS whole batches.
 *
 * The ring is mmapped directly (consumer page RW, producer page + data RO, data mapped twice so
 * a wrapping record is contiguous). A batch is one buffer of entries
 *   [u32 length][u32 reserved = 0][record bytes, zero-padded to a multiple of 8]
 * so every record starts 8-byte aligned. At most `maxInFlight` batches exist at once; while JS
 * holds them all, the thread stops consuming and records stay in the kernel ring (its overflow is
 * the loss, which the BPF side counts). After a non-empty drain that did not fill a batch the thread
 * pauses `pollIntervalMs` so wake-ups coalesce; when the ring is empty it waits on epoll (kernel
 * wake-ups) with a timeout (producers that submit with BPF_RB_NO_WAKEUP).
 *
 * Lifetime: the struct is shared by the JS wrapper and the thread-safe function; each holds a
 * reference and the last finalizer frees it. The thread is always joined before either lets go. */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

#include <bpf/bpf.h>
#include <linux/bpf.h>

#include "common.h"

#define RB_BUSY (1u << 31)
#define RB_DISCARD (1u << 30)
#define RB_HDR 8u
#define MAX_IN_FLIGHT 64

typedef struct batch {
  char *data;
  size_t len, cap;
  uint32_t count;
} batch;

typedef enum { R_IDLE, R_RUNNING, R_STOPPED } reader_state;

typedef struct reader {
  int map_fd, epfd, stopfd;
  size_t ring_size, page;
  unsigned long *consumer_pos;
  const unsigned long *producer_pos;
  const char *data;
  void *cons_map, *prod_map;
  size_t prod_map_len;

  uint32_t max_records, max_in_flight, poll_ms, idle_ms;
  size_t max_bytes;

  pthread_t thread;
  bool thread_live;
  atomic_bool stopping;
  pthread_mutex_t mu;
  pthread_cond_t cv;
  batch *pool[MAX_IN_FLIGHT];
  uint32_t pool_free; /* number of batches in pool[] ready for the thread */
  batch *all[MAX_IN_FLIGHT];

  napi_threadsafe_function tsfn;
  napi_ref self_ref;
  napi_env env;
  bool cleanup_hook;
  reader_state state;
  int refs; /* JS thread only */

  _Atomic uint64_t records, batches, bytes, wakeups, polls;
  uint64_t dropped_after_stop; /* JS thread only */
} reader;

/* ---- ring access (reader thread) ---- */

static void batch_reset(batch *b) {
  b->len = 0;
  b->count = 0;
}

static bool batch_reserve(batch *b, size_t more) {
  if (b->len + more <= b->cap) return true;
  size_t cap = b->cap ? b->cap : 64 * 1024;
  while (cap < b->len + more) cap *= 2;
  char *d = realloc(b->data, cap);
  if (!d) return false;
  b->data = d;
  b->cap = cap;
  return true;
}

/* Copies committed records into b, up to the batch limits; advances the consumer position. */
static uint32_t ring_drain(reader *r, batch *b) {
  unsigned long cons = __atomic_load_n(r->consumer_pos, __ATOMIC_ACQUIRE);
  unsigned long prod = __atomic_load_n(r->producer_pos, __ATOMIC_ACQUIRE);
  unsigned long mask = r->ring_size - 1;
  uint32_t n = 0;
  while (cons < prod && n < r->max_records) {
    const uint32_t *hdr = (const uint32_t *)(r->data + (cons & mask));
    uint32_t len = __atomic_load_n(hdr, __ATOMIC_ACQUIRE);
    if (len & RB_BUSY) break; /* reserved but not yet committed: stop here, keep order */
    uint32_t rec_len = len & ~(RB_BUSY | RB_DISCARD);
    if (rec_len > r->ring_size - RB_HDR) break; /* never trust a length past the mapping */
    if (!(len & RB_DISCARD)) {
      size_t padded = ((size_t)rec_len + 7) & ~(size_t)7;
      if (n > 0 && b->len + RB_HDR + padded > r->max_bytes) break;
      if (!batch_reserve(b, RB_HDR + padded)) break; /* retry later rather than lose it */
      char *dst = b->data + b->len;
      memcpy(dst, &rec_len, 4);
      memset(dst + 4, 0, 4);
      memcpy(dst + RB_HDR, (const char *)hdr + RB_HDR, rec_len);
      memset(dst + RB_HDR + rec_len, 0, padded - rec_len);
      b->len += RB_HDR + padded;
      n++;
    }
    cons += ((unsigned long)rec_len + RB_HDR + 7) & ~7ul;
  }
  b->count = n;
  __atomic_store_n(r->consumer_pos, cons, __ATOMIC_RELEASE);
  return n;
}

static bool ring_has_data(reader *r) {
  return __atomic_load_n(r->consumer_pos, __ATOMIC_ACQUIRE) <
         __atomic_load_n(r->producer_pos, __ATOMIC_ACQUIRE);
}

/* Sleeps up to ms, returning early when stop() signals. */
static void pause_ms(reader *r, uint32_t ms) {
  if (ms == 0) return;
  struct pollfd p = {.fd = r->stopfd, .events = POLLIN};
  poll(&p, 1, (int)ms);
}

static batch *pool_take(reader *r) {
  pthread_mutex_lock(&r->mu);
  while (r->pool_free == 0 && !atomic_load(&r->stopping)) pthread_cond_wait(&r->cv, &r->mu);
  batch *b = NULL;
  if (!atomic_load(&r->stopping)) b = r->pool[--r->pool_free];
  pthread_mutex_unlock(&r->mu);
  return b;
}

static void pool_give(reader *r, batch *b) {
  pthread_mutex_lock(&r->mu);
  batch_reset(b);
  r->pool[r->pool_free++] = b;
  pthread_cond_signal(&r->cv);
  pthread_mutex_unlock(&r->mu);
}

static void *reader_main(void *arg) {
  reader *r = arg;
  uint32_t empty_streak = 0;
  while (!atomic_load(&r->stopping)) {
    batch *b = pool_take(r);
    if (!b) break;
    atomic_fetch_add(&r->polls, 1);
    uint32_t n = ring_drain(r, b);
    if (n > 0) {
      empty_streak = 0;
      bool full = n >= r->max_records || b->len >= r->max_bytes;
      atomic_fetch_add(&r->records, n);
      atomic_fetch_add(&r->bytes, b->len);
      atomic_fetch_add(&r->batches, 1);
      if (napi_call_threadsafe_function(r->tsfn, b, napi_tsfn_nonblocking) != napi_ok) {
        pool_give(r, b);
        break; /* closing: the environment is going away */
      }
      if (!full) pause_ms(r, r->poll_ms);
      continue;
    }
    pool_give(r, b);
    if (ring_has_data(r)) {
      /* The oldest record is still being committed (microseconds at most): look again soon. */
      sched_yield();
      continue;
    }
    /* Empty: wait for a kernel wake-up, or a timeout for producers that never wake us. The
     * timeout grows while idle, bounded by idle_ms. */
    uint32_t wait = r->poll_ms ? r->poll_ms : 1;
    for (uint32_t i = 0; i < empty_streak && wait < r->idle_ms; i++) wait *= 2;
    if (wait > r->idle_ms) wait = r->idle_ms;
    if (empty_streak < 16) empty_streak++;
    struct epoll_event ev[2];
    int k = epoll_wait(r->epfd, ev, 2, (int)wait);
    for (int i = 0; i < k; i++)
      if (ev[i].data.fd == r->map_fd) atomic_fetch_add(&r->wakeups, 1);
  }
  return NULL;
}

/* ---- JS side ---- */

static void reader_halt(reader *r) {
  if (!r->thread_live) return;
  atomic_store(&r->stopping, true);
  uint64_t one = 1;
  ssize_t w = write(r->stopfd, &one, sizeof(one));
  (void)w;
  pthread_mutex_lock(&r->mu);
  pthread_cond_broadcast(&r->cv);
  pthread_mutex_unlock(&r->mu);
  pthread_join(r->thread, NULL);
  r->thread_live = false;
}

static void reader_release_ring(reader *r) {
  if (r->prod_map) munmap(r->prod_map, r->prod_map_len);
  if (r->cons_map) munmap(r->cons_map, r->page);
  r->prod_map = r->cons_map = NULL;
  if (r->epfd >= 0) close(r->epfd);
  if (r->stopfd >= 0) close(r->stopfd);
  if (r->map_fd >= 0) close(r->map_fd);
  r->epfd = r->stopfd = r->map_fd = -1;
}

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

static bool reader_map_ring(napi_env env, reader *r, int fd) {
  struct bpf_map_info info;
  memset(&info, 0, sizeof(info));
  uint32_t len = sizeof(info);
  if (bpf_obj_get_info_by_fd(fd, &info, &len) != 0) {
    throw_errno(env, errno, "bpf_obj_get_info_by_fd", "fd %d", fd);
    return false;
  }
  if (info.type != BPF_MAP_TYPE_RINGBUF) {
    throw_errno(env, EINVAL, "RingBufReader", "fd %d is not a ring buffer map (type %u)", fd, info.type);
    return false;
  }
  r->page = (size_t)sysconf(_SC_PAGESIZE);
  r->ring_size = info.max_entries;
  r->map_fd = fcntl(fd, F_DUPFD_CLOEXEC, 0);
  if (r->map_fd < 0) {
    throw_errno(env, errno, "fcntl", "dup fd %d", fd);
    return false;
  }
  r->cons_map = mmap(NULL, r->page, PROT_READ | PROT_WRITE, MAP_SHARED, r->map_fd, 0);
  if (r->cons_map == MAP_FAILED) {
    r->cons_map = NULL;
    throw_errno(env, errno, "mmap", "ring consumer page");
    return false;
  }
  r->prod_map_len = r->page + 2 * r->ring_size;
  r->prod_map = mmap(NULL, r->prod_map_len, PROT_READ, MAP_SHARED, r->map_fd, (off_t)r->page);
  if (r->prod_map == MAP_FAILED) {
    r->prod_map = NULL;
    throw_errno(env, errno, "mmap", "ring producer pages");
    return false;
  }
  r->consumer_pos = r->cons_map;
  r->producer_pos = r->prod_map;
  r->data = (const char *)r->prod_map + r->page;
  r->epfd = epoll_create1(EPOLL_CLOEXEC);
  r->stopfd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
  if (r->epfd < 0 || r->stopfd < 0) {
    throw_errno(env, errno, "epoll_create1", NULL);
    return false;
  }
  struct epoll_event ev = {.events = EPOLLIN};
  ev.data.fd = r->map_fd;
  struct epoll_event ev2 = {.events = EPOLLIN};
  ev2.data.fd = r->stopfd;
  if (epoll_ctl(r->epfd, EPOLL_CTL_ADD, r->map_fd, &ev) != 0 ||
      epoll_ctl(r->epfd, EPOLL_CTL_ADD, r->stopfd, &ev2) != 0) {
    throw_errno(env, errno, "epoll_ctl", NULL);
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
