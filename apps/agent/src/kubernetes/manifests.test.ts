import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { CiliumClusterwideNetworkPolicy as CiliumCcnpModel } from '@kubernetes-models/cilium/cilium.io/v2/CiliumClusterwideNetworkPolicy';
import { CiliumNetworkPolicy as CiliumCnpModel } from '@kubernetes-models/cilium/cilium.io/v2/CiliumNetworkPolicy';
import { parseDocuments } from '@membrane/policy';
import { CustomResourceDefinition } from 'kubernetes-models/apiextensions.k8s.io/v1/CustomResourceDefinition';
import { DaemonSet } from 'kubernetes-models/apps/v1/DaemonSet';
import { Deployment } from 'kubernetes-models/apps/v1/Deployment';
import { NetworkPolicy } from 'kubernetes-models/networking.k8s.io/v1/NetworkPolicy';
import { ClusterRole } from 'kubernetes-models/rbac.authorization.k8s.io/v1/ClusterRole';
import { ClusterRoleBinding } from 'kubernetes-models/rbac.authorization.k8s.io/v1/ClusterRoleBinding';
import { ConfigMap } from 'kubernetes-models/v1/ConfigMap';
import { Namespace } from 'kubernetes-models/v1/Namespace';
import { Service } from 'kubernetes-models/v1/Service';
import { ServiceAccount } from 'kubernetes-models/v1/ServiceAccount';
import { describe, expect, it } from 'vitest';
import { buildKustomization, DEPLOY_DIR, type Manifest, readManifests } from './manifestLoader';
import { WATCHED_RESOURCES } from './resources';

// Every manifest in deploy/ is checked against Kubernetes' own OpenAPI schemas (kubernetes-models
// validators), then against invariants a schema cannot express.

type Validator = new (data: never) => { validate(): void };
const MODELS: Record<string, Validator> = {
  'v1/Namespace': Namespace as Validator,
  'v1/ServiceAccount': ServiceAccount as Validator,
  'v1/ConfigMap': ConfigMap as Validator,
  'v1/Service': Service as Validator,
  'apps/v1/DaemonSet': DaemonSet as Validator,
  'apps/v1/Deployment': Deployment as Validator,
  'rbac.authorization.k8s.io/v1/ClusterRole': ClusterRole as Validator,
  'rbac.authorization.k8s.io/v1/ClusterRoleBinding': ClusterRoleBinding as Validator,
  'apiextensions.k8s.io/v1/CustomResourceDefinition': CustomResourceDefinition as Validator,
  'networking.k8s.io/v1/NetworkPolicy': NetworkPolicy as Validator,
  'cilium.io/v2/CiliumNetworkPolicy': CiliumCnpModel as Validator,
  'cilium.io/v2/CiliumClusterwideNetworkPolicy': CiliumCcnpModel as Validator,
};

function validate(obj: Manifest): void {
  const Model = MODELS[`${obj.apiVersion}/${obj.kind}`];
  if (!Model) throw new Error(`no schema for ${obj.apiVersion}/${obj.kind} (${obj.__file})`);
  new Model(structuredClone(obj) as never).validate();
}

interface Container {
  name: string;
  image: string;
  args?: string[];
  env?: { name: string; valueFrom?: { configMapKeyRef?: { name: string; key: string } } }[];
  ports?: { name?: string; containerPort: number; hostPort?: number }[];
  volumeMounts?: { name: string; mountPath: string }[];
  readinessProbe?: unknown;
  livenessProbe?: unknown;
  resources?: { requests?: Record<string, string> };
  securityContext?: { privileged?: boolean };
}
interface PodSpec {
  containers: Container[];
  initContainers?: Container[];
  volumes?: {
    name: string;
    hostPath?: { path: string };
    configMap?: { name: string };
    secret?: { secretName: string };
  }[];
  hostNetwork?: boolean;
  tolerations?: { operator?: string; key?: string }[];
  serviceAccountName?: string;
}
interface Workload extends Manifest {
  spec: {
    selector: { matchLabels: Record<string, string> };
    template: { metadata: { labels: Record<string, string> }; spec: PodSpec };
  };
}

const all = buildKustomization(DEPLOY_DIR);
const find = <T extends Manifest>(kind: string, name: string) => {
  const obj = all.find((o) => o.kind === kind && o.metadata.name === name);
  if (!obj) throw new Error(`${kind}/${name} is not in the build`);
  return obj as T;
};
const workloads = all.filter((o) => o.kind === 'DaemonSet' || o.kind === 'Deployment') as Workload[];
const agent = find<Workload>('DaemonSet', 'membrane-agent');
const agentPod = agent.spec.template.spec;
const mountPaths = (c: Container) => new Map((c.volumeMounts ?? []).map((m) => [m.mountPath, m.name]));
const hostPathOf = (volume: string) => agentPod.volumes?.find((v) => v.name === volume)?.hostPath?.path;

