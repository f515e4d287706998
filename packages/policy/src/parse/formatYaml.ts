// Writes objects back as YAML that parseDocuments (and kubectl) read the same way: YAML 1.1
// quoting, so strings like "yes", "on" or "y" stay strings instead of turning into booleans.

import { stringify } from 'yaml';

export function formatYaml(objects: readonly unknown[]): string {
  return objects.map((object) => stringify(object, { version: '1.1' })).join('---\n');
}
