/* Prints the size and field offsets of every struct the datapath shares with userspace, as JSON,
 * compiled by the host compiler from the very headers the BPF programs use (MB_LAYOUT_ONLY).
 * packages/datapath/src/maps/layout.test.ts compares this with the TypeScript codecs. */
#include <stddef.h>
#include <stdio.h>
#include "common.h"
#include "config.h"
#include "drop.h"
#include "counters.h"
#include "endpoints.h"
#include "ipcache.h"
#include "policy.h"
#include "conntrack.h"
#include "events.h"
#include "lb.h"
#include "proxy.h"

static int first_struct = 1, first_field;

#define BEGIN(T)                                                                                         \
  printf("%s\n  \"%s\": { \"size\": %zu, \"fields\": {", first_struct ? "{" : ",", #T, sizeof(struct T)); \
  first_struct = 0;                                                                                      \
  first_field = 1;
#define FIELD(T, f)                                                                                      \
  printf("%s \"%s\": [%zu, %zu]", first_field ? "" : ",", #f, offsetof(struct T, f),                       \
         sizeof(((struct T *)0)->f));                                                                    \
  first_field = 0;
#define END() printf(" } }");

int main(void)
{
  BEGIN(mb_config) FIELD(mb_config, version) FIELD(mb_config, aggregation) FIELD(mb_config, events_rate)
  FIELD(mb_config, events_burst) FIELD(mb_config, events_wakeup_bytes) FIELD(mb_config, ct_tcp_syn_s)
  FIELD(mb_config, ct_tcp_established_s) FIELD(mb_config, ct_tcp_close_s) FIELD(mb_config, ct_udp_s)
  FIELD(mb_config, ct_other_s) FIELD(mb_config, flags) END()

  BEGIN(mb_endpoint) FIELD(mb_endpoint, endpoint_id) FIELD(mb_endpoint, identity) FIELD(mb_endpoint, ifindex)
  FIELD(mb_endpoint, ipv4) FIELD(mb_endpoint, flags) END()

  BEGIN(mb_ipcache_key) FIELD(mb_ipcache_key, prefixlen) FIELD(mb_ipcache_key, addr) END()
  BEGIN(mb_ipcache_value) FIELD(mb_ipcache_value, identity) FIELD(mb_ipcache_value, flags) END()

  BEGIN(mb_policy_key) FIELD(mb_policy_key, prefixlen) FIELD(mb_policy_key, endpoint_id)
  FIELD(mb_policy_key, identity) FIELD(mb_policy_key, direction) FIELD(mb_policy_key, protocol)
  FIELD(mb_policy_key, dport) END()
  BEGIN(mb_policy_value) FIELD(mb_policy_value, action) FIELD(mb_policy_value, own_action)
  FIELD(mb_policy_value, flags) FIELD(mb_policy_value, proxy_port) FIELD(mb_policy_value, port_lo)
  FIELD(mb_policy_value, port_hi) END()

  BEGIN(mb_ct_key) FIELD(mb_ct_key, saddr) FIELD(mb_ct_key, daddr) FIELD(mb_ct_key, sport)
  FIELD(mb_ct_key, dport) FIELD(mb_ct_key, protocol) FIELD(mb_ct_key, direction) END()
  BEGIN(mb_ct_entry) FIELD(mb_ct_entry, expires_ns) FIELD(mb_ct_entry, created_ns)
  FIELD(mb_ct_entry, packets_orig) FIELD(mb_ct_entry, bytes_orig) FIELD(mb_ct_entry, packets_reply)
  FIELD(mb_ct_entry, bytes_reply) FIELD(mb_ct_entry, remote_identity) FIELD(mb_ct_entry, endpoint_id)
  FIELD(mb_ct_entry, proxy_port) FIELD(mb_ct_entry, state) FIELD(mb_ct_entry, tcp_flags_orig)
  FIELD(mb_ct_entry, tcp_flags_reply) FIELD(mb_ct_entry, flags) END()

  BEGIN(mb_counter) FIELD(mb_counter, packets) FIELD(mb_counter, bytes) END()

  BEGIN(mb_event_hdr) FIELD(mb_event_hdr, type) FIELD(mb_event_hdr, version) FIELD(mb_event_hdr, size)
  FIELD(mb_event_hdr, cpu) END()
  BEGIN(mb_flow_event) FIELD(mb_flow_event, hdr) FIELD(mb_flow_event, timestamp_ns) FIELD(mb_flow_event, saddr)
  FIELD(mb_flow_event, daddr) FIELD(mb_flow_event, sport) FIELD(mb_flow_event, dport)
  FIELD(mb_flow_event, protocol) FIELD(mb_flow_event, direction) FIELD(mb_flow_event, verdict)
  FIELD(mb_flow_event, reason) FIELD(mb_flow_event, src_identity) FIELD(mb_flow_event, dst_identity)
  FIELD(mb_flow_event, endpoint_id) FIELD(mb_flow_event, ifindex) FIELD(mb_flow_event, bytes)
  FIELD(mb_flow_event, tcp_flags) FIELD(mb_flow_event, flags) FIELD(mb_flow_event, proxy_port)
  FIELD(mb_flow_event, source_line) FIELD(mb_flow_event, source_file) FIELD(mb_flow_event, policy_match)
  FIELD(mb_flow_event, rev_nat_index) END()
  BEGIN(mb_event_state) FIELD(mb_event_state, last_ns) FIELD(mb_event_state, tokens)
  FIELD(mb_event_state, emitted) FIELD(mb_event_state, suppressed) FIELD(mb_event_state, lost) END()

  /* L7 proxy (proxy.h) */
  BEGIN(mb_proxy_config) FIELD(mb_proxy_config, ifindex) FIELD(mb_proxy_config, flags) END()

  /* services (lb.h) */
  BEGIN(mb_lb4_key) FIELD(mb_lb4_key, address) FIELD(mb_lb4_key, dport) FIELD(mb_lb4_key, backend_slot)
  FIELD(mb_lb4_key, protocol) FIELD(mb_lb4_key, scope) FIELD(mb_lb4_key, revision) END()
  BEGIN(mb_lb4_service) FIELD(mb_lb4_service, backend_id) FIELD(mb_lb4_service, count)
  FIELD(mb_lb4_service, rev_nat_index) FIELD(mb_lb4_service, revision) FIELD(mb_lb4_service, flags)
  FIELD(mb_lb4_service, algorithm) FIELD(mb_lb4_service, affinity_timeout_s) END()
  BEGIN(mb_lb4_backend) FIELD(mb_lb4_backend, address) FIELD(mb_lb4_backend, port) FIELD(mb_lb4_backend, protocol)
  FIELD(mb_lb4_backend, flags) FIELD(mb_lb4_backend, rev_nat_index) FIELD(mb_lb4_backend, weight) END()
  BEGIN(mb_lb4_reverse_nat) FIELD(mb_lb4_reverse_nat, address) FIELD(mb_lb4_reverse_nat, port)
  FIELD(mb_lb4_reverse_nat, protocol) FIELD(mb_lb4_reverse_nat, flags) END()
  BEGIN(mb_lb4_affinity_key) FIELD(mb_lb4_affinity_key, client) FIELD(mb_lb4_affinity_key, rev_nat_index)
  FIELD(mb_lb4_affinity_key, kind) END()
  BEGIN(mb_lb4_affinity) FIELD(mb_lb4_affinity, last_ns) FIELD(mb_lb4_affinity, backend_id) END()
  BEGIN(mb_lb4_nat_key) FIELD(mb_lb4_nat_key, saddr) FIELD(mb_lb4_nat_key, daddr) FIELD(mb_lb4_nat_key, sport)
  FIELD(mb_lb4_nat_key, dport) FIELD(mb_lb4_nat_key, protocol) FIELD(mb_lb4_nat_key, kind) END()
  BEGIN(mb_lb4_nat) FIELD(mb_lb4_nat, address) FIELD(mb_lb4_nat, port) FIELD(mb_lb4_nat, rev_nat_index)
  FIELD(mb_lb4_nat, backend_id) END()
  BEGIN(mb_lb4_sock_key) FIELD(mb_lb4_sock_key, cookie) FIELD(mb_lb4_sock_key, address) FIELD(mb_lb4_sock_key, port) END()

  printf(",\n  \"constants\": { \"MB_COUNTERS_ENTRIES\": %d, \"MB_VERDICT_MAX\": %d, \"MB_DROP_REASON_MAX\": %d,"
         " \"MB_POLICY_PREFIX_FIXED\": %d, \"MB_FLOW_EVENT_VERSION\": %d, \"MB_CONFIG_VERSION\": %d,"
         " \"MB_EVENT_FLOW\": %d, \"MB_DIR_INGRESS\": %d, \"MB_DIR_EGRESS\": %d } }\n",
         MB_COUNTERS_ENTRIES, MB_VERDICT_MAX, MB_DROP_REASON_MAX, MB_POLICY_PREFIX_FIXED,
         MB_FLOW_EVENT_VERSION, MB_CONFIG_VERSION, MB_EVENT_FLOW, MB_DIR_INGRESS, MB_DIR_EGRESS);
  return 0;
}
