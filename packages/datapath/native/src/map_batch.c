/* Batch map ops (BPF_MAP_*_BATCH) with a per-element fallback for map types or kernels without
 * them. Lookups return a snapshot of the whole map; deletes skip keys that are not there. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "common.h"
#include "map_meta.h"

static bool batch_unsupported(int err) { return err == EINVAL || err == 524 /* ENOTSUPP */ || err == EOPNOTSUPP; }

typedef struct {
  char *keys, *vals;
  size_t n, cap;
} dump_buf;

static bool dump_reserve(dump_buf *d, const map_meta *m, size_t want) {
  if (want <= d->cap) return true;
  size_t cap = d->cap ? d->cap : 64;
  while (cap < want) cap *= 2;
  size_t ks = m->info.key_size ? m->info.key_size : 1, vs = m->value_total ? m->value_total : 1;
  char *k = realloc(d->keys, cap * ks);
  if (!k) return false;
  d->keys = k;
  char *v = realloc(d->vals, cap * vs);
  if (!v) return false;
  d->vals = v;
  d->cap = cap;
  return true;
}

/* Walk with get_next_key + lookup: for map types without batch support (or old kernels). */
static int dump_by_element(int fd, const map_meta *m, dump_buf *d) {
  size_t ks = m->info.key_size;
  char *cur = calloc(1, ks + 1), *next = calloc(1, ks + 1);
  int err = 0;
  if (!cur || !next) {
    err = ENOMEM;
    goto out;
  }
  bool first = true;
  /* Bounded: concurrent deletes can restart a hash walk from the head. */
  size_t limit = (size_t)m->info.max_entries * 4 + 64;
  for (size_t steps = 0; steps < limit; steps++) {
    if (bpf_map_get_next_key(fd, first ? NULL : cur, next) != 0) {
      if (errno != ENOENT) err = errno;
      break;
    }
    first = false;
    memcpy(cur, next, ks);
    if (!dump_reserve(d, m, d->n + 1)) {
      err = ENOMEM;
      break;
    }
    if (bpf_map_lookup_elem(fd, cur, d->vals + d->n * m->value_total) != 0) {
      if (errno == ENOENT) continue;
      err = errno;
      break;
    }
    memcpy(d->keys + d->n * ks, cur, ks);
    d->n++;
  }
out:
  free(cur);
  free(next);
  return err;
}

/* Returns 0, or an errno; on batch-unsupported maps falls back to the element walk. */
static int dump_batched(int fd, const map_meta *m, uint32_t chunk, dump_buf *d, bool *used_fallback) {
  size_t tok_size = m->info.key_size > 8 ? m->info.key_size : 8;
  char *in_tok = calloc(1, tok_size), *out_tok = calloc(1, tok_size);
  int err = 0;
  bool first = true;
  if (!in_tok || !out_tok) {
    err = ENOMEM;
    goto out;
  }
  for (int guard = 0; guard < 1 << 20; guard++) {
    if (!dump_reserve(d, m, d->n + chunk)) {
      err = ENOMEM;
      break;
    }
    uint32_t count = chunk;
    int rc = bpf_map_lookup_batch(fd, first ? NULL : in_tok, out_tok, d->keys + d->n * m->info.key_size,
                                  d->vals + d->n * m->value_total, &count, NULL);
    int e = rc ? errno : 0;
    if (e == EFAULT) {
      err = e;
      break;
    }
    if (e == ENOSPC && count == 0 && chunk < (1u << 20)) {
      /* A hash bucket holds more entries than fit: retry the same position with more room. */
      chunk *= 2;
      continue;
    }
    if (e && e != ENOENT && first && d->n == 0 && batch_unsupported(e)) {
      *used_fallback = true;
      err = dump_by_element(fd, m, d);
      break;
    }
    d->n += count;
    if (e == ENOENT) break;
    if (e) {
      err = e;
      break;
    }
    memcpy(in_tok, out_tok, tok_size);
    first = false;
  }
out:
  free(in_tok);
  free(out_tok);
  return err;
}

static napi_value map_lookup_batch(napi_env env, napi_callback_info info) {
  GET_ARGS(2);
  int fd;
  uint32_t chunk = 256;
  if (!get_fd(env, argv[0], "fd", &fd)) return NULL;
  if (!is_nullish(env, argv[1]) && !get_u32(env, argv[1], "batchSize", &chunk)) return NULL;
  if (chunk == 0 || chunk > (1u << 20)) return throw_errno(env, EINVAL, "bpf_map_lookup_batch", "batchSize out of range");
  map_meta m;
  if (!map_meta_get(env, fd, "bpf_map_lookup_batch", false, &m)) return NULL;
  dump_buf d = {0};
  bool fallback = false;
  int err = dump_batched(fd, &m, chunk, &d, &fallback);
  napi_value o = NULL;
  if (err) {
    throw_errno(env, err, fallback ? "bpf_map_get_next_key" : "bpf_map_lookup_batch", "fd %d", fd);
  } else if (napi_create_object(env, &o) == napi_ok) {
    set_prop(env, o, "keys", make_buffer_copy(env, d.keys, d.n * m.info.key_size));
    set_prop(env, o, "values", make_buffer_copy(env, d.vals, d.n * m.value_total));
    set_prop(env, o, "count", make_u32(env, (uint32_t)d.n));
    set_prop(env, o, "batched", make_bool(env, !fallback));
  }
  free(d.keys);
  free(d.vals);
  return o;
}

