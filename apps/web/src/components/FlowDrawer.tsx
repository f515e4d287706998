'use client';

import type { Flow, FlowEndpoint } from '@membrane/api';
import { describeRule } from '@membrane/policy';
import Link from 'next/link';
import { useLiveJudge } from '../client/useCluster';
import { decidingPolicies, endpointName, flowHttp, flowPorts, flowProtocol } from '../domain/flowFields';
import { type FlowJudge, outcome, ruleHref } from '../domain/policyModel';
import { Drawer } from './Drawer';
import { VerdictBadge } from './VerdictBadge';

function Endpoint({ ep, ip, port }: { ep: FlowEndpoint; ip: string; port?: number }) {
  return (
    <dd>
      <strong>{endpointName(ep)}</strong>
      <div className="mono muted">
        {ip}
        {port !== undefined ? `:${port}` : ''} · identity {ep.identity}
      </div>
      <div className="labels">
        {ep.labels.map((l) => (
          <code key={l} className="chip">
            {l}
          </code>
        ))}
      </div>
    </dd>
  );
}

export function policyHref(ref: {
  kind: string;
  namespace?: string;
  name: string;
  ruleIndex?: number;
}): string {
  const q = new URLSearchParams({ edit: `${ref.kind}/${ref.namespace ?? ''}/${ref.name}` });
  if (ref.ruleIndex !== undefined) q.set('rule', String(ref.ruleIndex));
  return `/policies?${q}`;
}

/** The rules the agent recorded on the flow when the datapath decided (Hubble's *_allowed_by / *_denied_by). */
function RecordedRules({ flow }: { flow: Flow }) {
  const refs = decidingPolicies(flow);
  if (refs.length === 0) return null;
  return (
    <div data-testid="why-recorded">
      <p className="muted small">Recorded by the agent when the flow happened:</p>
      <ul>
        {refs.map((r) => (
          <li key={`${r.direction}-${r.kind}-${r.namespace}-${r.name}-${r.ruleIndex}`}>
            {r.denied ? 'Denied' : 'Allowed'} on {r.direction} by {r.kind}{' '}
            <Link href={policyHref(r)}>
              {r.namespace ? `${r.namespace}/` : ''}
              {r.name}
            </Link>
            {r.ruleIndex !== undefined && <> rule #{r.ruleIndex}</>}
            {r.revision !== undefined && <span className="muted"> (revision {r.revision})</span>}
          </li>
        ))}
      </ul>
    </div>
  );
}

/** Why a flow got its verdict: what the agent recorded, next to packages/policy's evaluation now. */
function Why({ flow, judge }: { flow: Flow; judge?: FlowJudge }) {
  const recorded = decidingPolicies(flow).length > 0;
  if (judge) {
    const d = judge.judge(flow);
    if (d) {
      const denied = outcome(d) === 'denied';
      return (
        <>
          <RecordedRules flow={flow} />
          <div data-testid="why">
            <p>
              With the policies now in force this flow is <strong>{denied ? 'denied' : 'allowed'}</strong>
              {d.verdict === 'redirected' ? ' (through the L7 proxy)' : ''}: {d.reason}.
            </p>
            {d.decidedBy.length > 0 && (
              <ul>
                {d.decidedBy.map((r) => (
                  <li key={describeRule(r)}>
                    <Link href={ruleHref(r)}>{describeRule(r)}</Link>
                  </li>
                ))}
              </ul>
            )}
            {denied !== (flow.verdict === 'DROPPED') && (
              <p className="muted small">
                The datapath decided otherwise when the flow happened ({flow.verdict}): the policies have
                changed since, or the connection was already established.
              </p>
            )}
          </div>
        </>
      );
    }
  }
  if (recorded) return <RecordedRules flow={flow} />;
  if (flow.verdict === 'DROPPED') {
    return (
      <p>
        Dropped{flow.drop_reason_desc ? ` (${flow.drop_reason_desc})` : ''}
        {flow.drop_reason_desc === 'POLICY_DENIED'
          ? `: the ${flow.traffic_direction === 'INGRESS' ? 'destination' : 'source'} is isolated by a policy and no rule allows this peer and port.`
          : '.'}
      </p>
    );
  }
  return (
    <p className="muted">
      No policy rule recorded: no policy selects these endpoints in this direction (default allow), or the
      connection was already established.
    </p>
  );
}

export function FlowDrawer({ flow, onClose }: { flow: Flow; onClose: () => void }) {
  const judge = useLiveJudge();
  const ports = flowPorts(flow);
  const http = flowHttp(flow);
  return (
    <Drawer
      title={
        <>
          {endpointName(flow.source)} → {endpointName(flow.destination)}
        </>
      }
      onClose={onClose}
    >
      <dl className="kv">
        <dt>Verdict</dt>
        <dd data-testid="drawer-verdict">
          <VerdictBadge verdict={flow.verdict} l7={flow.Type === 'L7'} />
          {flow.drop_reason_desc && <span className="muted"> · {flow.drop_reason_desc}</span>}
        </dd>
        <dt>Time</dt>
        <dd className="num">{flow.time}</dd>
        <dt>Source</dt>
        <Endpoint ep={flow.source} ip={flow.IP.source} port={ports.source} />
        <dt>Destination</dt>
        <Endpoint ep={flow.destination} ip={flow.IP.destination} port={ports.destination} />
        <dt>Protocol</dt>
        <dd>
          {flowProtocol(flow) ?? '—'} · {flow.Type} · {flow.traffic_direction.toLowerCase()}
          {flow.is_reply ? ' · reply' : ''}
        </dd>
        {http.method && (
          <>
            <dt>HTTP</dt>
            <dd className="mono">
              {http.method} {http.url} {http.code !== undefined ? `→ ${http.code}` : ''}
            </dd>
          </>
        )}
        <dt>Node</dt>
        <dd>{flow.node_name}</dd>
      </dl>
      <h3>Why</h3>
      <Why flow={flow} judge={judge} />
      <h3>Flow JSON</h3>
      <pre data-testid="flow-json">{JSON.stringify(flow, null, 2)}</pre>
    </Drawer>
  );
}
