import { describe, expect, it } from 'vitest';
import { anyKindJsonSchema, jsonSchemas, policyJsonSchema } from './jsonSchema';
import { SUPPORTED_KINDS } from './kinds';

type Schema = {
  properties?: Record<string, Schema>;
  items?: Schema;
  additionalProperties?: unknown;
  enum?: unknown[];
};

function at(schema: Schema, ...path: string[]): Schema {
  let node = schema;
  for (const key of path) {
    const next = key === '[]' ? node.items : node.properties?.[key];
    if (!next) throw new Error(`no ${key} in schema`);
    node = next;
  }
  return node;
}

describe('JSON Schema export', () => {
  it('has one schema per supported kind, strict like the parser', () => {
    expect(Object.keys(jsonSchemas).sort()).toEqual([...SUPPORTED_KINDS].sort());
    for (const kind of SUPPORTED_KINDS) {
      const schema = policyJsonSchema(kind) as Schema & { title?: string };
      expect(schema.title).toBe(kind);
      expect(schema.additionalProperties).toBe(false);
      expect(at(schema, 'kind')).toMatchObject({ const: kind });
    }
  });

  it('offers the fields and enums an editor completes', () => {
    const np = jsonSchemas.NetworkPolicy as Schema;
    const peer = at(np, 'spec', 'ingress', '[]', 'from', '[]');
    expect(Object.keys(peer.properties ?? {})).toEqual(['podSelector', 'namespaceSelector', 'ipBlock']);
    expect(at(peer, 'podSelector', 'matchExpressions', '[]', 'operator').enum).toEqual([
      'In',
      'NotIn',
      'Exists',
      'DoesNotExist',
    ]);
    expect(at(np, 'spec', 'ingress', '[]', 'ports', '[]', 'endPort')).toMatchObject({
      minimum: 1,
      maximum: 65535,
    });
    const cnp = jsonSchemas.CiliumNetworkPolicy as Schema;
    expect(at(cnp, 'spec', 'egress', '[]', 'toEntities', '[]').enum).toContain('kube-apiserver');
    expect((at(np, 'spec', 'ingress') as { description?: string }).description).toContain(
      '[{}]: everything is allowed',
    );
    const deny = at(cnp, 'spec', 'ingressDeny', '[]', 'toPorts', '[]');
    expect(Object.keys(deny.properties ?? {})).toEqual(['ports']);
  });

  it('combines all kinds for a document of unknown kind, and is JSON', () => {
    const combined = anyKindJsonSchema() as { oneOf: unknown[] };
    expect(combined.oneOf).toHaveLength(SUPPORTED_KINDS.length);
    expect(() => JSON.parse(JSON.stringify(combined))).not.toThrow();
  });
});
