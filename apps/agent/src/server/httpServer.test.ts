import { mkdtempSync, rmSync, statSync } from 'node:fs';
import type http from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Flow } from '@membrane/api';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Agent } from '../agent/agent';
import { jsonFlow } from '../cli/flowFormat';
import { createClient } from '../client/connect';
import { subscribeFlows } from '../client/subscribeFlows';
import { createLogger } from '../log';
import { ensureTokens, statePaths, type Tokens } from '../state/stateDir';
import { startServer } from './httpServer';

// The API over real HTTP (tRPC + SSE), with an agent that has no datapath: namespaces and
// policies need no kernel, and flows are fed to the pipeline directly.

let dir: string;
let agent: Agent;
let server: http.Server;
let url: string;
let tokens: Tokens;
const log = createLogger({}, 'error');

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'mbr-api-'));
  const paths = statePaths(dir);
  tokens = ensureTokens(paths);
  agent = new Agent({ paths, podCidr: '10.254.0.0/24', datapath: null, log });
  await agent.start();
  ({ server, url } = await startServer(agent, null, tokens, { host: '127.0.0.1', port: 0 }, log));
});

afterAll(async () => {
  server?.closeAllConnections();
  await new Promise((r) => server?.close(r));
  await agent?.stop();
  rmSync(dir, { recursive: true, force: true });
});

const NS = 'apiVersion: v1\nkind: Namespace\nmetadata:\n  name: shop\n  labels: {team: a}\n';
const NP =
  'apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata: {name: deny, namespace: shop}\nspec:\n  podSelector: {}\n';

