// core/v1 Namespace, Pod and Service schemas (minimal shapes, Kubernetes' validation rules).

import { z } from 'zod';
import { checkedString, crossCheck, isRecord } from './checks';
import { parseIp } from './cidr';
import { labelMapSchema } from './labels';
import { objectMetaSchema } from './meta';
import {
  dns1035LabelProblems,
  dns1123LabelProblems,
  dns1123SubdomainProblems,
  portNameProblems,
} from './names';
import { L4_PROTOCOLS, portNumberOrNameSchema, portNumberSchema } from './ports';

const portName = () =>
  checkedString((name) => portNameProblems(name).map((p) => `is not a valid port name: it ${p}`));

/** Reports the second and later occurrences of a value of `field` in a list. */
function checkUnique(
  list: unknown,
  field: string,
  what: string,
  report: (p: (string | number)[], m: string) => void,
) {
  if (!Array.isArray(list)) return;
  const seen = new Set<unknown>();
  list.forEach((item, i) => {
    if (!isRecord(item) || item[field] === undefined) return;
    if (seen.has(item[field])) report([i, field], `${what} "${String(item[field])}" is used more than once`);
    seen.add(item[field]);
  });
}

export const namespaceSchema = z.strictObject({
  apiVersion: z.literal('v1'),
  kind: z.literal('Namespace'),
  metadata: objectMetaSchema(dns1123LabelProblems),
  spec: z.strictObject({ finalizers: z.array(z.string()).optional() }).optional(),
  status: z.unknown().optional(),
});

const containerSchema = () =>
  z.strictObject({
    name: checkedString(dns1123LabelProblems),
    image: z.string().optional(),
    command: z.array(z.string()).optional(),
    args: z.array(z.string()).optional(),
    ports: crossCheck(
      z.array(
        z.strictObject({
          name: portName().optional(),
          containerPort: portNumberSchema(),
          protocol: z.enum(L4_PROTOCOLS).optional(),
        }),
      ),
      (raw, report) => checkUnique(raw, 'name', 'port name', report),
    ).optional(),
    env: z
      .array(
        z.strictObject({
          name: z.string().min(1, { error: 'must not be empty' }),
          value: z.string().optional(),
        }),
      )
      .optional(),
    // Common fields with no meaning in standalone mode; accepted so real manifests apply.
    imagePullPolicy: z.enum(['Always', 'IfNotPresent', 'Never']).optional(),
    workingDir: z.string().optional(),
  });

export const podSchema = z.strictObject({
  apiVersion: z.literal('v1'),
  kind: z.literal('Pod'),
  metadata: objectMetaSchema(dns1123SubdomainProblems),
  spec: z.strictObject({
    containers: crossCheck(
      z.array(containerSchema()).min(1, { error: 'a pod needs at least one container' }),
      (raw, report) => checkUnique(raw, 'name', 'container name', report),
    ),
    nodeName: z.string().optional(),
    restartPolicy: z.enum(['Always', 'OnFailure', 'Never']).optional(),
    terminationGracePeriodSeconds: z.int().min(0).optional(),
    serviceAccountName: z.string().optional(),
  }),
  status: z.unknown().optional(),
});

const NODE_PORT_MIN = 30000;
const NODE_PORT_MAX = 32767;

const servicePortSchema = () =>
  z
    .strictObject({
      name: portName().optional(),
      port: portNumberSchema(),
      targetPort: portNumberOrNameSchema().optional(),
      protocol: z.enum(L4_PROTOCOLS).default('TCP'),
      nodePort: z
        .int()
        .min(NODE_PORT_MIN, { error: `nodePort must be between ${NODE_PORT_MIN} and ${NODE_PORT_MAX}` })
        .max(NODE_PORT_MAX, { error: `nodePort must be between ${NODE_PORT_MIN} and ${NODE_PORT_MAX}` })
        .optional(),
    })
    .transform(({ targetPort, ...rest }) => ({ ...rest, targetPort: targetPort ?? rest.port }));

const clusterIpSchema = () =>
  z.string().superRefine((value, ctx) => {
    if (value === 'None' || value === '') return;
    const ip = parseIp(value);
    if (typeof ip === 'string') {
      ctx.addIssue({ code: 'custom', message: `"${value}" must be an IP address or "None": ${ip}` });
    }
  });

function serviceSpecSchema() {
  const shape = z.strictObject({
    selector: labelMapSchema().optional(),
    ports: z.array(servicePortSchema()).min(1, { error: 'a service needs at least one port' }),
    type: z.enum(['ClusterIP', 'NodePort']).default('ClusterIP'),
    sessionAffinity: z.enum(['None', 'ClientIP']).default('None'),
    sessionAffinityConfig: z
      .strictObject({
        clientIP: z
          .strictObject({
            // Kubernetes: 0 < timeoutSeconds <= 86400 (default 10800)
            timeoutSeconds: z
              .int()
              .min(1, { error: 'timeoutSeconds must be between 1 and 86400' })
              .max(86_400, { error: 'timeoutSeconds must be between 1 and 86400' })
              .optional(),
          })
          .optional(),
      })
      .optional(),
    clusterIP: clusterIpSchema().optional(),
  });
  return crossCheck(shape, (raw, report) => {
    if (!isRecord(raw) || !Array.isArray(raw.ports)) return;
    const ports = raw.ports;
    if (ports.length > 1) {
      ports.forEach((port, i) => {
        if (isRecord(port) && port.name === undefined) {
          report(['ports', i, 'name'], 'every port needs a name when a service has more than one port');
        }
      });
    }
    checkUnique(ports, 'name', 'port name', (path, message) => report(['ports', ...path], message));
    if (raw.type !== 'NodePort') {
      ports.forEach((port, i) => {
        if (isRecord(port) && port.nodePort !== undefined) {
          report(['ports', i, 'nodePort'], 'nodePort may only be set when type is NodePort');
        }
      });
    }
  });
}

export const serviceSchema = z.strictObject({
  apiVersion: z.literal('v1'),
  kind: z.literal('Service'),
  metadata: objectMetaSchema(dns1035LabelProblems),
  spec: serviceSpecSchema(),
  status: z.unknown().optional(),
});
