/* Map operations on raw Buffers: mapInfo and element ops (batch ops are in map_batch.c).
 *
 * Every op re-reads the map's info from the kernel (one cheap syscall) so key/value sizes are
 * checked against the map the fd refers to *now*; the kernel never reads past a JS buffer. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "common.h"
#include "map_meta.h"

#define MAX_KEY_SIZE (64 * 1024)
#define MAX_VALUE_TOTAL (64 * 1024 * 1024)

bool is_percpu(uint32_t type) {
  return type == BPF_MAP_TYPE_PERCPU_HASH || type == BPF_MAP_TYPE_PERCPU_ARRAY ||
         type == BPF_MAP_TYPE_LRU_PERCPU_HASH || type == BPF_MAP_TYPE_PERCPU_CGROUP_STORAGE;
}

/* Which kind of bpf object an fd refers to; the kernel names the anon inode after it. */
static const char *fd_kind(int fd, char *buf, size_t len) {
  char path[64];
  snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
  ssize_t n = readlink(path, buf, len - 1);
  if (n < 0) return NULL;
  buf[n] = 0;
  return buf;
}

bool map_meta_get(napi_env env, int fd, const char *syscall, bool check_kind, map_meta *m) {
  memset(m, 0, sizeof(*m));
  if (check_kind) {
    char kind[128];
    if (!fd_kind(fd, kind, sizeof(kind))) {
      throw_errno(env, EBADF, syscall, "fd %d is not open", fd);
      return false;
    }
    if (strcmp(kind, "anon_inode:bpf-map") != 0) {
      throw_errno(env, EINVAL, syscall, "fd %d is not a BPF map (%s)", fd, kind);
      return false;
    }
  }
  uint32_t len = sizeof(m->info);
  if (bpf_obj_get_info_by_fd(fd, &m->info, &len) != 0) {
    throw_errno(env, errno, "bpf_obj_get_info_by_fd", "fd %d", fd);
    return false;
  }
  size_t vs = m->info.value_size;
  if (is_percpu(m->info.type)) {
    int ncpu = libbpf_num_possible_cpus();
    if (ncpu <= 0) {
      throw_errno(env, ncpu ? -ncpu : EIO, "libbpf_num_possible_cpus", NULL);
      return false;
    }
    vs = ((vs + 7) & ~(size_t)7) * (size_t)ncpu;
  }
  m->value_total = vs;
  /* A non-map bpf fd (prog, link, btf) yields a differently shaped info: refuse absurd sizes
   * instead of allocating them; the kernel then rejects the op itself. */
  if (m->info.key_size > MAX_KEY_SIZE || vs > MAX_VALUE_TOTAL) {
    throw_errno(env, EINVAL, syscall, "fd %d does not look like a BPF map", fd);
    return false;
  }
  return true;
}

bool check_len(napi_env env, const char *syscall, const char *what, size_t got, size_t want) {
  if (got == want) return true;
  throw_errno(env, EINVAL, syscall, "%s is %zu bytes, map expects %zu", what, got, want);
  return false;
}

char zero_byte[8];

static napi_value map_info(napi_env env, napi_callback_info info) {
  GET_ARGS(1);
  int fd;
  if (!get_fd(env, argv[0], "fd", &fd)) return NULL;
  map_meta m;
  if (!map_meta_get(env, fd, "bpf_obj_get_info_by_fd", true, &m)) return NULL;
  napi_value o;
  if (napi_create_object(env, &o) != napi_ok) return NULL;
  char name[BPF_OBJ_NAME_LEN + 1] = {0};
  memcpy(name, m.info.name, BPF_OBJ_NAME_LEN);
  set_prop(env, o, "type", make_u32(env, m.info.type));
  set_prop(env, o, "keySize", make_u32(env, m.info.key_size));
  set_prop(env, o, "valueSize", make_u32(env, m.info.value_size));
  set_prop(env, o, "valueSizeTotal", make_u32(env, (uint32_t)m.value_total));
  set_prop(env, o, "maxEntries", make_u32(env, m.info.max_entries));
  set_prop(env, o, "flags", make_u32(env, m.info.map_flags));
  set_prop(env, o, "name", make_string(env, name));
  set_prop(env, o, "id", make_u32(env, m.info.id));
  set_prop(env, o, "percpu", make_bool(env, is_percpu(m.info.type)));
  return o;
}