describe('agent API over HTTP', () => {
  it('tokens are 0600 and differ', () => {
    expect(statSync(statePaths(dir).adminToken).mode & 0o777).toBe(0o600);
    expect(statSync(statePaths(dir).readToken).mode & 0o777).toBe(0o600);
    expect(tokens.admin).not.toBe(tokens.readOnly);
  });

  it('apply stores and bumps the revision; re-apply is unchanged; a bad document changes nothing', async () => {
    const admin = createClient(url, tokens.admin);
    const first = await admin.objects.upsert.mutate({
      sources: [{ file: 'a.yaml', text: `${NS}---\n${NP}` }],
    });
    expect(first).toMatchObject({ ok: true, objects: [{ action: 'created' }, { action: 'created' }] });
    const again = await admin.objects.upsert.mutate({ sources: [{ file: 'a.yaml', text: NS }] });
    expect(again).toMatchObject({ ok: true, objects: [{ action: 'unchanged' }] });
    const rev = (await admin.status.query()).policyRevision;
    const bad = await admin.objects.upsert.mutate({
      sources: [
        { file: 'b.yaml', text: `${NS.replace('team: a', 'team: b')}---\nkind: Pod\nmetadata: {name: x}\n` },
      ],
    });
    expect(bad.ok).toBe(false);
    if (!bad.ok)
      expect(bad.errors[0]).toMatchObject({
        file: 'b.yaml',
        line: expect.any(Number),
        column: expect.any(Number),
      });
    expect((await admin.status.query()).policyRevision).toBe(rev);
    const ns = await admin.objects.get.query({ kind: 'Namespace', name: 'shop' });
    expect(ns?.metadata.labels).toEqual({ team: 'a', 'kubernetes.io/metadata.name': 'shop' });
    expect((await admin.policies.list.query({})).map((p) => p.name)).toEqual(['deny']);
  });

  it('a read-only client reads but cannot change anything', async () => {
    const ro = createClient(url, tokens.readOnly);
    expect((await ro.status.query()).ready).toBe(true);
    await expect(
      ro.objects.delete.mutate({ refs: [{ kind: 'Namespace', name: 'shop' }] }),
    ).rejects.toMatchObject({
      data: { httpStatus: 403 },
    });
    const bad = createClient(url, 'wrong');
    await expect(bad.status.query()).rejects.toMatchObject({ data: { httpStatus: 401 } });
    expect(await ro.objects.get.query({ kind: 'Namespace', name: 'shop' })).not.toBeNull();
  });

  it('the SSE subscription delivers flows fed to the pipeline, filtered, within a second', async () => {
    const ro = createClient(url, tokens.readOnly);
    const got: Flow[] = [];
    const sub = ro.flows.subscribe.subscribe(
      { filter: { verdict: ['DROPPED'] } },
      { onData: ({ data }) => got.push(...data.flows) },
    );
    try {
      await new Promise((r) => setTimeout(r, 300));
      const sent = Date.now();
      const raw = {
        timeMs: Date.now(),
        srcIp: '203.0.113.9',
        dstIp: '10.254.0.9',
        srcPort: 5000,
        dstPort: 80,
        protocol: 6,
        srcIdentity: 2,
        dstIdentity: 300,
        endpointId: 1,
        direction: 'ingress' as const,
        isReply: false,
      };
      agent.pipeline.ingest([
        { ...raw, verdict: 'FORWARDED' },
        { ...raw, verdict: 'DROPPED', dropReason: 1, dropReasonDesc: 'POLICY_DENIED' },
      ]);
      while (got.length === 0 && Date.now() - sent < 1000) await new Promise((r) => setTimeout(r, 10));
      expect(got).toHaveLength(1);
      expect(got[0]).toMatchObject({
        verdict: 'DROPPED',
        source: { identity: 2, labels: ['reserved:world'] },
      });
    } finally {
      sub.unsubscribe();
    }
  });

  it('the compact stream (what observe --follow reads) gives the flows of the JSON stream: same observe -o json bytes, same ids after a resume', async () => {
    const ro = createClient(url, tokens.readOnly);
    const json: Flow[] = [];
    const compact: Flow[] = [];
    const input = { filter: {}, maxBatch: 7 };
    const a = ro.flows.subscribe.subscribe(input, { onData: ({ data }) => json.push(...data.flows) });
    const b = subscribeFlows(ro, input, { onFlows: (flows) => compact.push(...flows) });
    let resumed: { unsubscribe(): void } | undefined;
    try {
      await new Promise((r) => setTimeout(r, 300));
      const base = {
        timeMs: Date.now(),
        srcIp: '203.0.113.9',
        dstIp: '10.254.0.9',
        srcIdentity: 2,
        dstIdentity: 300,
        endpointId: 1,
        direction: 'ingress' as const,
        isReply: false,
      };
      const raws = Array.from({ length: 40 }, (_, i) => ({
        ...base,
        timeNanos: i * 1000 + 7,
        srcPort: 5000 + i,
        dstPort: 80,
        protocol: [6, 17, 1, 132, 47][i % 5]!,
        tcpFlags: i % 64,
        bytes: 60 + i,
        verdict: i % 3 ? ('FORWARDED' as const) : ('DROPPED' as const),
        ...(i % 3 ? {} : { dropReason: 1, dropReasonDesc: 'POLICY_DENIED' }),
      }));
      agent.pipeline.ingest(raws);
      const until = Date.now() + 2000;
      while ((json.length < 40 || compact.length < 40) && Date.now() < until)
        await new Promise((r) => setTimeout(r, 10));
      expect(json).toHaveLength(40);
      expect(compact.map(jsonFlow)).toEqual(json.map(jsonFlow));
      // resume from an id in the middle: the replay is the same flows from there on
      const after = json[24]!.id;
      const replay: Flow[] = [];
      resumed = subscribeFlows(ro, { afterId: after }, { onFlows: (flows) => replay.push(...flows) });
      while (replay.length < 15 && Date.now() < until + 2000) await new Promise((r) => setTimeout(r, 10));
      expect(replay.map(jsonFlow)).toEqual(json.slice(25).map(jsonFlow));
    } finally {
      a.unsubscribe();
      b.unsubscribe();
      resumed?.unsubscribe();
    }
  });

  it('/metrics speaks Prometheus; listening beyond loopback without TLS is refused', async () => {
    const text = await (await fetch(`${url}/metrics`)).text();
    expect(text).toMatch(/^membrane_policy_revision \d+$/m);
    expect(text).toMatch(/membrane_flows_total\{verdict="DROPPED",type="L3_L4"\} 1/);
    await expect(startServer(agent, null, tokens, { host: '0.0.0.0', port: 0 }, log)).rejects.toThrow(
      /requires --tls-cert/,
    );
  });
});
