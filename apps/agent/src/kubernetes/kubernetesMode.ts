import { join } from 'node:path';
import type { KubeObject } from '@membrane/api';
import { type AddressAllocator, type CniEndpoint, NetnsCniBackend } from '../cni/netnsBackend';
import { type CniServer, startCniServer } from '../cni/server';
import type { Ipam } from '../endpoints/ipam';
import type { Logger } from '../log';
import { type ClusterSink, ClusterSync } from './clusterSync';
import { loadKubeConfig } from './kubeConfig';
import { KubernetesSource } from './kubernetesSource';

// Everything `membrane agent --kubernetes` adds to the agent, in one call: the API server
// connection, the informers, the hand-over to the agent, and the CNI socket. What is the agent's
// own (storing objects, identities, attaching programs) comes in as the sink and the hooks.

export interface KubernetesModeOptions {
  nodeName: string;
  stateDir: string;
  sink: ClusterSink;
  addresses: AddressAllocator;
  /** the agent's IPAM: allocations no CNI container owns are released at start (see below) */
  ipam?: Ipam;
  /** identity + programs for a new pod; runs before CNI ADD answers */
  onEndpoint: (ep: CniEndpoint, source: KubernetesSource) => Promise<void>;
  onRemove: (ep: CniEndpoint) => Promise<void>;
  /** this node's Node object (spec.podCIDR) */
  onNode?: (node: KubeObject) => void;
  env?: NodeJS.ProcessEnv;
  log?: Logger;
}

export interface KubernetesMode {
  source: KubernetesSource;
  sync: ClusterSync;
  backend: NetnsCniBackend;
  cni: CniServer;
  inCluster: boolean;
  stop(): Promise<void>;
}

/** Starts listening for CNI calls at once; resolves once the cluster's objects are handed over. */
export async function startKubernetesMode(opts: KubernetesModeOptions): Promise<KubernetesMode> {
  const { kubeConfig, inCluster } = loadKubeConfig({ env: opts.env ?? process.env });
  const source = new KubernetesSource({
    kubeConfig,
    nodeName: opts.nodeName,
    ...(opts.log ? { log: opts.log.child({ component: 'kubernetes' }) } : {}),
  });
  const sync = new ClusterSync({
    source,
    sink: opts.sink,
    nodeName: opts.nodeName,
    ...(opts.onNode ? { onNode: opts.onNode } : {}),
    ...(opts.log ? { log: opts.log } : {}),
  });
  const backend = new NetnsCniBackend({
    stateFile: join(opts.stateDir, 'cni-containers.json'),
    addresses: opts.addresses,
    onEndpoint: (ep) => opts.onEndpoint(ep, source),
    onRemove: opts.onRemove,
  });
  // Addresses are the CNI containers' own: an allocation none of them holds was left by an ADD
  // that died half-way (nothing runs with it), so it goes; stored Pods do not keep addresses.
  const owned = new Set(backend.endpoints().map((ep) => ep.ipamKey ?? ep.key));
  const orphans = opts.ipam?.releaseUnless((key) => owned.has(key)) ?? [];
  if (orphans.length > 0) opts.log?.info('released addresses no container holds', { keys: orphans });
  // The socket first: the kubelet may already be retrying ADDs (they wait on the pod's labels).
  const cni = await startCniServer({
    socketPath: join(opts.stateDir, 'cni.sock'),
    backend,
    ...(opts.log ? { log: opts.log.child({ component: 'cni' }) } : {}),
  });
  const stop = async () => {
    sync.stop();
    await cni.close();
    await source.stop();
  };
  try {
    await source.start();
    await sync.idle();
  } catch (e) {
    await stop();
    throw e;
  }
  return { source, sync, backend, cni, inCluster, stop };
}