static napi_value throw_partial(napi_env env, int err, const char *syscall, size_t done) {
  throw_errno(env, err, syscall, "after %zu elements", done);
  napi_value exc;
  if (napi_get_and_clear_last_exception(env, &exc) == napi_ok) {
    set_prop(env, exc, "processed", make_u32(env, (uint32_t)done));
    napi_throw(env, exc);
  }
  return NULL;
}

static napi_value map_update_batch(napi_env env, napi_callback_info info) {
  GET_ARGS(4);
  int fd;
  void *keys, *vals;
  size_t klen, vlen;
  int64_t flags = 0;
  if (!get_fd(env, argv[0], "fd", &fd)) return NULL;
  if (!get_buffer(env, argv[1], "keys", &keys, &klen)) return NULL;
  if (!get_buffer(env, argv[2], "values", &vals, &vlen)) return NULL;
  if (!is_nullish(env, argv[3]) && !get_i64(env, argv[3], "flags", &flags)) return NULL;
  if (flags < 0) return throw_errno(env, EINVAL, "bpf_map_update_batch", "negative flags");
  map_meta m;
  if (!map_meta_get(env, fd, "bpf_map_update_batch", false, &m)) return NULL;
  size_t ks = m.info.key_size, vs = m.value_total;
  if (ks == 0) return throw_errno(env, EINVAL, "bpf_map_update_batch", "map has no keys");
  if (klen % ks != 0)
    return throw_errno(env, EINVAL, "bpf_map_update_batch", "keys length %zu is not a multiple of %zu", klen, ks);
  size_t n = klen / ks;
  if (!check_len(env, "bpf_map_update_batch", "values", vlen, n * vs)) return NULL;
  if (n == 0) return make_u32(env, 0);
  if (n > UINT32_MAX) return throw_errno(env, E2BIG, "bpf_map_update_batch", NULL);
  LIBBPF_OPTS(bpf_map_batch_opts, opts, .elem_flags = (uint64_t)flags);
  uint32_t count = (uint32_t)n;
  if (bpf_map_update_batch(fd, keys, vals, &count, &opts) == 0) return make_u32(env, count);
  int err = errno;
  if (!(count == 0 && batch_unsupported(err))) return throw_partial(env, err, "bpf_map_update_batch", count);
  for (size_t i = 0; i < n; i++) {
    if (bpf_map_update_elem(fd, (char *)keys + i * ks, (char *)vals + i * vs, (uint64_t)flags) != 0)
      return throw_partial(env, errno, "bpf_map_update_elem", i);
  }
  return make_u32(env, (uint32_t)n);
}

/* Deletes every listed key that exists; returns how many were deleted. Missing keys are skipped. */
static napi_value map_delete_batch(napi_env env, napi_callback_info info) {
  GET_ARGS(2);
  int fd;
  void *keys;
  size_t klen;
  if (!get_fd(env, argv[0], "fd", &fd)) return NULL;
  if (!get_buffer(env, argv[1], "keys", &keys, &klen)) return NULL;
  map_meta m;
  if (!map_meta_get(env, fd, "bpf_map_delete_batch", false, &m)) return NULL;
  size_t ks = m.info.key_size;
  if (ks == 0) return throw_errno(env, EINVAL, "bpf_map_delete_batch", "map has no keys");
  if (klen % ks != 0)
    return throw_errno(env, EINVAL, "bpf_map_delete_batch", "keys length %zu is not a multiple of %zu", klen, ks);
  size_t n = klen / ks, pos = 0, deleted = 0;
  bool batched = true;
  while (pos < n && batched) {
    uint32_t count = (uint32_t)(n - pos);
    if (bpf_map_delete_batch(fd, (char *)keys + pos * ks, &count, NULL) == 0) {
      deleted += count;
      pos = n;
      break;
    }
    int err = errno;
    deleted += count;
    pos += count;
    if (err == ENOENT) {
      pos++; /* skip the missing key and carry on */
    } else if (count == 0 && batch_unsupported(err) && deleted == 0) {
      batched = false;
    } else {
      return throw_partial(env, err, "bpf_map_delete_batch", pos);
    }
  }
  for (; pos < n; pos++) {
    if (bpf_map_delete_elem(fd, (char *)keys + pos * ks) == 0) {
      deleted++;
    } else if (errno != ENOENT) {
      return throw_partial(env, errno, "bpf_map_delete_elem", pos);
    }
  }
  return make_u32(env, (uint32_t)deleted);
}

bool init_map_batch(napi_env env, napi_value exports) {
  return register_fn(env, exports, "mapLookupBatch", map_lookup_batch) &&
         register_fn(env, exports, "mapUpdateBatch", map_update_batch) &&
         register_fn(env, exports, "mapDeleteBatch", map_delete_batch);
}
