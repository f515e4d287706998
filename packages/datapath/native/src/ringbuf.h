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
#ifndef MEMBRANE_RINGBUF_H
#define MEMBRANE_RINGBUF_H

#include <pthread.h>
#include <stdatomic.h>

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

/* Reader-thread side (ringbuf_ring.c). */
void batch_reset(batch *b);
void pool_give(reader *r, batch *b);
void *reader_main(void *arg);
/* Stops and joins the thread if it runs; idempotent. JS thread only. */
void reader_halt(reader *r);
/* Unmaps the ring and closes the reader's fds; only after reader_halt. */
void reader_release_ring(reader *r);
/* Maps the ring of map fd `fd` (dup'd) and sets up epoll; throws on failure. */
bool reader_map_ring(napi_env env, reader *r, int fd);

#endif