describe('deploy/ against the Kubernetes schemas', () => {
  it('renders the kustomization into the expected objects', () => {
    const names = all.map((o) => `${o.kind}/${o.metadata.name}`).sort();
    expect(names).toEqual(
      [
        'ClusterRole/membrane-agent',
        'ClusterRoleBinding/membrane-agent',
        'ConfigMap/membrane-cni',
        'ConfigMap/membrane-config',
        'CustomResourceDefinition/ciliumclusterwidenetworkpolicies.cilium.io',
        'CustomResourceDefinition/ciliumnetworkpolicies.cilium.io',
        'DaemonSet/membrane-agent',
        'Deployment/membrane-web',
        'Namespace/membrane-system',
        'Service/membrane-agent',
        'Service/membrane-web',
        'ServiceAccount/membrane-agent',
        'ServiceAccount/membrane-web',
      ].sort(),
    );
  });

  it.each(all.map((o) => [`${o.kind}/${o.metadata.name}`, o] as const))('%s is valid', (_, obj) => {
    expect(() => validate(obj)).not.toThrow();
  });

  it('rejects a broken manifest (the validators are live)', () => {
    const broken = structuredClone(agent) as Workload;
    (broken.spec.template.spec.containers[0] as unknown as { image: number }).image = 5;
    expect(() => validate(broken)).toThrow(/image/);
    const badCrd = structuredClone(find('CustomResourceDefinition', 'ciliumnetworkpolicies.cilium.io'));
    delete (badCrd.spec as { names?: unknown }).names;
    expect(() => validate(badCrd)).toThrow(/names/);
  });

  it('example policies are valid for Kubernetes/Cilium and for the Membrane parser', () => {
    const dir = join(DEPLOY_DIR, 'examples');
    for (const file of readdirSync(dir)) {
      for (const obj of readManifests(join(dir, file))) validate(obj);
      const parsed = parseDocuments(
        readManifests(join(dir, file))
          .map((o) => JSON.stringify(o))
          .join('\n---\n'),
      );
      expect(parsed.errors).toEqual([]);
    }
  });
});

