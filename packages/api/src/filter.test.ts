import { describe, expect, it } from 'vitest';
import { FlowFilter, matchFlow } from './filter';
import { testFlow } from './testFlows';

const f = testFlow(1);
const match = (filter: FlowFilter) => matchFlow(FlowFilter.parse(filter), f);

describe('matchFlow (observe filters)', () => {
  it('empty filter matches everything', () => expect(match({})).toBe(true));

  it('pods by NS/NAME prefix and by bare name', () => {
    expect(match({ fromPod: ['x/a'] })).toBe(true);
    expect(match({ fromPod: ['y/a'] })).toBe(false);
    expect(match({ toPod: ['b'] })).toBe(true);
    expect(match({ pod: ['y/b'] })).toBe(true);
  });

  it('namespaces, labels with or without source prefix, key-only labels', () => {
    expect(match({ fromNamespace: ['x'], toNamespace: ['y'] })).toBe(true);
    expect(match({ toNamespace: ['x'] })).toBe(false);
    expect(match({ toLabel: ['app=web'] })).toBe(true);
    expect(match({ toLabel: ['k8s:app=web'] })).toBe(true);
    expect(match({ toLabel: ['app'] })).toBe(true);
    expect(match({ fromLabel: ['app=web'] })).toBe(false);
  });

  it('IPs and CIDRs, ports, protocols, verdicts, types', () => {
    expect(match({ fromIp: ['10.0.0.1'] })).toBe(true);
    expect(match({ toIp: ['10.0.0.0/24'] })).toBe(true);
    expect(match({ toIp: ['10.0.1.0/24'] })).toBe(false);
    expect(match({ port: [80] })).toBe(true);
    expect(match({ port: [81] })).toBe(false);
    expect(match({ protocol: ['TCP'] })).toBe(true);
    expect(match({ protocol: ['udp'] })).toBe(false);
    expect(match({ verdict: ['DROPPED'] })).toBe(false);
    expect(match({ verdict: ['DROPPED', 'FORWARDED'] })).toBe(true);
    expect(match({ type: ['trace'] })).toBe(true);
    expect(match({ type: ['drop'] })).toBe(false);
  });

  it('different filters are ANDed', () => {
    expect(match({ fromPod: ['x/a'], port: [80], verdict: ['FORWARDED'] })).toBe(true);
    expect(match({ fromPod: ['x/a'], port: [81] })).toBe(false);
  });
});
