import type { KubeObject } from '@membrane/api';

// The fields of a Pod the standalone agent realises (the rest is stored as given).

export interface PodContainer {
  name: string;
  command?: string[];
  args?: string[];
  ports?: { containerPort: number; protocol?: 'TCP' | 'UDP' | 'SCTP'; name?: string }[];
  env?: { name: string; value?: string }[];
}

export interface Pod extends KubeObject {
  spec: { containers: PodContainer[] };
}

export function asPod(obj: KubeObject): Pod {
  if (obj.kind !== 'Pod') throw new Error(`not a Pod: ${obj.kind}`);
  return obj as Pod;
}
