// metav1.ObjectMeta as users write it. Server-populated fields that `kubectl get -o yaml` emits
// are accepted (so exported objects re-apply) and ignored.

import { z } from 'zod';
import { checkedString, crossCheck, isRecord, type Problems } from './checks';
import { labelMapSchema } from './labels';
import { dns1123LabelProblems, qualifiedNameProblems } from './names';

function annotationsSchema() {
  return crossCheck(z.record(z.string(), z.string()), (raw, report) => {
    if (!isRecord(raw)) return;
    for (const key of Object.keys(raw)) {
      for (const problem of qualifiedNameProblems(key)) {
        report([key], `annotation key "${key}" ${problem}`, { at: 'key' });
      }
    }
  });
}

export function objectMetaSchema(nameProblems: Problems) {
  return z.strictObject({
    name: checkedString(nameProblems),
    namespace: checkedString(dns1123LabelProblems).optional(),
    labels: labelMapSchema().optional(),
    annotations: annotationsSchema().optional(),
    uid: z.string().optional(),
    resourceVersion: z.string().optional(),
    generation: z.int().optional(),
    creationTimestamp: z.string().optional(),
    // Read-only on the server; accepted for round trips, never interpreted.
    managedFields: z.array(z.unknown()).optional(),
    ownerReferences: z.array(z.unknown()).optional(),
    finalizers: z.array(z.string()).optional(),
  });
}
