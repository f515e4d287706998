'use client';

import { useState } from 'react';
import {
  addHttp,
  addPeer,
  addPort,
  addPortToGroup,
  parseList,
  remove,
  setField,
  setList,
  setPortNumber,
} from '../../domain/builderEdits';
import { explainRule } from '../../domain/builderExplain';
import {
  type HttpView,
  isCilium,
  type PeerGroup,
  type PortGroupView,
  type RuleView,
} from '../../domain/builderModel';
import { FieldProblems, TextField, useBuilder, useHasProblems } from './BuilderContext';
import { PeerForm } from './PeerForm';

const GROUPS: { id: PeerGroup; title: string }[] = [
  { id: 'namespace', title: 'In namespace' },
  { id: 'cluster', title: 'In cluster' },
  { id: 'outside', title: 'Outside cluster' },
];
const METHODS = ['GET', 'POST', 'PUT', 'PATCH', 'DELETE', 'HEAD', 'OPTIONS'];

function Peers({ rule }: { rule: RuleView }) {
  const { view, commit } = useBuilder();
  const cilium = isCilium(view.kind);
  const noPeers = rule.peers.length === 0;
  return (
    <div className="peer-groups">
      {/* A Cilium rule with neither peers nor ports matches nothing: its explanation says so. */}
      {noPeers && !(cilium && rule.portGroups.length === 0) && (
        <p className="muted small" data-testid="any-peer">
          Any {rule.direction.startsWith('ingress') ? 'source' : 'destination'}.
        </p>
      )}
      {GROUPS.map((g) => {
        const peers = rule.peers.filter((p) => p.group === g.id);
        if (peers.length === 0) return null;
        return (
          <div key={g.id} className={`peer-group ${g.id}`}>
            <span className="muted small">{g.title}</span>
            <ul>
              {peers.map((p) => (
                <li key={p.path.join('.')} data-testid="peer" data-group={g.id}>
                  <span className="chip">{p.text}</span>
                  <button
                    type="button"
                    className="icon-button"
                    aria-label={`Remove peer ${p.text}`}
                    onClick={() => commit(remove(p.path, rule.path.length))}
                  >
                    ✕
                  </button>
                  <FieldProblems path={p.path} />
                </li>
              ))}
            </ul>
          </div>
        );
      })}
      <details className="add">
        <summary>+ peer</summary>
        <PeerForm kind={view.kind} action="Add peer" onAdd={(p) => p && commit(addPeer(view, rule, p))} />
      </details>
    </div>
  );
}

function PortGroup({ rule, group }: { rule: RuleView; group: PortGroupView }) {
  const { view, commit } = useBuilder();
  const protocols = isCilium(view.kind) ? ['ANY', 'TCP', 'UDP', 'SCTP'] : ['TCP', 'UDP', 'SCTP'];
  // The last port of a group takes the group (and an emptied toPorts) with it, never the rule.
  const removeDepth = rule.path.length;
  return (
    <div className="port-group" data-testid="port-group">
      {group.ports.map((p) => (
        <PortRow key={p.path.join('.')} port={p} protocols={protocols} removeDepth={removeDepth} />
      ))}
      {isCilium(view.kind) && (
        <details className="add">
          <summary>+ port in this group</summary>
          <PortForm onAdd={(np) => commit(addPortToGroup(view, group, np))} protocols={protocols} />
        </details>
      )}
      {group.httpPath && (
        <div className="http-rules">
          {group.http.length > 0 && <span className="muted small">HTTP (L7): only these requests</span>}
          {group.http.map((h, i) => (
            <HttpRow key={h.path.join('.')} http={h} index={i} keepDepth={group.httpPath!.length - 2} />
          ))}
          <button
            type="button"
            className="small-button"
            onClick={() => commit(addHttp(group, { method: 'GET', path: '/', headers: [] }))}
          >
            + HTTP rule
          </button>
          <FieldProblems path={group.httpPath} />
        </div>
      )}
    </div>
  );
}

function HttpRow({ http: h, index, keepDepth }: { http: HttpView; index: number; keepDepth: number }) {
  const { commit } = useBuilder();
  const invalid = useHasProblems(h.path);
  return (
    <div className="http-row" data-testid="http-rule">
      <TextField
        label="method"
        value={h.method}
        width={90}
        list="http-methods"
        invalid={invalid}
        onChange={(v) => commit(setField([...h.path, 'method'], v))}
      />
      <TextField
        label="path (regex)"
        value={h.urlPath}
        invalid={invalid}
        onChange={(v) => commit(setField([...h.path, 'path'], v))}
      />
      <TextField
        label="headers (Name: value, …)"
        value={h.headers.join(', ')}
        invalid={invalid}
        onChange={(v) => commit(setList([...h.path, 'headers'], parseList(v)))}
      />
      <button
        type="button"
        className="icon-button"
        aria-label={`Remove HTTP rule ${index + 1}`}
        onClick={() => commit(remove(h.path, keepDepth))}
      >
        ✕
      </button>
      {h.yamlOnly.length > 0 && <span className="muted small">+ {h.yamlOnly.join(', ')} (YAML)</span>}
      <FieldProblems path={h.path} />
    </div>
  );
}

