import type {
  DesiredState,
  Labels,
  Endpoint as ModelEndpoint,
  Policy,
  PolicyOptions,
  StateDiff,
} from '@membrane/policy';
import { IdentityAllocator, securityLabels } from '@membrane/policy';
import type { DatapathPort } from '../datapath/port';
import type { EndpointRecord } from '../endpoints/endpointManager';
import type { Logger } from '../log';
import { JsonState } from '../state/jsonState';
import { compileState, diffState, isEmptyDiff } from './engine';

// Identities from labels, then policy → desired datapath state → diff against what the maps hold
// → datapath. The last enforced state and the revision are persisted, so a restarted agent diffs
// against the kernel's actual contents instead of re-writing everything.

export const EMPTY_STATE: DesiredState = { endpoints: [], ipcache: [], prefixes: [] };

export interface Enforced {
  revision: number;
  state: DesiredState;
}

export class PolicyReconciler {
  readonly identities: IdentityAllocator;
  private readonly enforced: JsonState<Enforced>;

  constructor(
    paths: { identities: string; enforced: string },
    private readonly datapath: DatapathPort | null,
    private readonly log: Logger,
    private options: PolicyOptions = {},
  ) {
    const idState = new JsonState<ReturnType<IdentityAllocator['snapshot']> | null>(paths.identities, null);
    this.identities = new IdentityAllocator({
      store: { load: () => idState.value ?? undefined, save: (s) => idState.save(s) },
    });
    this.enforced = new JsonState<Enforced>(paths.enforced, { revision: 0, state: EMPTY_STATE });
  }

  get revision(): number {
    return this.enforced.value.revision;
  }

  get state(): DesiredState {
    return this.enforced.value.state;
  }

  /** This node's addresses (identity host); they take effect at the next reconcile. */
  setHostIps(ips: string[]): void {
    this.options = { ...this.options, hostIps: ips };
  }

  get policyOptions(): PolicyOptions {
    return this.options;
  }

  securityLabelsOf(namespace: string, podLabels: Labels, namespaceLabels: Labels): Labels {
    return securityLabels({ namespace, labels: podLabels, namespaceLabels });
  }

  identityOf(namespace: string, podLabels: Labels, namespaceLabels: Labels): number {
    return this.identities.allocate(this.securityLabelsOf(namespace, podLabels, namespaceLabels));
  }

  /**
   * Compiles and enforces. `bump` asks for a new revision even when the maps do not change (any
   * accepted change of the policy repository is a new revision, as in Cilium).
   */
  async reconcile(
    endpoints: EndpointRecord[],
    namespaceLabels: (ns: string) => Labels,
    policies: Policy[],
    bump: boolean,
  ): Promise<{ revision: number; diff: StateDiff }> {
    const model: ModelEndpoint[] = endpoints
      .filter((e) => e.state === 'ready')
      .map((e) => ({
        endpointId: e.endpointId,
        namespace: e.namespace,
        podName: e.pod,
        labels: e.labels,
        namespaceLabels: namespaceLabels(e.namespace),
        ips: [e.ip],
        identity: e.identity,
        namedPorts: e.namedPorts,
      }));
    const next = compileState(policies, model, this.options);
    const diff = diffState(this.enforced.value.state, next);
    const changed = !isEmptyDiff(diff);
    const started = performance.now();
    if (changed && this.datapath) await this.datapath.apply(diff, next);
    if (changed || bump) {
      this.enforced.save({ revision: this.enforced.value.revision + 1, state: next });
      this.log.info('policy enforced', {
        revision: this.enforced.value.revision,
        endpoints: next.endpoints.length,
        entries: next.endpoints.reduce((n, e) => n + e.entries.length, 0),
        ms: Math.round((performance.now() - started) * 10) / 10,
      });
    }
    this.identities.retainOnly(endpoints.map((e) => e.identity));
    return { revision: this.enforced.value.revision, diff };
  }
}
