// Port numbers and names shared by the Kubernetes and Cilium schemas.

import { z } from 'zod';
import { portNameProblems } from './names';

export const PORT_MIN = 1;
export const PORT_MAX = 65535;
export const PORT_RANGE_MESSAGE = `must be between ${PORT_MIN} and ${PORT_MAX}, inclusive`;

export const L4_PROTOCOLS = ['TCP', 'UDP', 'SCTP'] as const;

export function portNumberSchema() {
  return z
    .int()
    .min(PORT_MIN, { error: (iss) => `${String(iss.input)} ${PORT_RANGE_MESSAGE}` })
    .max(PORT_MAX, { error: (iss) => `${String(iss.input)} ${PORT_RANGE_MESSAGE}` });
}

/** Problems of a named port; a string of digits gets a hint, since YAML quotes made it a name. */
export function namedPortProblems(name: string): string[] {
  if (/^[0-9]+$/.test(name)) {
    return [`is a string, not a number: write it without quotes to mean port ${name}`];
  }
  return portNameProblems(name).map((problem) => `is not a valid port name: it ${problem}`);
}

/** IntOrString port: a number 1–65535 or an IANA_SVC_NAME. */
export function portNumberOrNameSchema() {
  return z
    .union([portNumberSchema(), z.string()], { error: 'expected a port number or a port name' })
    .superRefine((value, ctx) => {
      if (typeof value !== 'string') return;
      for (const problem of namedPortProblems(value)) {
        ctx.addIssue({ code: 'custom', message: `"${value}" ${problem}`, input: value });
      }
    });
}
