// Fuzzing the parser: whatever the text, parseDocuments returns structured results and never
// throws; and its crash guard is never needed (no "could not be read" internal errors).

import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { SUPPORTED_KINDS } from '../schema/kinds';
import { formatYaml } from './formatYaml';
import { type ParseResult, parseDocuments } from './parseDocuments';

const RUNS = Number(process.env.FUZZ_RUNS ?? 300);

function checkWellFormed(text: string, result: ParseResult): void {
  for (const entry of [...result.errors, ...result.warnings]) {
    expect(entry.message.length).toBeGreaterThan(0);
    expect(entry.message.startsWith('could not be read')).toBe(false);
    // Every message is ours: none of zod's default wordings leaks through.
    expect(entry.message).not.toMatch(
      /Invalid input|Invalid option|Unrecognized key|Too (small|big)|Invalid element/,
    );
    expect(entry.line).toBeGreaterThanOrEqual(1);
    expect(entry.column).toBeGreaterThanOrEqual(1);
    expect(entry.from).toBeLessThanOrEqual(entry.to);
    expect(entry.to).toBeLessThanOrEqual(text.length);
    expect(entry.endLine).toBeGreaterThanOrEqual(entry.line);
  }
  for (const object of result.objects) {
    expect(SUPPORTED_KINDS).toContain(object.kind);
    expect(object.object.kind).toBe(object.kind);
    expect(typeof object.object.metadata.name).toBe('string');
  }
}

function parseChecked(text: string): ParseResult {
  let result: ParseResult | undefined;
  expect(() => {
    result = parseDocuments(text, { filename: 'fuzz.yaml' });
  }).not.toThrow();
  checkWellFormed(text, result as ParseResult);
  return result as ParseResult;
}

const VALID: unknown[] = [
  {
    apiVersion: 'networking.k8s.io/v1',
    kind: 'NetworkPolicy',
    metadata: { name: 'np', namespace: 'x', labels: { app: 'a' } },
    spec: {
      podSelector: {
        matchLabels: { pod: 'a' },
        matchExpressions: [{ key: 'tier', operator: 'In', values: ['db'] }],
      },
      policyTypes: ['Ingress', 'Egress'],
      ingress: [
        {
          from: [
            { podSelector: {}, namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'y' } } },
            { ipBlock: { cidr: '10.0.0.0/8', except: ['10.1.0.0/16'] } },
          ],
          ports: [{ port: 80, endPort: 81, protocol: 'TCP' }, { port: 'http' }],
        },
      ],
      egress: [{ to: [{ podSelector: { matchExpressions: [{ key: 'pod', operator: 'Exists' }] } }] }],
    },
  },
  {
    apiVersion: 'cilium.io/v2',
    kind: 'CiliumNetworkPolicy',
    metadata: { name: 'cnp' },
    spec: {
      endpointSelector: { matchLabels: { 'k8s:app': 'web' } },
      ingress: [
        {
          fromEndpoints: [{ matchLabels: { app: 'lb' } }],
          toPorts: [
            { ports: [{ port: '80', protocol: 'TCP' }], rules: { http: [{ method: 'GET', path: '/a/.*' }] } },
          ],
        },
      ],
      egressDeny: [{ toCIDRSet: [{ cidr: '203.0.113.0/24', except: ['203.0.113.1/32'] }] }],
      egress: [{ toEntities: ['world'], toPorts: [{ ports: [{ port: '443' }] }] }],
    },
  },
  {
    apiVersion: 'cilium.io/v2',
    kind: 'CiliumClusterwideNetworkPolicy',
    metadata: { name: 'ccnp' },
    specs: [
      { nodeSelector: {}, ingress: [{ fromEntities: ['cluster'] }] },
      { endpointSelector: {}, egress: [{}] },
    ],
  },
  {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name: 'a', namespace: 'x', labels: { pod: 'a' } },
    spec: { containers: [{ name: 'c', image: 'busybox', ports: [{ name: 'http', containerPort: 80 }] }] },
  },
  {
    apiVersion: 'v1',
    kind: 'Service',
    metadata: { name: 's' },
    spec: {
      selector: { pod: 'a' },
      ports: [{ name: 'http', port: 80, targetPort: 'http', protocol: 'TCP' }],
    },
  },
  { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'x' } },
];

