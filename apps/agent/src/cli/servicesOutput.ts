import type { ServiceFrontendStatus } from '@membrane/api';
import { table } from './output';

// `membrane get services` as a table: one row per frontend the datapath holds, with the backends
// its maps hold (weight, or "terminating" for backends that only keep their connections).

function backendText(b: ServiceFrontendStatus['backends'][number]): string {
  const who = b.pod ? `(${b.pod.split('/')[1]})` : '';
  const how = b.state === 'terminating' ? 'terminating' : `w=${b.weight}`;
  return `${b.address}:${b.port}${who} ${how}`;
}

export function serviceRows(items: readonly ServiceFrontendStatus[], allNs: boolean): string {
  const head = [
    ...(allNs ? ['NAMESPACE'] : []),
    'NAME',
    'TYPE',
    'FRONTEND',
    'LB',
    'AFFINITY',
    'ID',
    'REV',
    'BACKENDS',
  ];
  return table(
    head,
    items.map((s) => [
      ...(allNs ? [s.namespace ?? '<none>'] : []),
      s.name ? `${s.name}${s.portName ? `:${s.portName}` : ''}` : '<orphan>',
      s.kind,
      `${s.address}:${s.port}/${s.protocol}`,
      s.algorithm,
      s.affinityTimeoutSec ? `ClientIP ${s.affinityTimeoutSec}s` : 'None',
      s.id,
      s.revision,
      s.backends.length ? s.backends.map(backendText).join(', ') : '<none>',
    ]),
  );
}
