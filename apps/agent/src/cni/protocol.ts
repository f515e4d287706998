// The agent's half of the CNI 1.0 contract: request validation, the backend interface the
// endpoint manager implements, and the result/error documents the plugin prints. The plugin
// (apps/agent/cni/membrane-cni.c) forwards the runtime's environment and stdin here unchanged.

export const SUPPORTED_CNI_VERSIONS = ['1.0.0'] as const; // keep in sync with membrane-cni.c

/** The spec's well-known error codes (CNI SPEC "Error" section); 100+ are plugin-specific. */
export const CniErrorCode = {
  incompatibleVersion: 1,
  unsupportedField: 2,
  unknownContainer: 3,
  invalidEnvironment: 4,
  ioFailure: 5,
  decodeFailure: 6,
  invalidConfig: 7,
  tryAgainLater: 11,
  /** the agent could not set up or tear down the endpoint */
  endpointFailure: 100,
} as const;

export class CniError extends Error {
  constructor(
    readonly code: number,
    message: string,
    readonly details?: string,
  ) {
    super(message);
  }
}

/** What the plugin sends: the CNI_* environment and stdin, verbatim. */
export interface CniWireRequest {
  command: string;
  containerId: string;
  netns: string;
  ifname: string;
  args: string;
  path: string;
  config: string;
}

export interface NetConf {
  cniVersion: string;
  name: string;
  type: string;
  prevResult?: CniResult;
  [key: string]: unknown;
}

export interface CniRequest {
  command: 'ADD' | 'DEL' | 'CHECK';
  containerId: string;
  /** empty on a DEL whose namespace is already gone */
  netns: string;
  ifname: string;
  /** CNI_ARGS as key/value pairs (the kubelet passes K8S_POD_NAMESPACE, K8S_POD_NAME, K8S_POD_UID) */
  args: Record<string, string>;
  /** the pod, when the runtime said which one */
  pod?: { namespace: string; name: string; uid?: string };
  config: NetConf;
}

export interface CniResult {
  cniVersion?: string;
  interfaces: { name: string; mac?: string; sandbox?: string }[];
  ips: { address: string; gateway?: string; interface?: number }[];
  routes: { dst: string; gw?: string }[];
  dns: { nameservers?: string[]; domain?: string; search?: string[]; options?: string[] };
}

/**
 * Implemented by the agent's endpoint manager. add() must not return before the endpoint's
 * identity is known and its programs are attached; del() must succeed for unknown containers and
 * missing namespaces; check() throws a CniError when the endpoint differs from what ADD made.
 */
export interface CniBackend {
  add(req: CniRequest): Promise<Omit<CniResult, 'cniVersion'>>;
  del(req: CniRequest): Promise<void>;
  check(req: CniRequest, prev: CniResult): Promise<void>;
}

export function parseCniArgs(text: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const part of text.split(';')) {
    if (!part) continue;
    const eq = part.indexOf('=');
    if (eq <= 0)
      throw new CniError(
        CniErrorCode.invalidEnvironment,
        `CNI_ARGS entry "${part}" is not KEY=VALUE`,
        'CNI_ARGS',
      );
    out[part.slice(0, eq)] = part.slice(eq + 1);
  }
  return out;
}

const IFNAME = /^[^\s/:]{1,15}$/;

