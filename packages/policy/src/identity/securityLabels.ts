import type { Labels } from '../types';

/** Identity label keys (Cilium's names, without the `k8s:` source prefix). */
export const NAMESPACE_LABEL = 'io.kubernetes.pod.namespace';
export const NAMESPACE_LABELS_PREFIX = 'io.cilium.k8s.namespace.labels.';
export const CLUSTER_LABEL = 'io.cilium.k8s.policy.cluster';
export const SERVICE_ACCOUNT_LABEL = 'io.cilium.k8s.policy.serviceaccount';

/** Decides which pod labels are security relevant (part of the identity). */
export type LabelFilter = (key: string) => boolean;

// Labels that change per replica or per rollout would split one workload into many identities.
const EXCLUDED = [
  /^io\.kubernetes\./,
  /^kubernetes\.io\//,
  /^k8s\.io\//,
  /beta\.kubernetes\.io\//,
  /^pod-template-generation$/,
  /^pod-template-hash$/,
  /^controller-revision-hash$/,
  /^annotation\./,
  /^statefulset\.kubernetes\.io\/pod-name$/,
  /^controller-uid$/,
  /^job-name$/,
  /^batch\.kubernetes\.io\//,
];

export const defaultLabelFilter: LabelFilter = (key) => !EXCLUDED.some((re) => re.test(key));

/** Builds a filter from include/exclude regexps (exclude wins; no include list means all). */
export function labelFilterFrom(spec: { include?: string[]; exclude?: string[] }): LabelFilter {
  const include = (spec.include ?? []).map((s) => new RegExp(s));
  const exclude = (spec.exclude ?? []).map((s) => new RegExp(s));
  return (key) =>
    !exclude.some((re) => re.test(key)) && (include.length === 0 || include.some((re) => re.test(key)));
}

export interface PodLabelSource {
  namespace: string;
  labels: Labels;
  namespaceLabels: Labels;
  serviceAccount?: string;
}

export interface SecurityLabelOptions {
  labelFilter?: LabelFilter;
  clusterName?: string;
}

/**
 * The security-relevant labels of a pod: filtered pod labels, its namespace, every namespace
 * label under `io.cilium.k8s.namespace.labels.`, the cluster name and the service account.
 * Policies select peers by these, so two pods with equal sets are indistinguishable to policy.
 */
export function securityLabels(pod: PodLabelSource, opts: SecurityLabelOptions = {}): Labels {
  const filter = opts.labelFilter ?? defaultLabelFilter;
  const out: Labels = {};
  for (const [k, v] of Object.entries(pod.labels)) if (filter(k)) out[k] = v;
  for (const [k, v] of Object.entries(pod.namespaceLabels)) out[NAMESPACE_LABELS_PREFIX + k] = v;
  out[NAMESPACE_LABEL] = pod.namespace;
  out[CLUSTER_LABEL] = opts.clusterName ?? 'default';
  if (pod.serviceAccount) out[SERVICE_ACCOUNT_LABEL] = pod.serviceAccount;
  return out;
}

/** Canonical text of a label set, e.g. `k8s:app=web;k8s:io.kubernetes.pod.namespace=x`. */
export function labelsKey(labels: Labels): string {
  return Object.keys(labels)
    .sort()
    .map((k) => `${k.includes(':') ? '' : 'k8s:'}${k}=${labels[k]}`)
    .join(';');
}

/** Strips the label source of a selector key the way Cilium matches it against pod labels. */
export function normalizeSelectorKey(key: string): string {
  if (key.startsWith('k8s:')) return key.slice(4);
  if (key.startsWith('any:')) return key.slice(4);
  return key;
}
