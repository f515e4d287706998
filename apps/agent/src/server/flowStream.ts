import type { IncomingMessage, ServerResponse } from 'node:http';
import { FlowSubscribeInput, SSE_OPTIONS } from '@membrane/api';
import type { FlowPipeline } from '../flows/flowPipeline';
import type { Tokens } from '../state/stateDir';
import { roleOf, tokenFrom } from './auth';

// `flows.subscribe` written to the SSE response by the agent itself, in tRPC's SSE wire format
// (so tRPC's httpSubscriptionLink, the CLI, the web relay and the dashboard read it unchanged).
// Why not through tRPC: its SSE producer JSON.stringify()s every message for every subscriber and
// pushes it through three web streams; here each batch of flows is encoded once from the compact
// ring (flowJson.ts), shared by the subscribers reading the same range, and written only as fast
// as the socket drains. A slow consumer's backlog stays in the ring, bounded by its queue size.
//
// `flows.subscribeCompact` is the same stream in the compact form (packages/api flowCompact.ts),
// encoded per subscriber from the ring's columns (flows/compactMessages.ts).
//
// Anything but the ordinary case (no or bad token, bad input, batching) is left to tRPC, so its
// error responses and rejection logging stay the only ones.

const PATH = '/trpc/flows.subscribe';
const COMPACT_PATH = '/trpc/flows.subscribeCompact';

const SSE_HEADERS = {
  'Content-Type': 'text/event-stream',
  'Cache-Control': 'no-cache, no-transform',
  'X-Accel-Buffering': 'no',
  Connection: 'keep-alive',
  // says which writer served the stream (this one, not tRPC's)
  'X-Membrane-Stream': 'compact',
};

function parseJson(text: string | null): { ok: true; value: unknown } | { ok: false } {
  if (text === null) return { ok: true, value: undefined };
  try {
    return { ok: true, value: JSON.parse(text) };
  } catch {
    return { ok: false };
  }
}

/** Serves the request and returns true, or returns false (untouched) for tRPC to handle it. */
export function serveFlowStream(
  req: IncomingMessage,
  res: ServerResponse,
  pipeline: FlowPipeline,
  tokens: Tokens,
  onError: (error: unknown) => void = () => {},
): boolean {
  if (req.method !== 'GET' || !req.url?.startsWith(PATH)) return false;
  const url = new URL(req.url, 'http://agent');
  if ((url.pathname !== PATH && url.pathname !== COMPACT_PATH) || url.searchParams.has('batch')) return false;
  const params = parseJson(url.searchParams.get('connectionParams'));
  if (!params.ok) return false;
  const connectionParams =
    params.value && typeof params.value === 'object' ? (params.value as Record<string, string>) : null;
  if (roleOf(tokens, tokenFrom(req, connectionParams)) === null) return false;
  const raw = parseJson(url.searchParams.get('input'));
  if (!raw.ok) return false;
  let input = raw.value;
  const lastEventId =
    req.headers['last-event-id'] ??
    url.searchParams.get('lastEventId') ??
    url.searchParams.get('Last-Event-Id');
  if (typeof lastEventId === 'string' && lastEventId !== '') {
    if (input && typeof input === 'object') input = { ...input, lastEventId };
    else input ??= { lastEventId };
  }
  const parsed = FlowSubscribeInput.safeParse(input ?? {});
  if (!parsed.success) return false;
  const opts = parsed.data;
  const resume = opts.lastEventId != null ? Number(opts.lastEventId) : opts.afterId;

  const { subscription, close } = pipeline.subscribe({
    format: url.pathname === COMPACT_PATH ? 'compact' : 'json',
    filter: opts.filter,
    ...(resume !== undefined && Number.isFinite(resume) ? { afterId: resume } : {}),
    queueSize: opts.queueSize,
    maxBatch: opts.maxBatch,
  });
  let closed = false;
  let blocked = false;
  let scheduled = false;
  let lastWrite = Date.now();

  const pump = () => {
    scheduled = false;
    try {
      write();
    } catch (e) {
      // a broken stream ends; the client reconnects and resumes from its last id
      onError(e);
      res.destroy();
      end();
    }
  };
  const write = () => {
    while (!closed && !blocked) {
      const msg = subscription.takePayload();
      if (msg === null) return;
      lastWrite = Date.now();
      res.cork();
      res.write('data: ');
      for (const part of msg.body) res.write(part);
      // blocked before uncork: flushing may emit 'drain' right there, which must unblock us
      if (!res.write(`\nid: ${msg.lastId}\n\n\n`)) blocked = true;
      res.uncork();
    }
  };
  const schedule = () => {
    if (scheduled || closed || blocked) return;
    scheduled = true;
    setImmediate(pump);
  };
  res.on('drain', () => {
    blocked = false;
    pump();
  });
  // Written from the pipeline's batch callback itself: during a flood the flow reader's
  // callbacks can hold the event loop long enough that a deferred (setImmediate) writer would
  // only run when the flood is over.
  subscription.onPending = () => {
    if (!closed && !blocked) pump();
  };

  const ping = SSE_OPTIONS.ping.intervalMs;
  const pinger = setInterval(() => {
    if (!blocked && Date.now() - lastWrite >= ping) {
      lastWrite = Date.now();
      res.write('event: ping\ndata: \n\n\n');
    }
  }, ping);
  pinger.unref();
  const end = () => {
    if (closed) return;
    closed = true;
    clearInterval(pinger);
    close();
  };
  req.on('close', end);
  res.on('close', end);
  res.on('error', end);

  res.writeHead(200, SSE_HEADERS);
  res.write(`event: connected\ndata: ${JSON.stringify(SSE_OPTIONS.client)}\n\n\n`);
  schedule();
  return true;
}
