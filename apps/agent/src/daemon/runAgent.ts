import { chmodSync, mkdirSync, readFileSync, rmSync } from 'node:fs';
import type { AllowLocalhost, EnforcementMode } from '@membrane/policy';
import { Agent } from '../agent/agent';
import type { DatapathPort } from '../datapath/port';
import { NodeAddresses } from '../endpoints/nodeCidr';
import { createLogger } from '../log';
import { startServer } from '../server/httpServer';
import type { ServiceFlags } from '../services/serviceFlags';
import { writeFileDurable } from '../state/durableFile';
import { JsonState } from '../state/jsonState';
import { type AgentInfo, ensureTokens, statePaths } from '../state/stateDir';

// `membrane agent`: state directory → tokens → datapath (re-adopting pins) → agent (re-adopting
// endpoints and workloads, reconciling) → API. SIGTERM/SIGINT stop the agent but leave pods,
// programs and maps in place: enforcement does not depend on the agent being up.

export interface AgentFlags {
  stateDir: string;
  listen: string; // host:port
  podCidr?: string;
  pinRoot: string;
  node?: string;
  flowCapacity: number;
  /** datapath flow events per second per CPU (0: unlimited); unset: the datapath's default */
  flowEventRate?: number;
  tlsCert?: string;
  tlsKey?: string;
  datapath: boolean;
  enforcementMode?: EnforcementMode;
  /** --allow-localhost; unset: the last one given (config.json), else 'always' */
  allowLocalhost?: AllowLocalhost;
  /** read tokens from DIR/admin and DIR/read-only when present (a mounted Secret) */
  tokenDir?: string;
  /** objects from the Kubernetes API server, pods plumbed through the CNI socket */
  kubernetes?: boolean;
  /** --service-cidr, --node-address, --nodeport-device, --socket-lb-cgroup */
  services?: ServiceFlags;
}

export const DEFAULT_POD_CIDR = '10.244.0.0/16';
export const DEFAULT_LISTEN = '127.0.0.1:9750';
export const DEFAULT_PIN_ROOT = '/sys/fs/bpf/membrane';

function pidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

