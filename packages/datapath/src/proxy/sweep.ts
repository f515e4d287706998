// What datapaths of other pin roots left behind when their process died without destroy() (a
// SIGKILLed test, a harness that only removed the pin directory): the derived proxy device and
// routing rule of a pin root that no longer exists. Derived names only (mbpx<hash>, tables
// 29000..31999), so the agent's own mbproxy0/2770 and anything else on the host are never touched.
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { DERIVED_DEVICE, DERIVED_TABLES, derivedProxyNames } from './proxyAttachment';
import { deleteProxyDevice } from './proxyDevice';
import { listProxyRules, removeProxyRouting } from './routing';

export interface SweptProxies {
  devices: string[];
  tables: number[];
}

function list(dir: string): string[] {
  try {
    return readdirSync(dir);
  } catch {
    return [];
  }
}

/** Pin roots are looked for two levels deep under bpffs (e.g. /sys/fs/bpf/x and /sys/fs/bpf/x/y). */
export function sweepStaleProxyAttachments(bpffs = '/sys/fs/bpf'): SweptProxies {
  const roots = list(bpffs).flatMap((a) => [
    join(bpffs, a),
    ...list(join(bpffs, a)).map((b) => join(bpffs, a, b)),
  ]);
  const live = roots.map((root) => derivedProxyNames(root));
  const liveDevices = new Set(live.map((l) => l.device));
  const liveTables = new Set(live.map((l) => l.table));
  const out: SweptProxies = { devices: [], tables: [] };
  for (const dev of list('/sys/class/net')) {
    if (!DERIVED_DEVICE.test(dev) || liveDevices.has(dev)) continue;
    try {
      if (deleteProxyDevice(dev)) out.devices.push(dev);
    } catch {
      // gone meanwhile, or not ours after all (not an ifb): leave it
    }
  }
  for (const r of listProxyRules()) {
    if (r.table < DERIVED_TABLES.first || r.table > DERIVED_TABLES.last || liveTables.has(r.table)) continue;
    removeProxyRouting({ table: r.table, priority: r.priority });
    out.tables.push(r.table);
  }
  return out;
}