type Path = (string | number)[];

function allPaths(value: unknown, path: Path = [], out: Path[] = []): Path[] {
  out.push(path);
  if (Array.isArray(value)) {
    value.forEach((v, i) => {
      allPaths(v, [...path, i], out);
    });
  } else if (value && typeof value === 'object') {
    for (const [k, v] of Object.entries(value)) allPaths(v, [...path, k], out);
  }
  return out;
}

function get(root: unknown, path: Path): unknown {
  return path.reduce<unknown>((node, key) => (node as Record<string | number, unknown>)?.[key], root);
}

type Mutation = {
  kind: 'delete' | 'rename' | 'retype' | 'swap' | 'string';
  at: number;
  other: number;
  value: unknown;
};

/** Applies a mutation to a deep copy; paths are picked by index modulo the number of paths. */
function mutate(root: unknown, m: Mutation): unknown {
  const copy = structuredClone(root);
  const paths = allPaths(copy).filter((p) => p.length > 0);
  // Earlier deletions can empty a small document; there is nothing left to mutate then.
  if (paths.length === 0) return copy;
  const path = paths[m.at % paths.length] as Path;
  const parent = get(copy, path.slice(0, -1)) as Record<string | number, unknown> | unknown[];
  const key = path[path.length - 1] as string | number;
  const container = parent as Record<string | number, unknown>;
  switch (m.kind) {
    case 'delete':
      if (Array.isArray(parent)) parent.splice(Number(key), 1);
      else delete container[key];
      break;
    case 'rename':
      if (!Array.isArray(parent)) {
        container[`${String(key)}${String(m.value).slice(0, 3)}x`] = container[key];
        delete container[key];
      }
      break;
    case 'retype':
    case 'string':
      container[key] = m.value;
      break;
    case 'swap': {
      const otherPath = paths[m.other % paths.length] as Path;
      if (
        otherPath.length <= path.length &&
        path.slice(0, otherPath.length).join('\u0000') === otherPath.join('\u0000')
      )
        break;
      const otherParent = get(copy, otherPath.slice(0, -1)) as Record<string | number, unknown>;
      const otherKey = otherPath[otherPath.length - 1] as string | number;
      const mine = structuredClone(container[key]);
      container[key] = structuredClone(otherParent?.[otherKey]);
      if (otherParent) otherParent[otherKey] = mine;
      break;
    }
  }
  return copy;
}

const interestingStrings = fc.constantFrom(
  '',
  'In',
  'in',
  'Exists',
  '10.0.0.0/8',
  '10.0.0.1/33',
  '::/0',
  '80',
  '0',
  'http',
  'HTTP',
  '-',
  'a'.repeat(300),
  'k8s:app',
  '(?=x)',
  'GET(',
  'TCP',
  'ANY',
  'world',
  'yes',
  'null',
);

const mutationArb: fc.Arbitrary<Mutation> = fc.oneof(
  fc.record({
    kind: fc.constantFrom('delete' as const, 'rename' as const, 'swap' as const),
    at: fc.nat(),
    other: fc.nat(),
    value: fc.string({ maxLength: 4 }),
  }),
  fc.record({
    kind: fc.constant('retype' as const),
    at: fc.nat(),
    other: fc.nat(),
    value: fc.jsonValue({ maxDepth: 2 }),
  }),
  fc.record({
    kind: fc.constant('string' as const),
    at: fc.nat(),
    other: fc.nat(),
    value: interestingStrings,
  }),
);