describe('deploy/ invariants', () => {
  it('every workload selector matches its pod template, and every Service selects a workload port', () => {
    for (const w of workloads) {
      for (const [k, v] of Object.entries(w.spec.selector.matchLabels)) {
        expect(w.spec.template.metadata.labels[k], `${w.metadata.name} ${k}`).toBe(v);
      }
    }
    for (const svc of all.filter((o) => o.kind === 'Service')) {
      const spec = svc.spec as { selector: Record<string, string>; ports: { targetPort: string | number }[] };
      const targets = workloads.filter((w) =>
        Object.entries(spec.selector).every(([k, v]) => w.spec.template.metadata.labels[k] === v),
      );
      expect(targets, svc.metadata.name).toHaveLength(1);
      const ports = targets[0]!.spec.template.spec.containers.flatMap((c) => c.ports ?? []);
      for (const p of spec.ports) {
        expect(
          ports.some((cp) => cp.name === p.targetPort || cp.containerPort === p.targetPort),
          `${svc.metadata.name}:${p.targetPort}`,
        ).toBe(true);
      }
    }
  });

  it('every mount names a volume, every config/secret reference exists, every namespaced object is in membrane-system', () => {
    const configMaps = new Map(
      all
        .filter((o) => o.kind === 'ConfigMap')
        .map((o) => [o.metadata.name, o.data as Record<string, string>]),
    );
    for (const w of workloads) {
      const pod = w.spec.template.spec;
      const volumes = new Set((pod.volumes ?? []).map((v) => v.name));
      for (const c of [...pod.containers, ...(pod.initContainers ?? [])]) {
        for (const m of c.volumeMounts ?? [])
          expect(volumes.has(m.name), `${c.name} mounts ${m.name}`).toBe(true);
        for (const e of c.env ?? []) {
          const ref = e.valueFrom?.configMapKeyRef;
          if (ref) expect(configMaps.get(ref.name)?.[ref.key], `${c.name} env ${e.name}`).toBeDefined();
        }
        expect(c.image, c.name).toMatch(/^localhost\/membrane-(agent|web):0\.1\.0$/);
      }
      for (const v of pod.volumes ?? [])
        if (v.configMap) expect(configMaps.has(v.configMap.name), v.name).toBe(true);
      const used = new Set(
        [...pod.containers, ...(pod.initContainers ?? [])].flatMap((c) =>
          (c.volumeMounts ?? []).map((m) => m.name),
        ),
      );
      for (const v of volumes) expect(used.has(v), `volume ${v} is mounted somewhere`).toBe(true);
      expect(all.some((o) => o.kind === 'ServiceAccount' && o.metadata.name === pod.serviceAccountName)).toBe(
        true,
      );
    }
    for (const o of all) {
      const clusterScoped = [
        'Namespace',
        'ClusterRole',
        'ClusterRoleBinding',
        'CustomResourceDefinition',
      ].includes(o.kind);
      expect(o.metadata.namespace, `${o.kind}/${o.metadata.name}`).toBe(
        clusterScoped ? undefined : 'membrane-system',
      );
    }
  });

  it('the agent runs on every node with host networking, privileges, probes, requests and host mounts', () => {
    expect(agentPod.hostNetwork).toBe(true);
    expect(agentPod.tolerations).toContainEqual({ operator: 'Exists' });
    const main = agentPod.containers.find((c) => c.name === 'agent')!;
    expect(main.securityContext?.privileged).toBe(true);
    expect(main.readinessProbe).toMatchObject({ httpGet: { path: '/healthz', port: 9750 } });
    expect(main.livenessProbe).toMatchObject({ httpGet: { path: '/healthz', port: 9750 } });
    expect(main.resources?.requests).toMatchObject({ cpu: expect.any(String), memory: expect.any(String) });
    expect(main.args).toContain('--kubernetes');
    expect(main.args).toContain('--listen=0.0.0.0:9750');
    // the kubelet's probes come from the node (identity host): it must reach pods under any ingress policy
    expect(main.args).toContain('--allow-localhost=always');
    const mounts = mountPaths(main);
    expect(hostPathOf(mounts.get('/sys/fs/bpf')!)).toBe('/sys/fs/bpf');
    expect(hostPathOf(mounts.get('/var/lib/membrane')!)).toBe('/var/lib/membrane');
    expect(hostPathOf(mounts.get('/run/netns')!)).toBe('/run/netns');
    // Every $(VAR) in the args is defined in the container's env.
    const env = new Set((main.env ?? []).map((e) => e.name));
    for (const arg of main.args ?? [])
      for (const [, v] of arg.matchAll(/\$\(([A-Z_]+)\)/g)) expect(env.has(v!), v).toBe(true);
  });

  it('the install-cni init container writes the plugin and the conflist into the host CNI directories', () => {
    const init = agentPod.initContainers?.find((c) => c.name === 'install-cni');
    expect(init).toBeDefined();
    const mounts = mountPaths(init!);
    expect(hostPathOf(mounts.get('/host/opt/cni/bin')!)).toBe('/opt/cni/bin');
    expect(hostPathOf(mounts.get('/host/etc/cni/net.d')!)).toBe('/etc/cni/net.d');
    const script = (init as unknown as { command: string[] }).command.join(' ');
    expect(script).toContain('/host/opt/cni/bin/membrane-cni');
    expect(script).toContain('/host/etc/cni/net.d/05-membrane.conflist');
    const conflist = JSON.parse(
      (find('ConfigMap', 'membrane-cni').data as Record<string, string>)['05-membrane.conflist']!,
    );
    expect(conflist).toMatchObject({
      cniVersion: '1.0.0',
      name: 'membrane',
      plugins: [{ type: 'membrane-cni' }],
    });
    // The plugin's socket lives in the state directory the agent mounts from the host.
    expect(conflist.plugins[0].agentSocket.startsWith('/var/lib/membrane/')).toBe(true);
  });

  it('RBAC grants exactly read access to what the agent watches, and nothing to the dashboard', () => {
    const role = find('ClusterRole', 'membrane-agent') as Manifest & {
      rules: { apiGroups: string[]; resources: string[]; verbs: string[] }[];
    };
    const granted = role.rules
      .flatMap((r) => r.apiGroups.flatMap((g) => r.resources.map((res) => `${g}/${res}`)))
      .sort();
    expect(granted).toEqual(WATCHED_RESOURCES.map((r) => `${r.group}/${r.plural}`).sort());
    for (const r of role.rules) expect(r.verbs.sort()).toEqual(['get', 'list', 'watch']);
    const binding = find('ClusterRoleBinding', 'membrane-agent') as Manifest & {
      subjects: { name: string; namespace: string }[];
      roleRef: { name: string };
    };
    expect(binding.roleRef.name).toBe('membrane-agent');
    expect(binding.subjects).toEqual([
      { kind: 'ServiceAccount', name: 'membrane-agent', namespace: 'membrane-system' },
    ]);
    expect(all.filter((o) => o.kind.endsWith('RoleBinding')).map((o) => o.metadata.name)).toEqual([
      'membrane-agent',
    ]);
  });

  it('the CRDs are consistent with the kinds the agent watches', () => {
    for (const crd of all.filter((o) => o.kind === 'CustomResourceDefinition')) {
      const spec = crd.spec as {
        group: string;
        scope: string;
        names: { plural: string; kind: string };
        versions: { name: string; storage: boolean; served: boolean }[];
      };
      expect(crd.metadata.name).toBe(`${spec.names.plural}.${spec.group}`);
      expect(spec.versions.filter((v) => v.storage)).toHaveLength(1);
      const watched = WATCHED_RESOURCES.find((r) => r.kind === spec.names.kind);
      expect(watched, spec.names.kind).toMatchObject({
        group: spec.group,
        plural: spec.names.plural,
        version: 'v2',
        namespaced: spec.scope === 'Namespaced',
      });
    }
  });
});
