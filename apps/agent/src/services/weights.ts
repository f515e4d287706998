type Labels = Record<string, string>;

// Canary weights (documented in docs/services.md):
// - Pod annotation `membrane.io/weight: "N"` (integer 0..10000, default 1): the pod's relative share
//   among the backends it competes with; 0 = no new connections.
// - Service annotation `membrane.io/traffic-split: "track=canary:10, track=stable:90"`: percentages
//   of new connections per group of pods (a pod joins the first entry whose label it has). Pods in
//   no group share what is left of 100%. A group with no ready pod gives its share to the others in
//   proportion, so a split never sends connections nowhere.
// Weights are the pods' own without a split; with one, integers summing to about WEIGHT_SCALE,
// each positive share at least 1.

export const WEIGHT_ANNOTATION = 'membrane.io/weight';
export const SPLIT_ANNOTATION = 'membrane.io/traffic-split';
export const WEIGHT_SCALE = 10_000;
const MAX_POD_WEIGHT = 10_000;

export interface SplitGroup {
  key: string;
  value: string;
  percent: number;
}

export type Parsed<T> = { ok: true; value: T } | { ok: false; error: string };

export function parsePodWeight(annotations: Record<string, string> | undefined): Parsed<number> {
  const text = annotations?.[WEIGHT_ANNOTATION];
  if (text === undefined) return { ok: true, value: 1 };
  const n = Number(text.trim());
  if (!/^\d+$/.test(text.trim()) || n > MAX_POD_WEIGHT) {
    return {
      ok: false,
      error: `${WEIGHT_ANNOTATION} must be an integer 0..${MAX_POD_WEIGHT}, got "${text}"`,
    };
  }
  return { ok: true, value: n };
}

export function parseTrafficSplit(annotations: Record<string, string> | undefined): Parsed<SplitGroup[]> {
  const text = annotations?.[SPLIT_ANNOTATION];
  if (text === undefined || text.trim() === '') return { ok: true, value: [] };
  const groups: SplitGroup[] = [];
  for (const part of text.split(',')) {
    const m = /^\s*([^=\s]+)=([^:\s]*)\s*:\s*(\d+(?:\.\d+)?)\s*%?\s*$/.exec(part);
    if (!m) {
      return { ok: false, error: `${SPLIT_ANNOTATION}: "${part.trim()}" is not "label=value:percent"` };
    }
    groups.push({ key: m[1]!, value: m[2]!, percent: Number(m[3]) });
  }
  const total = groups.reduce((s, g) => s + g.percent, 0);
  if (total > 100 + 1e-9)
    return { ok: false, error: `${SPLIT_ANNOTATION}: percentages add up to ${total} (> 100)` };
  return { ok: true, value: groups };
}

export interface WeightInput {
  /** labels of the backend's pod (none known: it joins no group) */
  labels?: Labels;
  /** the pod's own weight (parsePodWeight) */
  podWeight: number;
}

/** Integer weights, one per input in order; a zero-weight input gets 0. */
export function computeWeights(inputs: readonly WeightInput[], split: readonly SplitGroup[]): number[] {
  if (inputs.length === 0) return [];
  // Without a split the pods' own weights are already relative shares; small numbers keep the
  // datapath's selection tables small.
  if (split.length === 0) return inputs.map((i) => i.podWeight);
  // Group index per input: a split group, or `split.length` for "the rest".
  const groupOf = inputs.map((i) => {
    const g = split.findIndex((s) => i.labels?.[s.key] === s.value);
    return g < 0 ? split.length : g;
  });
  const groupWeight = new Array<number>(split.length + 1).fill(0);
  inputs.forEach((i, n) => {
    groupWeight[groupOf[n]!]! += i.podWeight;
  });
  const rest = Math.max(0, 100 - split.reduce((s, g) => s + g.percent, 0));
  // A group that cannot take traffic passes its share on.
  const share = [...split.map((g) => g.percent), rest].map((p, g) => (groupWeight[g]! > 0 ? p : 0));
  const total = share.reduce((a, b) => a + b, 0);
  if (total === 0) {
    // Every group that could take traffic was given 0%: fall back to the pods' own weights.
    const sum = inputs.reduce((s, i) => s + i.podWeight, 0);
    return inputs.map((i) => scaled(i.podWeight, sum));
  }
  return inputs.map((i, n) => {
    const g = groupOf[n]!;
    if (share[g] === 0 || i.podWeight === 0) return 0;
    return scaled((share[g]! / total) * (i.podWeight / groupWeight[g]!), 1);
  });
}

function scaled(part: number, whole: number): number {
  if (part <= 0 || whole <= 0) return 0;
  return Math.max(1, Math.round((part / whole) * WEIGHT_SCALE));
}
