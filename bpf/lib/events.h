/* events.h — flow events to userspace through the BPF ring buffer `events`.
 *
 * Every record starts with struct mb_event_hdr (type, version, size), so a reader can skip types
 * and versions it does not know. Records are fixed-width with explicit padding.
 * A per-CPU token bucket (config: events_rate/events_burst) limits how many events reach the
 * ring; what it holds back is counted in `event_state` (suppressed), as are records lost to a
 * full ring (lost). Records are submitted without waking the reader (it polls on a timer) unless
 * more than events_wakeup_bytes are pending, so wake-ups are coalesced under load.
 *
 * API: struct mb_event_hdr, struct mb_flow_event, struct mb_event_state;
 *      mb_event_reserve(cfg, now) -> record or NULL (rate-limited/lost, already counted);
 *      mb_event_submit(record, cfg).
 * TS twin: packages/datapath/src/flows/flowRecord.ts (decoder), src/maps/counters.ts (state).
 */
#ifndef MB_EVENTS_H
#define MB_EVENTS_H
#include "common.h"
#include "config.h"

enum mb_event_type {
  MB_EVENT_FLOW = 1,
  /* reserved: MB_EVENT_SOCK = 2 (socket hooks), MB_EVENT_L7 = 3 (proxy) */
};

#define MB_FLOW_EVENT_VERSION 1

#define MB_FLOW_F_REPLY (1U << 0)    /* packet of the reply direction */
#define MB_FLOW_F_NEW (1U << 1)      /* first packet of a newly admitted connection */
#define MB_FLOW_F_FRAGMENT (1U << 2) /* non-first IPv4 fragment (no ports) */
#define MB_FLOW_F_RELATED (1U << 3)  /* ICMP error belonging to a tracked connection */
#define MB_FLOW_F_FRAG_PORTS (1U << 4) /* later fragment whose ports came from its first fragment */
#define MB_FLOW_F_PROXY (1U << 5)      /* sent by the L7 proxy (its upstream connection) */

struct mb_event_hdr {
  __u8 type;    /* enum mb_event_type */
  __u8 version; /* per type */
  __u16 size;   /* bytes of the whole record */
  __u32 cpu;
}; /* 8 bytes */

struct mb_flow_event {
  struct mb_event_hdr hdr;
  __u64 timestamp_ns; /* CLOCK_MONOTONIC */
  __be32 saddr;
  __be32 daddr;
  __u16 sport; /* host order; ICMP: type */
  __u16 dport; /* host order; ICMP: code */
  __u8 protocol;
  __u8 direction; /* MB_DIR_* relative to the endpoint */
  __u8 verdict;   /* enum mb_verdict */
  __u8 reason;    /* enum mb_drop_reason */
  __u32 src_identity;
  __u32 dst_identity;
  __u32 endpoint_id;
  __u32 ifindex;
  __u32 bytes; /* length of the packet */
  __u8 tcp_flags;
  __u8 flags; /* MB_FLOW_F_* */
  __u16 proxy_port;
  __u16 source_line; /* where a drop was decided */
  __u8 source_file;  /* enum mb_source_file */
  __u8 policy_match; /* enum mb_policy_match */
  __u16 rev_nat_index; /* service (lb.h) whose NAT the packet went through; 0 = none */
  __u16 pad;
}; /* 64 bytes */

struct mb_event_state {
  __u64 last_ns;   /* last token refill */
  __u64 tokens;    /* scaled by 1e9 */
  __u64 emitted;   /* records submitted */
  __u64 suppressed; /* held back by the rate limit */
  __u64 lost;      /* ring full */
  __u64 pad[3];
}; /* 64 bytes */

#ifndef MB_LAYOUT_ONLY
struct {
  __uint(type, BPF_MAP_TYPE_RINGBUF);
  __uint(max_entries, 4 * 1024 * 1024);
  __uint(pinning, LIBBPF_PIN_BY_NAME);
} events SEC(".maps");

struct {
  __uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
  __uint(max_entries, 1);
  __type(key, __u32);
  __type(value, struct mb_event_state);
  __uint(pinning, LIBBPF_PIN_BY_NAME);
} event_state SEC(".maps");

/* Token bucket: may one more event go out on this CPU? */
static __always_inline bool mb_event_admit(struct mb_event_state *st, const struct mb_config *cfg, __u64 now)
{
  __u64 rate = cfg->events_rate;
  __u64 cap, elapsed, tokens;

  if (!rate)
    return true;
  cap = (__u64)mb_cfg_or(cfg->events_burst, cfg->events_rate) * MB_NSEC_PER_SEC;
  elapsed = now - st->last_ns;
  if (elapsed > 10 * MB_NSEC_PER_SEC)
    elapsed = 10 * MB_NSEC_PER_SEC;
  tokens = st->tokens + elapsed * rate;
  if (tokens > cap)
    tokens = cap;
  st->last_ns = now;
  if (tokens < MB_NSEC_PER_SEC) {
    st->tokens = tokens;
    return false;
  }
  st->tokens = tokens - MB_NSEC_PER_SEC;
  return true;
}

static __always_inline struct mb_flow_event *mb_event_reserve(const struct mb_config *cfg, __u64 now)
{
  __u32 zero = 0;
  struct mb_event_state *st = bpf_map_lookup_elem(&event_state, &zero);
  struct mb_flow_event *e;

  if (!st)
    return 0;
  if (!mb_event_admit(st, cfg, now)) {
    st->suppressed++;
    return 0;
  }
  e = bpf_ringbuf_reserve(&events, sizeof(*e), 0);
  if (!e) {
    st->lost++;
    return 0;
  }
  st->emitted++;
  e->hdr.type = MB_EVENT_FLOW;
  e->hdr.version = MB_FLOW_EVENT_VERSION;
  e->hdr.size = sizeof(*e);
  e->hdr.cpu = bpf_get_smp_processor_id();
  e->timestamp_ns = now;
  return e;
}

static __always_inline void mb_event_submit(struct mb_flow_event *e, const struct mb_config *cfg)
{
  __u64 pending, flags = BPF_RB_NO_WAKEUP;

  if (cfg->flags & MB_CFG_F_RB_ALWAYS_WAKEUP) {
    flags = BPF_RB_FORCE_WAKEUP;
  } else {
    pending = bpf_ringbuf_query(&events, BPF_RB_AVAIL_DATA);
    if (pending >= mb_cfg_or(cfg->events_wakeup_bytes, MB_DEFAULT_WAKEUP_BYTES))
      flags = BPF_RB_FORCE_WAKEUP;
  }
  bpf_ringbuf_submit(e, flags);
}
#endif
#endif