export async function runAgent(flags: AgentFlags): Promise<{ stop: () => Promise<void>; url: string }> {
  const log = createLogger({ component: 'agent' });
  const paths = statePaths(flags.stateDir);
  mkdirSync(paths.root, { recursive: true, mode: 0o700 });
  chmodSync(paths.root, 0o700);
  try {
    const other = Number(readFileSync(paths.lock, 'utf8'));
    if (other && other !== process.pid && pidAlive(other)) {
      throw new Error(`another agent (pid ${other}) already uses ${paths.root}`);
    }
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw e;
  }
  writeFileDurable(paths.lock, `${process.pid}\n`);

  // The pod CIDR and pin root are fixed at first start: changing them under live pods would strand them.
  // podCidrFromNode: Kubernetes mode learnt the range from this node's Node.spec.podCIDR.
  // allowLocalhost is kept once given: an agent restarted by hand without the flag must not
  // quietly open every pod to the node again after an operator chose 'policy'.
  const config = new JsonState<{
    podCidr: string;
    pinRoot: string;
    podCidrFromNode?: boolean;
    allowLocalhost?: AllowLocalhost;
  }>(paths.config, {
    podCidr: flags.podCidr ?? DEFAULT_POD_CIDR,
    pinRoot: flags.pinRoot,
  });
  if (flags.podCidr && flags.podCidr !== config.value.podCidr) {
    log.warn('pod CIDR is fixed at first start; ignoring --pod-cidr', { podCidr: config.value.podCidr });
  }
  config.save(flags.allowLocalhost ? { ...config.value, allowLocalhost: flags.allowLocalhost } : undefined);
  const tokens = ensureTokens(paths, flags.tokenDir);

  let datapath: DatapathPort | null = null;
  if (flags.datapath) {
    const { openDatapath } = await import('../datapath/adapter');
    datapath = await openDatapath({
      pinRoot: config.value.pinRoot,
      log: log.child({ component: 'datapath' }),
      ...(flags.flowEventRate !== undefined ? { flowEventRate: flags.flowEventRate } : {}),
    });
  } else {
    log.warn('running without a datapath: pods are created but policy is not enforced');
  }

  const agent = new Agent({
    paths,
    podCidr: config.value.podCidr,
    node: flags.node,
    flowCapacity: flags.flowCapacity,
    datapath,
    log,
    ...(flags.enforcementMode ? { enforcementMode: flags.enforcementMode } : {}),
    allowLocalhost: config.value.allowLocalhost ?? 'always',
    kubernetes: !!flags.kubernetes,
    ...(flags.services ? { services: flags.services } : {}),
  });
  await agent.start();
  const kube = flags.kubernetes
    ? await startKubernetes(agent, paths.root, log, {
        known: config.value.podCidrFromNode === true,
        persist: (podCidr) => config.save({ ...config.value, podCidr, podCidrFromNode: true }),
      })
    : null;

  if (kube) agent.servicesMgr.watchEndpointSlices(kube.source);

  const colon = flags.listen.lastIndexOf(':');
  const host = flags.listen.slice(0, colon).replace(/^\[|\]$/g, '') || '127.0.0.1';
  const port = Number(flags.listen.slice(colon + 1));
  const tls = flags.tlsCert && flags.tlsKey ? { cert: flags.tlsCert, key: flags.tlsKey } : undefined;
  const { server, url } = await startServer(agent, datapath, tokens, { host, port, tls }, log);
  agent.apiAddress = url;
  const info: AgentInfo = { url, pid: process.pid, startedAt: new Date().toISOString(), node: agent.node };
  writeFileDurable(paths.agentInfo, `${JSON.stringify(info)}\n`);
  log.info('api listening', { url, stateDir: paths.root });

  let stopping: Promise<void> | null = null;
  const stop = () => {
    stopping ??= (async () => {
      log.info('agent stopping; pods and enforcement stay in place');
      await kube?.stop();
      server.closeAllConnections();
      await new Promise<void>((r) => server.close(() => r()));
      await agent.stop();
      rmSync(paths.agentInfo, { force: true });
      rmSync(paths.lock, { force: true });
    })();
    return stopping;
  };
  return { stop, url };
}

async function startKubernetes(
  agent: Agent,
  stateDir: string,
  log: ReturnType<typeof createLogger>,
  podCidr: { known: boolean; persist: (cidr: string) => void },
) {
  const { startKubernetesMode } = await import('../kubernetes/kubernetesMode');
  const addresses = new NodeAddresses(agent.endpointsMgr.ipam, { known: podCidr.known });
  return startKubernetesMode({
    nodeName: agent.node,
    stateDir,
    log,
    addresses,
    ipam: agent.endpointsMgr.ipam,
    onNode: (node) => {
      const changed = addresses.onNode(node);
      if (changed) {
        podCidr.persist(changed);
        log.info('pod CIDR from Node.spec.podCIDR', { podCidr: changed });
      }
    },
    sink: {
      applyObjects: async (objs) => {
        const r = await agent.applyObjects(objs);
        if (!r.ok) throw new Error(r.errors.map((e) => e.message).join('; '));
      },
      deleteObjects: async (refs) => {
        await agent.deleteObjects(refs);
      },
    },
    onEndpoint: async (ep, source) => {
      const pod = ep.pod ? await source.waitFor('Pod', ep.pod.namespace, ep.pod.name, 5000) : undefined;
      await agent.cniEndpointAdded(ep, pod);
    },
    onRemove: (ep) =>
      agent.cniEndpointRemoved(ep.key, { endpointId: ep.endpointId, hostIfname: ep.hostIfname }),
  });
}