function PortRow({
  port,
  protocols,
  removeDepth,
}: {
  port: PortGroupView['ports'][number];
  protocols: string[];
  removeDepth: number;
}) {
  const { view, commit } = useBuilder();
  const invalid = useHasProblems(port.path);
  return (
    <div className="port-row" data-testid="port">
      <TextField
        label="port"
        value={port.port}
        width={64}
        invalid={invalid}
        onChange={(v) => commit(setPortNumber(view, port.path, v))}
      />
      <TextField
        label="to port"
        value={port.endPort === undefined ? '' : String(port.endPort)}
        width={56}
        invalid={invalid}
        onChange={(v) => commit(setField([...port.path, 'endPort'], /^\d+$/.test(v) ? Number(v) : v))}
      />
      <span className="field">
        <span className="muted small">protocol</span>
        <select
          aria-label="protocol"
          value={port.protocol}
          onChange={(e) => commit(setField([...port.path, 'protocol'], e.target.value))}
        >
          {protocols.map((p) => (
            <option key={p}>{p}</option>
          ))}
        </select>
      </span>
      <button
        type="button"
        className="icon-button"
        aria-label={`Remove port ${port.port}`}
        onClick={() => commit(remove(port.path, removeDepth))}
      >
        ✕
      </button>
      <FieldProblems path={port.path} />
    </div>
  );
}

function PortForm({
  onAdd,
  protocols,
}: {
  onAdd: (p: { port: string; protocol: string; endPort?: number }) => void;
  protocols: string[];
}) {
  const [port, setPort] = useState('');
  const [endPort, setEndPort] = useState('');
  const [protocol, setProtocol] = useState('TCP');
  return (
    <form
      className="port-form"
      onSubmit={(e) => {
        e.preventDefault();
        if (port.trim() === '') return;
        onAdd({
          port: port.trim(),
          protocol,
          ...(/^\d+$/.test(endPort) ? { endPort: Number(endPort) } : {}),
        });
        setPort('');
        setEndPort('');
      }}
    >
      <input
        aria-label="Port"
        placeholder="port or name"
        value={port}
        onChange={(e) => setPort(e.target.value)}
        size={8}
      />
      <input
        aria-label="End port"
        placeholder="to (range)"
        value={endPort}
        onChange={(e) => setEndPort(e.target.value)}
        size={6}
      />
      <select aria-label="Protocol" value={protocol} onChange={(e) => setProtocol(e.target.value)}>
        {protocols.map((p) => (
          <option key={p}>{p}</option>
        ))}
      </select>
      <button type="submit">Add port</button>
    </form>
  );
}

export function RuleCard({ rule }: { rule: RuleView }) {
  const { view, commit } = useBuilder();
  const deny = rule.direction.endsWith('Deny');
  const protocols = isCilium(view.kind) ? ['ANY', 'TCP', 'UDP', 'SCTP'] : ['TCP', 'UDP', 'SCTP'];
  const explain = explainRule(view, rule);
  // `{}` in a Cilium policy: allows nothing, only isolates its direction.
  const marker = isCilium(view.kind) && rule.peers.length === 0 && rule.portGroups.length === 0;
  return (
    <article
      className={`rule-card${deny ? ' deny' : ''}`}
      data-testid="rule"
      data-direction={rule.direction}
      aria-label={`${rule.direction} rule ${rule.index + 1}`}
      title={explain}
    >
      <header>
        <strong>
          {marker ? '○ default-deny marker' : deny ? '⊘ deny' : '✓ allow'} #{rule.index + 1}
        </strong>
        <button
          type="button"
          className="icon-button"
          aria-label={`Remove ${rule.direction} rule ${rule.index + 1}`}
          onClick={() => commit(remove(rule.path, view.specPath.length))}
        >
          ✕
        </button>
      </header>
      <p className="muted small explain">{explain}</p>
      <FieldProblems path={rule.path} />
      <Peers rule={rule} />
      <div className="ports">
        <span className="muted small">Ports</span>
        {rule.portGroups.length === 0 && <span className="muted small"> any</span>}
        {rule.portGroups.map((g) => (
          <PortGroup key={g.portsPath.join('.')} rule={rule} group={g} />
        ))}
        <details className="add">
          <summary>+ port</summary>
          <PortForm onAdd={(p) => commit(addPort(view, rule, p))} protocols={protocols} />
        </details>
      </div>
      {rule.yamlOnly.length > 0 && (
        <p className="muted small">Also in YAML only: {rule.yamlOnly.join(', ')}</p>
      )}
      <datalist id="http-methods">
        {METHODS.map((m) => (
          <option key={m} value={m} />
        ))}
      </datalist>
    </article>
  );
}
