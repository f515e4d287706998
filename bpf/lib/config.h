/* config.h — runtime configuration written by userspace into the one-entry array `dp_config`
 * (not `config`: vmlinux.h already has a type of that name).
 * API: struct mb_config; mb_config_get() -> the config, or compiled defaults while userspace has
 *      not written one (version == 0); mb_cfg_or(v, dflt).
 * TS twin: packages/datapath/src/maps/config.ts (ConfigMap, DEFAULT_CONFIG). Keep in sync.
 */
#ifndef MB_CONFIG_H
#define MB_CONFIG_H
#include "common.h"

#define MB_CONFIG_VERSION 1

/* How much of the traffic becomes a flow event (drops are always reported, subject to the rate
 * limit). */
enum mb_aggregation {
  MB_AGG_NONE = 0,       /* an event for every packet (debugging; expensive) */
  MB_AGG_TCP_FLAGS = 1,  /* new connections, drops, and the first SYN/FIN/RST of each side */
  MB_AGG_CONNECTION = 2, /* new connections and drops only (default) */
};

#define MB_CFG_F_RB_ALWAYS_WAKEUP (1U << 0) /* wake the reader on every record (tests, low rates) */

struct mb_config {
  __u32 version;              /* MB_CONFIG_VERSION; 0 = nothing written yet, use defaults */
  __u32 aggregation;          /* enum mb_aggregation */
  __u32 events_rate;          /* token bucket per CPU: events/s; 0 = unlimited */
  __u32 events_burst;         /* bucket depth; 0 = events_rate */
  __u32 events_wakeup_bytes;  /* force a reader wake-up when this much is pending; 0 = 256 KiB */
  __u32 ct_tcp_syn_s;         /* conntrack lifetimes in seconds; 0 = default */
  __u32 ct_tcp_established_s;
  __u32 ct_tcp_close_s;
  __u32 ct_udp_s;
  __u32 ct_other_s;
  __u32 flags;                /* MB_CFG_F_* */
  __u32 reserved[5];
}; /* 64 bytes */

#define MB_DEFAULT_AGGREGATION MB_AGG_CONNECTION
#define MB_DEFAULT_EVENTS_RATE 100000
#define MB_DEFAULT_WAKEUP_BYTES (256 * 1024)
#define MB_DEFAULT_CT_TCP_SYN_S 60
#define MB_DEFAULT_CT_TCP_ESTABLISHED_S 21600
#define MB_DEFAULT_CT_TCP_CLOSE_S 10
#define MB_DEFAULT_CT_UDP_S 60
#define MB_DEFAULT_CT_OTHER_S 60

#ifndef MB_LAYOUT_ONLY
struct {
  __uint(type, BPF_MAP_TYPE_ARRAY);
  __uint(max_entries, 1);
  __type(key, __u32);
  __type(value, struct mb_config);
  __uint(pinning, LIBBPF_PIN_BY_NAME);
} dp_config SEC(".maps");

static const struct mb_config mb_default_config = {
  .version = MB_CONFIG_VERSION,
  .aggregation = MB_DEFAULT_AGGREGATION,
  .events_rate = MB_DEFAULT_EVENTS_RATE,
};

#define mb_cfg_or(v, dflt) ((v) ? (v) : (dflt))

static __always_inline const struct mb_config *mb_config_get(void)
{
  __u32 zero = 0;
  const struct mb_config *cfg = bpf_map_lookup_elem(&dp_config, &zero);

  if (!cfg || cfg->version == 0)
    return &mb_default_config;
  return cfg;
}
#endif
#endif