describe('parser fuzzing', () => {
  it('the valid corpus parses cleanly (as YAML and as JSON)', () => {
    const yaml = formatYaml(VALID);
    const result = parseDocuments(yaml);
    expect(result.errors).toEqual([]);
    expect(result.objects).toHaveLength(VALID.length);
    for (const v of VALID) expect(parseDocuments(JSON.stringify(v, null, 2)).errors).toEqual([]);
  });

  it('random strings never throw', { timeout: 120_000 }, () => {
    const yamlish = fc.string({
      unit: fc.constantFrom(...'abc:- \n\t{}[],"\'#&*!|>%@`?0123456789.\\/'.split('')),
      maxLength: 200,
    });
    fc.assert(
      fc.property(fc.oneof(fc.string({ unit: 'binary', maxLength: 300 }), yamlish), (text) => {
        parseChecked(text);
      }),
      { numRuns: RUNS },
    );
  });

  it('YAML of random values never throws (any kind, any shape)', { timeout: 120_000 }, () => {
    const doc = fc.record({
      apiVersion: fc.oneof(
        fc.constantFrom('networking.k8s.io/v1', 'cilium.io/v2', 'v1'),
        fc.jsonValue({ maxDepth: 1 }),
      ),
      kind: fc.oneof(fc.constantFrom(...SUPPORTED_KINDS, 'List'), fc.jsonValue({ maxDepth: 1 })),
      metadata: fc.oneof(fc.record({ name: fc.string() }), fc.jsonValue({ maxDepth: 2 })),
      spec: fc.jsonValue({ maxDepth: 4 }),
      items: fc.option(fc.array(fc.jsonValue({ maxDepth: 3 }), { maxLength: 3 }), { nil: undefined }),
    });
    fc.assert(
      fc.property(
        fc.array(fc.oneof(doc, fc.anything({ maxDepth: 3 })), { minLength: 1, maxLength: 3 }),
        (docs) => {
          const text = docs.map((d) => formatYaml([d === undefined ? null : d])).join('---\n');
          parseChecked(text);
        },
      ),
      { numRuns: RUNS },
    );
  });

  it('mutated valid policies give structured errors or valid objects, one outcome per document', {
    timeout: 120_000,
  }, () => {
    const seen = { valid: 0, invalid: 0 };
    fc.assert(
      fc.property(
        fc.array(
          fc.record({
            base: fc.nat({ max: VALID.length - 1 }),
            mutations: fc.array(mutationArb, { maxLength: 4 }),
            json: fc.boolean(),
          }),
          { minLength: 1, maxLength: 3 },
        ),
        (docs) => {
          const texts = docs.map(({ base, mutations, json }) => {
            const value = mutations.reduce((v, m) => mutate(v, m), VALID[base]);
            return json ? `${JSON.stringify(value)}\n` : formatYaml([value ?? {}]);
          });
          const result = parseChecked(texts.join('---\n'));
          const failedDocuments = new Set(result.errors.map((e) => e.document));
          expect(result.objects.length + failedDocuments.size).toBe(docs.length);
          for (const o of result.objects) expect(failedDocuments.has(o.source.document)).toBe(false);
          seen.valid += result.objects.length;
          seen.invalid += failedDocuments.size;
        },
      ),
      {
        numRuns: RUNS,
        // A counterexample CI once found: deletions that empty a whole Namespace document.
        examples: [
          [
            [
              {
                base: 5,
                mutations: [
                  { kind: 'delete', at: 0, other: 0, value: '' },
                  { kind: 'delete', at: 0, other: 0, value: '' },
                  { kind: 'delete', at: 0, other: 0, value: '' },
                  { kind: 'retype', at: 0, other: 0, value: {} },
                ],
                json: false,
              },
            ],
          ],
        ],
      },
    );
    // The mutations exercise both outcomes, not just one.
    expect(seen.valid).toBeGreaterThan(RUNS / 10);
    expect(seen.invalid).toBeGreaterThan(RUNS / 10);
  });
});
