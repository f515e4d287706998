// SPDX-License-Identifier: GPL-2.0
/* Test object for the addon's own tests (packages/datapath/src/native/ tests): one map of
 * each kind the addon must handle, a pinned map, and tc programs that emit ring-buffer records
 * when run with BPF_PROG_TEST_RUN. Not part of the datapath. */
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

#define TC_ACT_OK 0

struct lpm_key {
  __u32 prefixlen;
  __u32 addr;
};

struct wide_value {
  __u64 a;
  __u64 b;
};

struct {
  __uint(type, BPF_MAP_TYPE_ARRAY);
  __uint(max_entries, 16);
  __type(key, __u32);
  __type(value, __u64);
} t_array SEC(".maps");

struct {
  __uint(type, BPF_MAP_TYPE_HASH);
  __uint(max_entries, 4096);
  __type(key, __u32);
  __type(value, struct wide_value);
} t_hash SEC(".maps");

struct {
  __uint(type, BPF_MAP_TYPE_LPM_TRIE);
  __uint(max_entries, 1024);
  __uint(map_flags, BPF_F_NO_PREALLOC);
  __type(key, struct lpm_key);
  __type(value, __u32);
} t_lpm SEC(".maps");

struct {
  __uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
  __uint(max_entries, 4);
  __type(key, __u32);
  __type(value, __u64);
} t_percpu SEC(".maps");

struct {
  __uint(type, BPF_MAP_TYPE_HASH);
  __uint(max_entries, 64);
  __uint(pinning, LIBBPF_PIN_BY_NAME);
  __type(key, __u32);
  __type(value, __u32);
} t_pinned SEC(".maps");

/* cfg[0] = records per run (0..8), cfg[1] = bpf_ringbuf_output flags */
struct {
  __uint(type, BPF_MAP_TYPE_ARRAY);
  __uint(max_entries, 2);
  __type(key, __u32);
  __type(value, __u64);
} t_cfg SEC(".maps");

struct {
  __uint(type, BPF_MAP_TYPE_RINGBUF);
  __uint(max_entries, 1 << 22);
} t_events SEC(".maps");

struct rec64 {
  __u64 seq;
  __u32 cpu;
  __u32 magic;
  __u64 fill[6];
};

struct rec20 {
  __u64 seq;
  __u32 magic;
  __u8 tail[8];
} __attribute__((packed));

static __always_inline __u64 cfg(__u32 idx, __u64 dflt) {
  __u64 *v = bpf_map_lookup_elem(&t_cfg, &idx);
  return v && *v ? *v : dflt;
}

static __always_inline __u64 next_seq(void) {
  __u32 zero = 0;
  __u64 *ctr = bpf_map_lookup_elem(&t_array, &zero);
  if (!ctr) return 0;
  return __sync_fetch_and_add(ctr, 1);
}

/* t_percpu[3] counts records the ring had no room for */
static __always_inline void count_lost(long err) {
  __u32 idx = 3;
  __u64 *c = bpf_map_lookup_elem(&t_percpu, &idx);
  if (err && c) *c += 1;
}

static __always_inline void count_run(void) {
  __u32 zero = 0;
  __u64 *c = bpf_map_lookup_elem(&t_percpu, &zero);
  if (c) *c += 1;
}

SEC("tc")
int emit64(struct __sk_buff *skb) {
  __u64 n = cfg(0, 1), flags = cfg(1, 0) == 2 ? 0 : cfg(1, 0);
  count_run();
  for (int i = 0; i < 8; i++) {
    if (i >= n) break;
    struct rec64 r = {};
    r.seq = next_seq();
    r.cpu = bpf_get_smp_processor_id();
    r.magic = 0x4d454d42; /* "MEMB" */
    r.fill[0] = r.seq ^ 0xa5a5a5a5a5a5a5a5ull;
    r.fill[5] = skb->len;
    count_lost(bpf_ringbuf_output(&t_events, &r, sizeof(r), flags));
  }
  return TC_ACT_OK;
}

SEC("tc")
int emit20(struct __sk_buff *skb) {
  __u64 n = cfg(0, 1), flags = cfg(1, 0) == 2 ? 0 : cfg(1, 0);
  for (int i = 0; i < 8; i++) {
    if (i >= n) break;
    struct rec20 r = {};
    r.seq = next_seq();
    r.magic = 0x32303230; /* "0202" */
    for (int j = 0; j < 8; j++) r.tail[j] = (__u8)(r.seq + j);
    count_lost(bpf_ringbuf_output(&t_events, &r, sizeof(r), flags));
  }
  return TC_ACT_OK;
}

/* For attach/update tests: count_pkt counts packets in t_percpu[1] and passes them; drop_all
 * counts in t_percpu[2] and drops (TC_ACT_SHOT). */
SEC("tc")
int count_pkt(struct __sk_buff *skb) {
  __u32 idx = 1;
  __u64 *c = bpf_map_lookup_elem(&t_percpu, &idx);
  if (c) *c += 1;
  return TC_ACT_OK;
}

SEC("tc")
int drop_all(struct __sk_buff *skb) {
  __u32 idx = 2;
  __u64 *c = bpf_map_lookup_elem(&t_percpu, &idx);
  if (c) *c += 1;
  return 2;
}

char LICENSE[] SEC("license") = "GPL";
