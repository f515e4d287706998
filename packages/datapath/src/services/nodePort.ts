// Packet-level NodePort: bpf/build/nodeport.o's from_netdev on the tc ingress of an interface that
// faces the outside of the pods, pinned under <linksDir>/nodeport-<ifname> (tcx) so it survives the
// agent. Idempotent: attaching again swaps in the current program.
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { detachPinned, ensureLink, type LinkOutcome } from '../endpointLinks';
import { type BpfObject, detachClsact, ifIndex, tcxSupported } from '../native';

export const NODEPORT_PROGRAM = 'from_netdev';

export function nodePortPinPath(linksDir: string, ifname: string): string {
  return join(linksDir, `nodeport-${ifname}`);
}

export function attachNodePort(obj: BpfObject, linksDir: string, ifname: string): LinkOutcome {
  return ensureLink(
    obj.program(NODEPORT_PROGRAM),
    ifIndex(ifname),
    'ingress',
    nodePortPinPath(linksDir, ifname),
  );
}

export function detachNodePort(linksDir: string, ifname: string): boolean {
  if (detachPinned(nodePortPinPath(linksDir, ifname))) return true;
  if (!tcxSupported()) return detachClsact(ifIndex(ifname), 'ingress');
  return false;
}

/** Interfaces with a pinned NodePort link. */
export function nodePortInterfaces(linksDir: string): string[] {
  if (!existsSync(linksDir)) return [];
  return readdirSync(linksDir)
    .filter((f) => f.startsWith('nodeport-'))
    .map((f) => f.slice('nodeport-'.length));
}
