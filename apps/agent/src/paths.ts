import { fileURLToPath } from 'node:url';

// Plain-JS helpers that run inside pod namespaces. This file sits directly under src/, and the
// bundle directly under dist/, so the same relative URL finds them from source and from the bundle.
export const RUNTIME_DIR = fileURLToPath(new URL('../runtime/', import.meta.url));
export const PODSERVER = `${RUNTIME_DIR}podserver.mjs`;
export const PROBER = `${RUNTIME_DIR}probe.mjs`;
export const SUPERVISOR = `${RUNTIME_DIR}supervise.sh`;
export const DEATHSTAR = `${RUNTIME_DIR}deathstar.mjs`;
export const REQUESTER = `${RUNTIME_DIR}requester.mjs`;
export const SHOP_SERVICE = `${RUNTIME_DIR}shopservice.mjs`;
export const AGENT_ROOT = fileURLToPath(new URL('../', import.meta.url));
