/* counters.h — per-CPU packet/byte counters by (direction, verdict, reason).
 * API: struct mb_counter; map `counters` (per-CPU array, MB_COUNTERS_ENTRIES slots);
 *      mb_counter_index(dir, verdict, reason); mb_count(dir, verdict, reason, bytes).
 * Every packet a program sees for a known endpoint is counted exactly once.
 * TS twin: packages/datapath/src/maps/counters.ts (Counters).
 */
#ifndef MB_COUNTERS_H
#define MB_COUNTERS_H
#include "common.h"
#include "drop.h"

struct mb_counter {
  __u64 packets;
  __u64 bytes;
};

#define MB_COUNTERS_ENTRIES (MB_DIR_MAX * MB_VERDICT_MAX * MB_DROP_REASON_MAX)

#ifndef MB_LAYOUT_ONLY
struct {
  __uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
  __uint(max_entries, MB_COUNTERS_ENTRIES);
  __type(key, __u32);
  __type(value, struct mb_counter);
  __uint(pinning, LIBBPF_PIN_BY_NAME);
} counters SEC(".maps");

static __always_inline __u32 mb_counter_index(__u8 dir, __u8 verdict, __u8 reason)
{
  return ((__u32)dir * MB_VERDICT_MAX + verdict) * MB_DROP_REASON_MAX + (reason & (MB_DROP_REASON_MAX - 1));
}

static __always_inline void mb_count(__u8 dir, __u8 verdict, __u8 reason, __u32 bytes)
{
  __u32 idx = mb_counter_index(dir, verdict, reason);
  struct mb_counter *c = bpf_map_lookup_elem(&counters, &idx);

  if (c) {
    c->packets++;
    c->bytes += bytes;
  }
}
#endif
#endif