static napi_value map_lookup(napi_env env, napi_callback_info info) {
  GET_ARGS(2);
  int fd;
  void *key;
  size_t klen;
  if (!get_fd(env, argv[0], "fd", &fd)) return NULL;
  if (!get_buffer(env, argv[1], "key", &key, &klen)) return NULL;
  map_meta m;
  if (!map_meta_get(env, fd, "bpf_map_lookup_elem", false, &m)) return NULL;
  if (!check_len(env, "bpf_map_lookup_elem", "key", klen, m.info.key_size)) return NULL;
  void *val = malloc(m.value_total ? m.value_total : 1);
  if (!val) return throw_errno(env, ENOMEM, "bpf_map_lookup_elem", NULL);
  if (bpf_map_lookup_elem(fd, NONNULL(key), val) != 0) {
    int err = errno;
    free(val);
    if (err == ENOENT) return make_null(env);
    return throw_errno(env, err, "bpf_map_lookup_elem", "fd %d", fd);
  }
  napi_value r = make_buffer_copy(env, val, m.value_total);
  free(val);
  return r;
}

static napi_value map_update(napi_env env, napi_callback_info info) {
  GET_ARGS(4);
  int fd;
  void *key, *val;
  size_t klen, vlen;
  int64_t flags = 0;
  if (!get_fd(env, argv[0], "fd", &fd)) return NULL;
  if (!get_buffer(env, argv[1], "key", &key, &klen)) return NULL;
  if (!get_buffer(env, argv[2], "value", &val, &vlen)) return NULL;
  if (!is_nullish(env, argv[3]) && !get_i64(env, argv[3], "flags", &flags)) return NULL;
  if (flags < 0) return throw_errno(env, EINVAL, "bpf_map_update_elem", "negative flags");
  map_meta m;
  if (!map_meta_get(env, fd, "bpf_map_update_elem", false, &m)) return NULL;
  if (!check_len(env, "bpf_map_update_elem", "key", klen, m.info.key_size)) return NULL;
  if (!check_len(env, "bpf_map_update_elem", "value", vlen, m.value_total)) return NULL;
  if (bpf_map_update_elem(fd, NONNULL(key), NONNULL(val), (uint64_t)flags) != 0)
    return throw_errno(env, errno, "bpf_map_update_elem", "fd %d", fd);
  return make_undefined(env);
}

static napi_value map_delete(napi_env env, napi_callback_info info) {
  GET_ARGS(2);
  int fd;
  void *key;
  size_t klen;
  if (!get_fd(env, argv[0], "fd", &fd)) return NULL;
  if (!get_buffer(env, argv[1], "key", &key, &klen)) return NULL;
  map_meta m;
  if (!map_meta_get(env, fd, "bpf_map_delete_elem", false, &m)) return NULL;
  if (!check_len(env, "bpf_map_delete_elem", "key", klen, m.info.key_size)) return NULL;
  if (bpf_map_delete_elem(fd, NONNULL(key)) != 0) {
    if (errno == ENOENT) return make_bool(env, false);
    return throw_errno(env, errno, "bpf_map_delete_elem", "fd %d", fd);
  }
  return make_bool(env, true);
}

static napi_value map_next_key(napi_env env, napi_callback_info info) {
  GET_ARGS(2);
  int fd;
  void *key = NULL;
  size_t klen = 0;
  if (!get_fd(env, argv[0], "fd", &fd)) return NULL;
  bool first = is_nullish(env, argv[1]);
  if (!first && !get_buffer(env, argv[1], "key", &key, &klen)) return NULL;
  map_meta m;
  if (!map_meta_get(env, fd, "bpf_map_get_next_key", false, &m)) return NULL;
  if (!first && !check_len(env, "bpf_map_get_next_key", "key", klen, m.info.key_size)) return NULL;
  void *next = malloc(m.info.key_size ? m.info.key_size : 1);
  if (!next) return throw_errno(env, ENOMEM, "bpf_map_get_next_key", NULL);
  if (bpf_map_get_next_key(fd, first ? NULL : NONNULL(key), next) != 0) {
    int err = errno;
    free(next);
    if (err == ENOENT) return make_null(env);
    return throw_errno(env, err, "bpf_map_get_next_key", "fd %d", fd);
  }
  napi_value r = make_buffer_copy(env, next, m.info.key_size);
  free(next);
  return r;
}

static napi_value num_possible_cpus(napi_env env, napi_callback_info info) {
  (void)info;
  int n = libbpf_num_possible_cpus();
  if (n <= 0) return throw_errno(env, n ? -n : EIO, "libbpf_num_possible_cpus", NULL);
  return make_u32(env, (uint32_t)n);
}

bool init_maps(napi_env env, napi_value exports) {
  return register_fn(env, exports, "mapInfo", map_info) && register_fn(env, exports, "mapLookup", map_lookup) &&
         register_fn(env, exports, "mapUpdate", map_update) && register_fn(env, exports, "mapDelete", map_delete) &&
         register_fn(env, exports, "mapNextKey", map_next_key) &&
         init_map_batch(env, exports) &&
         register_fn(env, exports, "numPossibleCpus", num_possible_cpus);
}
