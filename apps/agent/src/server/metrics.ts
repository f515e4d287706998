import type { Agent } from '../agent/agent';
import type { DatapathPort } from '../datapath/port';

// Prometheus text exposition, written by hand: a handful of families is all the agent exports.

function esc(v: string): string {
  return v.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n');
}

class Exposition {
  private lines: string[] = [];
  family(
    name: string,
    type: 'counter' | 'gauge',
    help: string,
    samples: [Record<string, string>, number][],
  ): void {
    this.lines.push(`# HELP ${name} ${help}`, `# TYPE ${name} ${type}`);
    for (const [labels, value] of samples) {
      const l = Object.entries(labels)
        .map(([k, v]) => `${k}="${esc(v)}"`)
        .join(',');
      this.lines.push(`${name}${l ? `{${l}}` : ''} ${value}`);
    }
  }
  text(): string {
    return `${this.lines.join('\n')}\n`;
  }
}

export function renderMetrics(agent: Agent, datapath: DatapathPort | null, rejected: number): string {
  const x = new Exposition();
  const p = agent.pipeline;
  const stats = p.stats();
  x.family(
    'membrane_flows_total',
    'counter',
    'Flows reported by the datapath, by verdict and type.',
    Object.entries(p.byType).map(([k, v]) => {
      const [verdict, type] = k.split('|');
      return [{ verdict: verdict!, type: type! }, v];
    }),
  );
  x.family(
    'membrane_drops_total',
    'counter',
    'Dropped packets reported as flows, by reason.',
    Object.entries(p.dropsByReason).map(([reason, v]) => [{ reason }, v]),
  );
  x.family('membrane_flows_lost_total', 'counter', 'Flow events the datapath could not deliver.', [
    [{}, stats.lost],
  ]);
  x.family('membrane_flows_evicted_total', 'counter', 'Flows evicted from the bounded flow store.', [
    [{}, stats.evicted],
  ]);
  x.family('membrane_flow_store_size', 'gauge', 'Flows currently stored.', [[{}, stats.stored]]);
  const eps = agent.endpointsMgr.list();
  x.family('membrane_endpoints', 'gauge', 'Endpoints by state.', [
    [{ state: 'ready' }, eps.filter((e) => e.state === 'ready').length],
    [{ state: 'other' }, eps.filter((e) => e.state !== 'ready').length],
  ]);
  x.family('membrane_policy_revision', 'gauge', 'Policy revision enforced by the datapath.', [
    [{}, agent.reconciler.revision],
  ]);
  x.family('membrane_identities', 'gauge', 'Allocated security identities.', [
    [{}, agent.reconciler.identities.snapshot().identities.length],
  ]);
  x.family('membrane_api_rejected_total', 'counter', 'API requests rejected (bad token or role).', [
    [{}, rejected],
  ]);
  if (datapath) {
    const m = datapath.metrics();
    x.family(
      'membrane_datapath',
      'gauge',
      'Datapath figures: map fill (entries), counters.',
      Object.entries(m).map(([name, v]) => [{ name }, v]),
    );
  }
  return x.text();
}
