// Truth tables on the e2e model (see e2eModel.ts): each case lists policies and, per probe
// (protocol, port), the full expected 9×9 matrix, written by hand from the Kubernetes and Cilium
// semantics. Shared with the agent's `probe --matrix` test.
import { CILIUM_TRUTH_TABLES } from './truthTablesCilium';
import { KUBERNETES_TRUTH_TABLES } from './truthTablesKubernetes';

export type { TruthTableCase, TruthTableProbe } from './truthTableParts';
export { CILIUM_TRUTH_TABLES, KUBERNETES_TRUTH_TABLES };

export const TRUTH_TABLES = [...KUBERNETES_TRUTH_TABLES, ...CILIUM_TRUTH_TABLES];
