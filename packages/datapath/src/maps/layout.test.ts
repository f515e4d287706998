// Proves the TypeScript codecs and the C structs agree: bpf/test/layout.c, compiled by the host
// compiler from the datapath's own headers, prints every shared struct's size and field offsets.
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { defaultObjectPath } from '../datapath';
import { EVENT_FLOW, EVENT_HDR_LAYOUT, FLOW_EVENT_LAYOUT, FLOW_EVENT_VERSION } from '../flows/flowRecord';
import { PROXY_CONFIG_LAYOUT } from '../proxy/proxyConfig';
import { CONFIG_LAYOUT, CONFIG_VERSION } from './config';
import { CT_ENTRY_LAYOUT, CT_KEY_LAYOUT } from './conntrack';
import { DIR_EGRESS, DIR_INGRESS, DROP_REASON_MAX, VERDICT_MAX } from './constants';
import { COUNTER_LAYOUT, COUNTERS_ENTRIES, EVENT_STATE_LAYOUT } from './counters';
import { ENDPOINT_LAYOUT } from './endpoint';
import { IPCACHE_KEY_LAYOUT, IPCACHE_VALUE_LAYOUT } from './ipcache';
import { POLICY_KEY_LAYOUT, POLICY_VALUE_LAYOUT } from './policyCodec';
import { PREFIX_ANY_PROTO } from './policyKeys';
import type { StructLayout } from './rawMap';

type CLayouts = Record<string, { size: number; fields: Record<string, [number, number]> }> & {
  constants: Record<string, number>;
};

function cLayouts(): CLayouts {
  const bpfDir = join(defaultObjectPath(), '..', '..');
  execFileSync('make', ['-s', '-C', bpfDir, 'layout'], { stdio: 'inherit' });
  return JSON.parse(execFileSync(join(bpfDir, 'build', 'layout'), { encoding: 'utf8' }));
}

const CODECS: Record<string, StructLayout> = {
  mb_config: CONFIG_LAYOUT,
  mb_endpoint: ENDPOINT_LAYOUT,
  mb_ipcache_key: IPCACHE_KEY_LAYOUT,
  mb_ipcache_value: IPCACHE_VALUE_LAYOUT,
  mb_policy_key: POLICY_KEY_LAYOUT,
  mb_policy_value: POLICY_VALUE_LAYOUT,
  mb_ct_key: CT_KEY_LAYOUT,
  mb_ct_entry: CT_ENTRY_LAYOUT,
  mb_counter: COUNTER_LAYOUT,
  mb_event_hdr: EVENT_HDR_LAYOUT,
  mb_flow_event: FLOW_EVENT_LAYOUT,
  mb_event_state: EVENT_STATE_LAYOUT,
  mb_proxy_config: PROXY_CONFIG_LAYOUT,
};

describe('C structs and TypeScript codecs', () => {
  const c = cLayouts();

  for (const [name, ts] of Object.entries(CODECS)) {
    it(`struct ${name} has the codec's size and field offsets`, () => {
      const cs = c[name];
      expect(cs, `layout.c prints ${name}`).toBeDefined();
      expect(ts.size).toBe(cs?.size);
      // every field C has, the codec places identically (and the codec invents none)
      expect(ts.fields).toEqual(cs?.fields);
    });
  }

  it('shared constants agree', () => {
    expect(c.constants).toEqual({
      MB_COUNTERS_ENTRIES: COUNTERS_ENTRIES,
      MB_VERDICT_MAX: VERDICT_MAX,
      MB_DROP_REASON_MAX: DROP_REASON_MAX,
      MB_POLICY_PREFIX_FIXED: PREFIX_ANY_PROTO,
      MB_FLOW_EVENT_VERSION: FLOW_EVENT_VERSION,
      MB_CONFIG_VERSION: CONFIG_VERSION,
      MB_EVENT_FLOW: EVENT_FLOW,
      MB_DIR_INGRESS: DIR_INGRESS,
      MB_DIR_EGRESS: DIR_EGRESS,
    });
  });
});
