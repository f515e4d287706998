import type { Flow } from '@membrane/api';
import { endpointName, flowHttp, flowPorts, flowProtocol } from './flowFields';

// Export of the filtered flows. JSON keeps Hubble's field names (one document, an array) so the
// output feeds the same jq scripts as `membrane observe -o json`; CSV flattens the useful columns.

export const CSV_COLUMNS = [
  'time',
  'verdict',
  'drop_reason',
  'source',
  'source_ip',
  'source_port',
  'destination',
  'destination_ip',
  'destination_port',
  'protocol',
  'type',
  'direction',
  'is_reply',
  'http_method',
  'http_url',
  'http_code',
  'node',
  'summary',
] as const;

function csvCell(value: string | number | boolean | undefined): string {
  if (value === undefined) return '';
  const s = String(value);
  // Quote when needed; a leading =,+,-,@ would be run as a formula by spreadsheets, so neutralise it.
  const safe = /^[=+\-@]/.test(s) && !/^-?\d/.test(s) ? `'${s}` : s;
  return /[",\r\n]/.test(safe) || safe !== s ? `"${safe.replace(/"/g, '""')}"` : safe;
}

export function flowToCsvRow(f: Flow): string {
  const ports = flowPorts(f);
  const http = flowHttp(f);
  const cells = [
    f.time,
    f.verdict,
    f.drop_reason_desc ?? f.drop_reason,
    endpointName(f.source),
    f.IP.source,
    ports.source,
    endpointName(f.destination),
    f.IP.destination,
    ports.destination,
    flowProtocol(f),
    f.Type,
    f.traffic_direction,
    f.is_reply,
    http.method,
    http.url,
    http.code,
    f.node_name,
    f.Summary,
  ];
  return cells.map(csvCell).join(',');
}

export function flowsToCsv(flows: readonly Flow[]): string {
  return `${[CSV_COLUMNS.join(','), ...flows.map(flowToCsvRow)].join('\r\n')}\r\n`;
}

export function flowsToJson(flows: readonly Flow[]): string {
  return `${JSON.stringify(flows, null, 2)}\n`;
}

/** One JSON object per line, like `hubble observe -o json`. */
export function flowsToJsonLines(flows: readonly Flow[]): string {
  return flows.map((f) => JSON.stringify(f)).join('\n') + (flows.length > 0 ? '\n' : '');
}
