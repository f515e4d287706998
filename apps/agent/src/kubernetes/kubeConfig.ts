import { KubeConfig } from '@kubernetes/client-node';

// Where `membrane agent --kubernetes` finds the API server: in a pod, the service-account token
// and CA the kubelet mounts (KUBERNETES_SERVICE_HOST/PORT are set); elsewhere KUBECONFIG or
// ~/.kube/config, as kubectl does.

export interface KubeConfigOptions {
  env?: NodeJS.ProcessEnv;
  /** prefix for the in-cluster service-account files (tests) */
  serviceAccountPrefix?: string;
}

export function loadKubeConfig(opts: KubeConfigOptions = {}): { kubeConfig: KubeConfig; inCluster: boolean } {
  const env = opts.env ?? process.env;
  const kc = new KubeConfig();
  const inCluster = Boolean(env.KUBERNETES_SERVICE_HOST && env.KUBERNETES_SERVICE_PORT);
  if (inCluster) {
    // loadFromCluster reads the two variables from process.env itself.
    const saved = { host: process.env.KUBERNETES_SERVICE_HOST, port: process.env.KUBERNETES_SERVICE_PORT };
    process.env.KUBERNETES_SERVICE_HOST = env.KUBERNETES_SERVICE_HOST;
    process.env.KUBERNETES_SERVICE_PORT = env.KUBERNETES_SERVICE_PORT;
    try {
      kc.loadFromCluster(opts.serviceAccountPrefix ?? '');
    } finally {
      for (const [k, v] of [
        ['KUBERNETES_SERVICE_HOST', saved.host],
        ['KUBERNETES_SERVICE_PORT', saved.port],
      ] as const) {
        if (v === undefined) delete process.env[k];
        else process.env[k] = v;
      }
    }
  } else if (env.KUBECONFIG) {
    // The first file wins (kubectl merges the list; the agent needs one cluster).
    kc.loadFromFile(env.KUBECONFIG.split(':')[0]!);
  } else {
    kc.loadFromDefault();
  }
  const cluster = kc.getCurrentCluster();
  if (!cluster?.server) throw new Error('no Kubernetes cluster configured (not in a pod, and no KUBECONFIG)');
  return { kubeConfig: kc, inCluster };
}
