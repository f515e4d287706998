import { type Flow, type FlowEndpoint, flowPorts } from '@membrane/api';

// `observe -o compact`: one line per flow in hubble's compact layout.

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

function stamp(iso: string): string {
  const d = new Date(iso);
  const ms = iso.match(/\.(\d{3})/)?.[1] ?? '000';
  const p = (n: number) => String(n).padStart(2, '0');
  return `${MONTHS[d.getUTCMonth()]} ${p(d.getUTCDate())} ${p(d.getUTCHours())}:${p(d.getUTCMinutes())}:${p(d.getUTCSeconds())}.${ms}`;
}

function side(ep: FlowEndpoint, ip: string, port: number | undefined): string {
  const who = ep.pod_name ? `${ep.namespace}/${ep.pod_name}` : ip;
  const reserved = ep.pod_name ? '' : ep.labels.find((l) => l.startsWith('reserved:'));
  return `${who}${port ? `:${port}` : ''} (${reserved ? `${reserved.slice(9)}, ` : ''}ID:${ep.identity})`;
}

export function compactFlow(f: Flow): string {
  const ports = flowPorts(f);
  const dir =
    f.traffic_direction === 'INGRESS'
      ? 'to-endpoint'
      : f.traffic_direction === 'EGRESS'
        ? 'from-endpoint'
        : '';
  const verdict = f.verdict === 'DROPPED' ? `DROPPED ${f.drop_reason_desc ?? ''}`.trim() : f.verdict;
  return `${stamp(f.time)}: ${side(f.source, f.IP.source, ports?.source)} ${f.is_reply ? '<-' : '->'} ${side(
    f.destination,
    f.IP.destination,
    ports?.destination,
  )} ${dir} ${verdict} (${f.Summary})`;
}

/** `observe -o json`: hubble's envelope, so `jq .flow.verdict` scripts keep working. */
export function jsonFlow(f: Flow): string {
  return JSON.stringify({ flow: f, node_name: f.node_name, time: f.time });
}
