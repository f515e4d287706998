// Cilium toPorts: port/protocol lists and L7 HTTP rules, validated as cilium's
// pkg/policy/api sanitize() does, plus regex checks so a rule means the same in RE2 and in JS.

import { z } from 'zod';
import { crossCheck, isRecord } from './checks';
import { DESCRIBE } from './descriptions';
import { portNameProblems } from './names';
import { PORT_MAX } from './ports';
import { regexProblems } from './regex';

export const CILIUM_PROTOCOLS = ['TCP', 'UDP', 'SCTP', 'ANY'] as const;
/** Cilium refuses more ports than this in one toPorts entry. */
export const MAX_PORTS_PER_RULE = 40;

/**
 * Cilium ports are strings ("80", "0" = any, or a name). A YAML number is accepted and
 * normalised to its decimal string. Names are case-insensitive in Cilium and kept lowercase.
 */
function ciliumPortSchema() {
  return z
    .union([z.int(), z.string()], { error: 'expected a port number (as a number or string) or a port name' })
    .transform((value, ctx) => {
      const text = String(value).trim();
      if (/^[0-9]+$/.test(text)) {
        if (typeof value === 'string' && text.length > 1 && text.startsWith('0')) {
          // Cilium parses numbers with base prefixes, so "010" would be port 8 there.
          ctx.addIssue({
            code: 'custom',
            message: `"${text}" has a leading zero, which Cilium reads as octal`,
          });
        }
        const n = Number(text);
        if (n > PORT_MAX)
          ctx.addIssue({ code: 'custom', message: `${text} must be between 0 and ${PORT_MAX}` });
        return String(n);
      }
      if (typeof value === 'number') {
        ctx.addIssue({ code: 'custom', message: `${value} must be between 0 and ${PORT_MAX}` });
        return text;
      }
      const name = text.toLowerCase();
      for (const problem of portNameProblems(name)) {
        ctx.addIssue({
          code: 'custom',
          message: `"${text}" is not a port number or a valid port name: it ${problem}`,
        });
      }
      return name;
    });
}

function portProtocolSchema() {
  const shape = z.strictObject({
    port: ciliumPortSchema().optional().describe(DESCRIBE.cnpPort),
    endPort: z
      .int()
      .min(0, { error: `endPort must be between 0 and ${PORT_MAX}` })
      .max(PORT_MAX, { error: `endPort must be between 0 and ${PORT_MAX}` })
      .optional(),
    protocol: z.enum(CILIUM_PROTOCOLS).optional().describe('TCP, UDP, SCTP or ANY (default).'),
  });
  return crossCheck(shape, (raw, report) => {
    // Required, as in Cilium's sanitize ("Port must be specified"); the type keeps it optional.
    if (isRecord(raw) && raw.port === undefined) report(['port'], 'is required ("0" means every port)');
    if (!isRecord(raw) || typeof raw.endPort !== 'number' || raw.endPort === 0) return;
    const port = raw.port === undefined ? undefined : String(raw.port).trim();
    if (port === undefined || !/^[0-9]+$/.test(port)) {
      report(['endPort'], 'endPort may only be set together with a numeric port');
    } else if (Number(port) === 0) {
      report(['endPort'], 'endPort cannot be used with port 0 (which already means every port)');
    } else if (raw.endPort < Number(port)) {
      report(['endPort'], `endPort ${raw.endPort} must be greater than or equal to port ${port}`);
    }
  });
}

function regexField(what: string) {
  return z
    .string()
    .superRefine((value, ctx) => {
      for (const problem of regexProblems(value)) {
        ctx.addIssue({ code: 'custom', message: `${what} "${value}" ${problem}` });
      }
    })
    .describe(DESCRIBE.regex);
}

const headerMatchSchema = () =>
  z.strictObject({
    name: z.string().min(1, { error: 'a header name must not be empty' }),
    value: z.string().optional(),
    mismatch: z.enum(['LOG', 'ADD', 'DELETE', 'REPLACE']).optional(),
  });

/** HTTP rule: method, path and host are anchored regular expressions (Envoy/RE2 semantics). */
const portRuleHttpSchema = () =>
  z.strictObject({
    method: regexField('method').optional(),
    path: regexField('path').optional(),
    host: regexField('host').optional(),
    headers: z.array(z.string().min(1, { error: 'a header must not be empty' })).optional(),
    headerMatches: z.array(headerMatchSchema()).optional(),
  });

export const l7RulesSchema = () =>
  z.strictObject({ http: z.array(portRuleHttpSchema()).optional().describe(DESCRIBE.http) });

function portsListSchema() {
  return z.array(portProtocolSchema()).superRefine((ports, ctx) => {
    if (ports.length > MAX_PORTS_PER_RULE) {
      ctx.addIssue({
        code: 'custom',
        message: `at most ${MAX_PORTS_PER_RULE} ports may be listed in one entry`,
      });
    }
  });
}

/**
 * An allow rule's toPorts entry. L7 rules need every port to say `protocol: TCP` (absent means
 * ANY, which Cilium refuses for HTTP) and none of them to be 0.
 */
export function portRuleSchema() {
  const shape = z.strictObject({ ports: portsListSchema().optional(), rules: l7RulesSchema().optional() });
  return crossCheck(shape, (raw, report) => {
    if (!isRecord(raw) || !isRecord(raw.rules) || !Array.isArray(raw.rules.http)) return;
    if (!Array.isArray(raw.ports)) return;
    raw.ports.forEach((port, i) => {
      if (!isRecord(port)) return;
      if (port.protocol === undefined) {
        report(['ports', i, 'protocol'], 'L7 HTTP rules need protocol: TCP (absent means ANY)');
      } else if (port.protocol !== 'TCP' && CILIUM_PROTOCOLS.includes(port.protocol as 'ANY')) {
        report(['ports', i, 'protocol'], `L7 HTTP rules need protocol TCP, not ${String(port.protocol)}`);
      }
      if (port.port !== undefined && String(port.port).trim() === '0') {
        report(['ports', i], 'L7 HTTP rules need a specific port, not every port (0)');
      }
    });
  });
}

/** Deny rules carry only ports: Cilium has no L7 deny. `rules` gets a specific message. */
export function portDenyRuleSchema() {
  return z.strictObject({ ports: portsListSchema().optional() });
}
