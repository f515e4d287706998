import type { KubeObject } from '@membrane/api';
import { KIND_INFO } from '@membrane/policy';
import { apiVersionOf, type WatchedResource } from './resources';

// API-server objects → the shapes the standalone store holds. Real objects carry far more than
// Membrane models (volumes, tolerations, managedFields, status conditions…), and the policy
// package's schemas are strict, so each kind is first projected onto the fields Membrane reads,
// then validated by the same schema `membrane apply` uses. Node and EndpointSlice have no
// standalone counterpart; they are projected only.

export type Converted = { ok: true; object: KubeObject } | { ok: false; errors: string[] };

type Raw = Record<string, unknown> & { metadata?: Record<string, unknown> };

const META_KEYS = [
  'name',
  'namespace',
  'labels',
  'annotations',
  'uid',
  'resourceVersion',
  'generation',
  'creationTimestamp',
];

function pick<T extends Record<string, unknown>>(
  obj: T | undefined,
  keys: readonly string[],
): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  if (!obj) return out;
  for (const k of keys) if (obj[k] !== undefined && obj[k] !== null) out[k] = obj[k];
  return out;
}

function projectPod(raw: Raw): Raw {
  const spec = (raw.spec ?? {}) as { containers?: Record<string, unknown>[] } & Record<string, unknown>;
  const containers = (spec.containers ?? []).map((c) => {
    const out = pick(c, ['name', 'image', 'command', 'args', 'imagePullPolicy', 'workingDir']);
    const ports = (c.ports as Record<string, unknown>[] | undefined)?.map((p) =>
      pick(p, ['name', 'containerPort', 'protocol']),
    );
    if (ports?.length) out.ports = ports;
    // Only literal values: valueFrom (secrets, field refs) is the kubelet's business, not ours.
    const env = (c.env as Record<string, unknown>[] | undefined)
      ?.filter((e) => typeof e.value === 'string')
      .map((e) => pick(e, ['name', 'value']));
    if (env?.length) out.env = env;
    return out;
  });
  const status = pick(raw.status as Raw | undefined, ['phase', 'podIP', 'podIPs', 'hostIP']);
  return {
    spec: {
      containers,
      ...pick(spec, ['nodeName', 'restartPolicy', 'terminationGracePeriodSeconds', 'serviceAccountName']),
    },
    ...(Object.keys(status).length ? { status } : {}),
  };
}

function projectService(raw: Raw): Raw | string {
  const spec = (raw.spec ?? {}) as Record<string, unknown>;
  if (spec.type === 'ExternalName') return 'ExternalName services have no endpoints to balance';
  const ports = ((spec.ports as Record<string, unknown>[] | undefined) ?? []).map((p) =>
    pick(p, ['name', 'port', 'targetPort', 'protocol', ...(spec.type === 'ClusterIP' ? [] : ['nodePort'])]),
  );
  // A LoadBalancer service is a NodePort service plus an external balancer Membrane does not run.
  const type = spec.type === 'LoadBalancer' ? 'NodePort' : spec.type;
  return {
    spec: {
      ...pick(spec, ['selector', 'sessionAffinity', 'sessionAffinityConfig', 'clusterIP']),
      ports,
      ...(type ? { type } : {}),
    },
  };
}

function projectNode(raw: Raw): Raw {
  const status = raw.status as Record<string, unknown> | undefined;
  return {
    spec: pick(raw.spec as Raw | undefined, ['podCIDR', 'podCIDRs', 'unschedulable']),
    status: { addresses: status?.addresses ?? [] },
  };
}

function projectEndpointSlice(raw: Raw): Raw {
  const endpoints = ((raw.endpoints as Record<string, unknown>[] | undefined) ?? []).map((e) =>
    pick(e, ['addresses', 'conditions', 'nodeName', 'targetRef', 'zone']),
  );
  return { addressType: raw.addressType, endpoints, ports: raw.ports ?? [] };
}

/** Converts one object as listed or watched; `kind`/`apiVersion` come from the resource row. */
export function convertObject(resource: WatchedResource, raw: Raw): Converted {
  const metadata = pick(raw.metadata, META_KEYS) as KubeObject['metadata'];
  const base = { apiVersion: apiVersionOf(resource), kind: resource.kind, metadata };
  let body: Raw | string;
  switch (resource.kind) {
    case 'Namespace':
      body = {};
      break;
    case 'Pod':
      body = projectPod(raw);
      break;
    case 'Service':
      body = projectService(raw);
      break;
    case 'Node':
      return { ok: true, object: { ...base, ...projectNode(raw) } as KubeObject };
    case 'EndpointSlice':
      return { ok: true, object: { ...base, ...projectEndpointSlice(raw) } as KubeObject };
    case 'NetworkPolicy':
      body = pick(raw, ['spec']);
      break;
    case 'CiliumNetworkPolicy':
    case 'CiliumClusterwideNetworkPolicy':
      body = pick(raw, ['spec', 'specs']);
      break;
  }
  if (typeof body === 'string') return { ok: false, errors: [body] };
  const parsed = KIND_INFO[resource.kind].schema.safeParse({ ...base, ...body });
  if (!parsed.success) {
    return {
      ok: false,
      errors: parsed.error.issues.map((i) => `${i.path.map(String).join('.') || '(object)'}: ${i.message}`),
    };
  }
  const object = parsed.data as unknown as KubeObject;
  if (resource.kind === 'Namespace') {
    // Kubernetes sets this label itself; keep it even if an old API server did not.
    object.metadata.labels = {
      ...object.metadata.labels,
      'kubernetes.io/metadata.name': object.metadata.name,
    };
  }
  return { ok: true, object };
}
