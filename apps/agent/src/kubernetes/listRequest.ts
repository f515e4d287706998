import http from 'node:http';
import https from 'node:https';
import type { KubeConfig } from '@kubernetes/client-node';

// One GET against the API server with the kubeconfig's credentials (CA, client certificate,
// bearer token), following `continue` tokens so a large collection arrives in pages.

export class ApiError extends Error {
  constructor(
    readonly statusCode: number,
    message: string,
  ) {
    super(message);
  }
}

export interface ListResult {
  items: Record<string, unknown>[];
  resourceVersion: string;
}

const PAGE_SIZE = 500;
const TIMEOUT_MS = 30_000;

async function getJson(kc: KubeConfig, url: URL, signal: AbortSignal): Promise<Record<string, unknown>> {
  const options: https.RequestOptions = { method: 'GET', headers: { accept: 'application/json' } };
  await kc.applyToHTTPSOptions(options);
  // Credentials may take a while (exec plugins, token files); never send once stopped.
  signal.throwIfAborted();
  const mod = url.protocol === 'https:' ? https : http;
  return new Promise((resolve, reject) => {
    const req = mod.request(url, { ...options, signal, timeout: TIMEOUT_MS }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('error', reject);
      res.on('end', () => {
        const text = Buffer.concat(chunks).toString('utf8');
        if (res.statusCode !== 200) {
          let message = `${res.statusCode} ${res.statusMessage ?? ''}`.trim();
          try {
            message = (JSON.parse(text) as { message?: string }).message ?? message;
          } catch {
            // not a Status object
          }
          reject(new ApiError(res.statusCode ?? 0, `GET ${url.pathname}: ${message}`));
          return;
        }
        try {
          resolve(JSON.parse(text) as Record<string, unknown>);
        } catch (e) {
          reject(new Error(`GET ${url.pathname}: invalid JSON (${(e as Error).message})`));
        }
      });
    });
    req.on('timeout', () => req.destroy(new Error(`GET ${url.pathname}: timed out`)));
    req.on('error', reject);
    req.end();
  });
}

export async function listCollection(
  kc: KubeConfig,
  path: string,
  query: Record<string, string>,
  signal: AbortSignal,
): Promise<ListResult> {
  const server = kc.getCurrentCluster()?.server;
  if (!server) throw new Error('kubeconfig has no current cluster');
  const items: Record<string, unknown>[] = [];
  let cont = '';
  for (;;) {
    const url = new URL(server.replace(/\/+$/, '') + path);
    for (const [k, v] of Object.entries({
      ...query,
      limit: String(PAGE_SIZE),
      ...(cont ? { continue: cont } : {}),
    })) {
      url.searchParams.set(k, v);
    }
    const page = await getJson(kc, url, signal);
    items.push(...((page.items as Record<string, unknown>[] | null) ?? []));
    const meta = (page.metadata ?? {}) as { resourceVersion?: string; continue?: string };
    cont = meta.continue ?? '';
    if (!cont) return { items, resourceVersion: meta.resourceVersion ?? '' };
  }
}