/** Turns the forwarded environment + stdin into a validated request (or a CniError). */
export function validateRequest(wire: CniWireRequest): CniRequest {
  let config: NetConf;
  try {
    config = JSON.parse(wire.config) as NetConf;
  } catch (e) {
    throw new CniError(
      CniErrorCode.decodeFailure,
      'the network configuration is not valid JSON',
      (e as Error).message,
    );
  }
  if (typeof config !== 'object' || config === null || Array.isArray(config)) {
    throw new CniError(CniErrorCode.decodeFailure, 'the network configuration is not a JSON object');
  }
  if (typeof config.cniVersion !== 'string')
    throw new CniError(CniErrorCode.invalidConfig, 'cniVersion is missing', 'cniVersion');
  if (!(SUPPORTED_CNI_VERSIONS as readonly string[]).includes(config.cniVersion)) {
    throw new CniError(
      CniErrorCode.incompatibleVersion,
      `incompatible CNI version "${config.cniVersion}"`,
      `supported versions: ${SUPPORTED_CNI_VERSIONS.join(', ')}`,
    );
  }
  for (const field of ['name', 'type'] as const) {
    if (typeof config[field] !== 'string' || config[field] === '') {
      throw new CniError(CniErrorCode.invalidConfig, `the network configuration has no "${field}"`, field);
    }
  }
  const command = wire.command;
  if (command !== 'ADD' && command !== 'DEL' && command !== 'CHECK') {
    throw new CniError(
      CniErrorCode.invalidEnvironment,
      `unsupported CNI_COMMAND "${command}"`,
      'CNI_COMMAND',
    );
  }
  const missing = [
    ['CNI_CONTAINERID', wire.containerId],
    ['CNI_IFNAME', wire.ifname],
    ...(command === 'DEL' ? [] : [['CNI_NETNS', wire.netns]]),
  ]
    .filter(([, v]) => !v)
    .map(([k]) => k);
  if (missing.length) {
    throw new CniError(
      CniErrorCode.invalidEnvironment,
      `required environment variables are not set: ${missing.join(', ')}`,
      missing.join(','),
    );
  }
  if (!IFNAME.test(wire.ifname))
    throw new CniError(CniErrorCode.invalidEnvironment, `invalid CNI_IFNAME "${wire.ifname}"`, 'CNI_IFNAME');
  if (wire.netns && !wire.netns.startsWith('/')) {
    throw new CniError(
      CniErrorCode.invalidEnvironment,
      `CNI_NETNS must be an absolute path, got "${wire.netns}"`,
      'CNI_NETNS',
    );
  }
  if (command === 'CHECK' && !config.prevResult) {
    throw new CniError(CniErrorCode.invalidConfig, 'CHECK needs the prevResult of the ADD', 'prevResult');
  }
  const args = parseCniArgs(wire.args ?? '');
  const pod =
    args.K8S_POD_NAMESPACE && args.K8S_POD_NAME
      ? {
          namespace: args.K8S_POD_NAMESPACE,
          name: args.K8S_POD_NAME,
          ...(args.K8S_POD_UID ? { uid: args.K8S_POD_UID } : {}),
        }
      : undefined;
  return {
    command,
    containerId: wire.containerId,
    netns: wire.netns,
    ifname: wire.ifname,
    args,
    ...(pod ? { pod } : {}),
    config,
  };
}

export interface CniOutcome {
  exitCode: number;
  /** what the plugin prints on stdout ('' for a successful DEL/CHECK) */
  output: string;
}

function errorOutcome(version: string, e: unknown): CniOutcome {
  const err =
    e instanceof CniError
      ? e
      : new CniError(CniErrorCode.endpointFailure, (e as Error)?.message ?? String(e));
  const doc = {
    cniVersion: version,
    code: err.code,
    msg: err.message,
    ...(err.details ? { details: err.details } : {}),
  };
  return { exitCode: 1, output: `${JSON.stringify(doc)}\n` };
}

/** One CNI call, start to finish: validate, dispatch to the backend, render the spec's output. */
export async function handleCniRequest(wire: CniWireRequest, backend: CniBackend): Promise<CniOutcome> {
  let req: CniRequest;
  try {
    req = validateRequest(wire);
  } catch (e) {
    return errorOutcome(SUPPORTED_CNI_VERSIONS[0], e);
  }
  const version = req.config.cniVersion;
  try {
    switch (req.command) {
      case 'ADD': {
        const result: CniResult = { cniVersion: version, ...(await backend.add(req)) };
        return { exitCode: 0, output: `${JSON.stringify(result)}\n` };
      }
      case 'DEL':
        await backend.del(req);
        return { exitCode: 0, output: '' };
      case 'CHECK':
        await backend.check(req, req.config.prevResult!);
        return { exitCode: 0, output: '' };
    }
  } catch (e) {
    return errorOutcome(version, e);
  }
}
