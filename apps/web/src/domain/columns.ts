import type { Flow } from '@membrane/api';
import { endpointName, flowHttp, flowPorts, flowProtocol, httpPath } from './flowFields';

/** Columns of the flows table: what each shows as text, and how wide it starts. */
export interface Column {
  id: string;
  label: string;
  width: number;
  text: (f: Flow) => string;
}

const timeOfDay = (iso: string) => {
  const t = iso.indexOf('T');
  // "2026-01-01T12:34:56.123456789Z" → "12:34:56.123"
  return t < 0 ? iso : iso.slice(t + 1, t + 13);
};

export const COLUMNS: Column[] = [
  { id: 'time', label: 'Time', width: 110, text: (f) => timeOfDay(f.time) },
  { id: 'source', label: 'Source', width: 230, text: (f) => endpointName(f.source) },
  { id: 'destination', label: 'Destination', width: 230, text: (f) => endpointName(f.destination) },
  {
    id: 'port',
    label: 'Port',
    width: 90,
    text: (f) => {
      const p = flowPorts(f).destination;
      const proto = flowProtocol(f);
      return p === undefined ? (proto ?? '') : `${p}/${proto}`;
    },
  },
  { id: 'verdict', label: 'Verdict', width: 120, text: (f) => f.verdict },
  { id: 'reason', label: 'Drop reason', width: 150, text: (f) => f.drop_reason_desc ?? '' },
  {
    id: 'http',
    label: 'HTTP',
    width: 220,
    text: (f) => {
      const h = flowHttp(f);
      return h.method ? `${h.method} ${httpPath(h.url) ?? ''}${h.code ? ` → ${h.code}` : ''}` : '';
    },
  },
  { id: 'direction', label: 'Direction', width: 90, text: (f) => f.traffic_direction.toLowerCase() },
  { id: 'type', label: 'Type', width: 70, text: (f) => f.Type },
  { id: 'sourceIp', label: 'Source IP', width: 130, text: (f) => f.IP.source },
  { id: 'destinationIp', label: 'Destination IP', width: 130, text: (f) => f.IP.destination },
  {
    id: 'identities',
    label: 'Identities',
    width: 120,
    text: (f) => `${f.source.identity} → ${f.destination.identity}`,
  },
  { id: 'node', label: 'Node', width: 110, text: (f) => f.node_name },
  { id: 'summary', label: 'Summary', width: 280, text: (f) => f.Summary },
];

export const DEFAULT_COLUMNS = ['time', 'source', 'destination', 'port', 'verdict', 'reason', 'http'];

/** Known ids in the order given, falling back to the defaults when nothing valid remains. */
export function resolveColumns(ids: readonly string[]): Column[] {
  const byId = new Map(COLUMNS.map((c) => [c.id, c]));
  const picked = [...new Set(ids)].flatMap((id) => byId.get(id) ?? []);
  return picked.length > 0 ? picked : DEFAULT_COLUMNS.map((id) => byId.get(id)!);
}
