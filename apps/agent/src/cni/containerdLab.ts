import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import {
  copyFileSync,
  existsSync,
  mkdirSync,
  readFileSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { join } from 'node:path';

// Test support for the containerd end-to-end test: a busybox-static image written as an OCI
// layout (no registry, no network), and a containerd instance with its own root, state, socket
// and config under a temporary directory, so it never touches a system containerd.

const sha256 = (data: Buffer | string) => createHash('sha256').update(data).digest('hex');

/** Writes `<dir>/image.tar`: an OCI image layout holding busybox-static, importable with `ctr image import`. */
export function buildBusyboxImage(dir: string, name: string): string {
  const rootfs = join(dir, 'rootfs');
  const layout = join(dir, 'layout');
  rmSync(rootfs, { recursive: true, force: true });
  rmSync(layout, { recursive: true, force: true });
  for (const d of ['bin', 'proc', 'sys', 'dev', 'etc', 'tmp'])
    mkdirSync(join(rootfs, d), { recursive: true });
  copyFileSync('/bin/busybox', join(rootfs, 'bin/busybox'));
  for (const applet of ['sh', 'sleep', 'ip', 'cat', 'nc', 'echo', 'ls'])
    symlinkSync('busybox', join(rootfs, 'bin', applet));
  const blobs = join(layout, 'blobs/sha256');
  mkdirSync(blobs, { recursive: true });
  const layerPath = join(dir, 'layer.tar');
  execFileSync('tar', ['--numeric-owner', '--owner=0', '--group=0', '-C', rootfs, '-cf', layerPath, '.']);
  const layer = readFileSync(layerPath);
  const put = (data: Buffer | string) => {
    const digest = sha256(data);
    writeFileSync(join(blobs, digest), data);
    return { digest: `sha256:${digest}`, size: Buffer.byteLength(data) };
  };
  const layerRef = put(layer);
  const config = put(
    JSON.stringify({
      architecture: 'amd64',
      os: 'linux',
      config: { Cmd: ['/bin/sh'], Env: ['PATH=/bin'] },
      rootfs: { type: 'layers', diff_ids: [layerRef.digest] },
    }),
  );
  const manifest = put(
    JSON.stringify({
      schemaVersion: 2,
      mediaType: 'application/vnd.oci.image.manifest.v1+json',
      config: { mediaType: 'application/vnd.oci.image.config.v1+json', ...config },
      layers: [{ mediaType: 'application/vnd.oci.image.layer.v1.tar', ...layerRef }],
    }),
  );
  writeFileSync(
    join(layout, 'index.json'),
    JSON.stringify({
      schemaVersion: 2,
      manifests: [
        {
          mediaType: 'application/vnd.oci.image.manifest.v1+json',
          ...manifest,
          annotations: {
            'io.containerd.image.name': name,
            'org.opencontainers.image.ref.name': name.split(':').pop(),
          },
        },
      ],
    }),
  );
  writeFileSync(join(layout, 'oci-layout'), JSON.stringify({ imageLayoutVersion: '1.0.0' }));
  const tar = join(dir, 'image.tar');
  execFileSync('tar', ['-C', layout, '-cf', tar, '.']);
  return tar;
}

export interface Containerd {
  address: string;
  ctr(args: string[], timeoutMs?: number): string;
  stop(): Promise<void>;
}

/** Starts a private containerd (no CRI plugin) and waits for its socket. */
export async function startContainerd(dir: string): Promise<Containerd> {
  const root = join(dir, 'root');
  const state = join(dir, 'state');
  const address = join(dir, 'containerd.sock');
  mkdirSync(root, { recursive: true });
  mkdirSync(state, { recursive: true });
  const config = join(dir, 'config.toml');
  writeFileSync(
    config,
    [
      'version = 2',
      `root = "${root}"`,
      `state = "${state}"`,
      'disabled_plugins = ["io.containerd.grpc.v1.cri"]',
      '[grpc]',
      `  address = "${address}"`,
      '[ttrpc]',
      `  address = "${address}.ttrpc"`,
      '[debug]',
      `  address = "${address}.debug"`,
      '[metrics]',
      '  address = ""',
      '',
    ].join('\n'),
  );
  const log = join(dir, 'containerd.log');
  const child: ChildProcess = spawn('containerd', ['--config', config, '--log-level', 'info'], {
    stdio: ['ignore', 'ignore', 'pipe'],
    detached: false,
  });
  const chunks: Buffer[] = [];
  child.stderr?.on('data', (c: Buffer) => chunks.push(c));
  const deadline = Date.now() + 20_000;
  while (!existsSync(address)) {
    if (child.exitCode !== null)
      throw new Error(`containerd exited: ${Buffer.concat(chunks).toString().slice(-2000)}`);
    if (Date.now() > deadline) throw new Error('containerd did not start within 20 s');
    await new Promise((r) => setTimeout(r, 100));
  }
  const ctr = (args: string[], timeoutMs = 60_000) =>
    execFileSync('ctr', ['--address', address, '--namespace', 'membrane-test', ...args], {
      timeout: timeoutMs,
      stdio: 'pipe',
    }).toString();
  return {
    address,
    ctr,
    stop: async () => {
      writeFileSync(log, Buffer.concat(chunks));
      if (child.exitCode === null) {
        child.kill('SIGTERM');
        await new Promise<void>((resolve) => {
          const t = setTimeout(() => {
            child.kill('SIGKILL');
            resolve();
          }, 10_000);
          child.once('exit', () => {
            clearTimeout(t);
            resolve();
          });
        });
      }
    },
  };
}
