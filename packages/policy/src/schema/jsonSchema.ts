// JSON Schemas of every supported kind, for the dashboard editor's completion and hover. They
// describe the input shape (what users type); rules that JSON Schema cannot express (CIDR
// containment, selector operator/values pairs...) are enforced by parseDocuments only.

import { z } from 'zod';
import { KIND_INFO, SUPPORTED_KINDS, type SupportedKind } from './kinds';

export type JsonSchema = Record<string, unknown>;

const cache = new Map<SupportedKind, JsonSchema>();

export function policyJsonSchema(kind: SupportedKind): JsonSchema {
  let schema = cache.get(kind);
  if (!schema) {
    schema = z.toJSONSchema(KIND_INFO[kind].schema, {
      io: 'input',
      unrepresentable: 'any',
      target: 'draft-2020-12',
    });
    schema.title = kind;
    cache.set(kind, schema);
  }
  return schema;
}

/** `jsonSchemas.NetworkPolicy` etc., built on first access. */
export const jsonSchemas = Object.defineProperties(
  {},
  Object.fromEntries(
    SUPPORTED_KINDS.map((kind) => [kind, { enumerable: true, get: () => policyJsonSchema(kind) }]),
  ),
) as Readonly<Record<SupportedKind, JsonSchema>>;

/** One schema for a document of any supported kind (the `kind` field picks the branch). */
export function anyKindJsonSchema(): JsonSchema {
  return {
    $schema: 'https://json-schema.org/draft/2020-12/schema',
    oneOf: SUPPORTED_KINDS.map((kind) => {
      const { $schema: _ignored, ...rest } = policyJsonSchema(kind);
      return rest;
    }),
  };
}
