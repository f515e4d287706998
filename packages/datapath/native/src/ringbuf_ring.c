/* The ring side of RingBufReader: mapping the ring, draining it into batches on the reader
 * thread, and stopping that thread. See ringbuf.h for the design. */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <sched.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/mman.h>
#include <unistd.h>

#include <bpf/bpf.h>
#include <linux/bpf.h>

#include "ringbuf.h"

void batch_reset(batch *b) {
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

void pool_give(reader *r, batch *b) {
  pthread_mutex_lock(&r->mu);
  batch_reset(b);
  r->pool[r->pool_free++] = b;
  pthread_cond_signal(&r->cv);
  pthread_mutex_unlock(&r->mu);
}

void *reader_main(void *arg) {
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

void reader_halt(reader *r) {
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

void reader_release_ring(reader *r) {
  if (r->prod_map) munmap(r->prod_map, r->prod_map_len);
  if (r->cons_map) munmap(r->cons_map, r->page);
  r->prod_map = r->cons_map = NULL;
  if (r->epfd >= 0) close(r->epfd);
  if (r->stopfd >= 0) close(r->stopfd);
  if (r->map_fd >= 0) close(r->map_fd);
  r->epfd = r->stopfd = r->map_fd = -1;
}

bool reader_map_ring(napi_env env, reader *r, int fd) {
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
