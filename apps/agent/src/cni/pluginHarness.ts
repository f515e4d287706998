import { execFileSync, spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { z } from 'zod';

// Test support: builds the real plugin binary and runs it the way a container runtime does
// (CNI_* environment, network configuration on stdin), plus the CNI 1.0 output shapes to check
// what it prints against.

export const CNI_DIR = fileURLToPath(new URL('../../cni/', import.meta.url));
export const PLUGIN = `${CNI_DIR}membrane-cni`;

export function buildPlugin(): string {
  execFileSync('make', ['-s', '-C', CNI_DIR], { stdio: 'pipe' });
  return PLUGIN;
}

export interface PluginRun {
  code: number;
  stdout: string;
  stderr: string;
  ms: number;
  json: unknown;
}

export function runPlugin(env: Record<string, string>, stdin: string, plugin = PLUGIN): Promise<PluginRun> {
  const t0 = performance.now();
  return new Promise((resolve, reject) => {
    const child = spawn(plugin, [], {
      env: { PATH: '/usr/sbin:/usr/bin:/sbin:/bin', ...env },
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c) => (stdout += c));
    child.stderr.on('data', (c) => (stderr += c));
    child.on('error', reject);
    child.on('close', (code) => {
      let json: unknown;
      try {
        json = stdout.trim() ? JSON.parse(stdout) : undefined;
      } catch {
        json = undefined;
      }
      resolve({ code: code ?? -1, stdout, stderr, ms: performance.now() - t0, json });
    });
    child.stdin.on('error', () => {});
    child.stdin.end(stdin);
  });
}

const cidr = z.string().regex(/^\d+\.\d+\.\d+\.\d+\/\d+$/);
const ip = z.string().regex(/^\d+\.\d+\.\d+\.\d+$/);

/** CNI 1.0 "Success" result (SPEC.md, section "ADD Success"). */
export const CniSuccessSchema = z.strictObject({
  cniVersion: z.literal('1.0.0'),
  interfaces: z.array(
    z.strictObject({
      name: z.string().min(1),
      mac: z
        .string()
        .regex(/^([0-9a-f]{2}:){5}[0-9a-f]{2}$/)
        .optional(),
      sandbox: z.string().optional(),
    }),
  ),
  ips: z.array(
    z.strictObject({ address: cidr, gateway: ip.optional(), interface: z.int().min(0).optional() }),
  ),
  routes: z.array(z.strictObject({ dst: cidr, gw: ip.optional() })).optional(),
  dns: z
    .strictObject({
      nameservers: z.array(z.string()).optional(),
      domain: z.string().optional(),
      search: z.array(z.string()).optional(),
      options: z.array(z.string()).optional(),
    })
    .optional(),
});

/** CNI "Error" result. */
export const CniErrorSchema = z.strictObject({
  cniVersion: z.string(),
  code: z.int().min(1),
  msg: z.string().min(1),
  details: z.string().optional(),
});

export const CniVersionSchema = z.strictObject({
  cniVersion: z.string(),
  supportedVersions: z.array(z.string()).min(1),
});
