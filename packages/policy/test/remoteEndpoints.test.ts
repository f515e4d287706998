import { describe, expect, it } from 'vitest';
import { compile } from '../src/compile/compiler';
import { cnp, np } from '../src/testing/e2eModel';
import { EndpointFactory } from '../src/testing/fixtures';
import { flow, verdict } from './helpers';

const f = new EndpointFactory();
const local = f.pod('ns', 'web', { app: 'web' }, '10.200.1.1');
const far = f.pod('ns', 'cli', { app: 'cli' }, '10.200.9.1', [], { remote: true });
const endpoints = [local, far];

describe('pods on other nodes', () => {
  it('get ipcache entries but no endpoint policy', () => {
    const d = compile([], endpoints);
    expect(d.endpoints.map((e) => e.endpointId)).toEqual([local.endpointId]);
    expect(d.ipcache).toContainEqual({ cidr: '10.200.9.1/32', identity: far.identity });
  });

  it('are peers by their labels, and only the local side enforces', () => {
    const policies = [
      np('ns', 'web-in', {
        podSelector: { matchLabels: { app: 'web' } },
        ingress: [{ from: [{ podSelector: { matchLabels: { app: 'cli' } } }] }],
      }),
      cnp('ns', 'cli-out', { endpointSelector: { matchLabels: { app: 'cli' } }, egress: [{}] }),
    ];
    const input = { policies, endpoints };
    expect(verdict(input, flow(far, local))).toBe('allowed'); // cli's egress isolation is enforced on its own node
    expect(verdict(input, flow('10.200.9.1', local))).toBe('allowed');
    expect(verdict(input, flow('10.200.9.2', local))).toBe('denied');
    expect(verdict(input, flow(local, far))).toBe('allowed');
  });
});
