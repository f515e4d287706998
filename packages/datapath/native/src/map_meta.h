/* Map metadata shared by the element ops (map.c) and the batch ops (map_batch.c). */
#ifndef MEMBRANE_MAP_META_H
#define MEMBRANE_MAP_META_H

#include <bpf/bpf.h>

#include "common.h"

typedef struct {
  struct bpf_map_info info;
  size_t value_total; /* bytes per value as seen from user space (all CPUs for per-CPU maps) */
} map_meta;

bool is_percpu(uint32_t type);
/* Reads the map's info now; with check_kind, also proves the fd is a bpf map. Throws on failure. */
bool map_meta_get(napi_env env, int fd, const char *syscall, bool check_kind, map_meta *m);
bool check_len(napi_env env, const char *syscall, const char *what, size_t got, size_t want);

/* Never hand the kernel a NULL pointer for zero-sized keys/values. */
extern char zero_byte[8];
#define NONNULL(p) ((p) ? (p) : (void *)zero_byte)

bool init_map_batch(napi_env env, napi_value exports);

#endif
