// The Star Wars objects of Cilium's L7 example, shared by the HTTP/1 and h2c end-to-end tests:
// deathstar (running `serverSource`), tiefighter and xwing in namespace default, and rule1 —
// org=empire may reach deathstar:80, and only with POST /v1/request-landing.

function pod(name: string, labels: Record<string, string>, command?: string[]) {
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name, namespace: 'default', labels },
    spec: {
      containers: [
        { name: 'c', ...(command ? { command } : {}), ports: [{ containerPort: 80, protocol: 'TCP' }] },
      ],
    },
  };
}

/** the objects as a multi-document YAML (JSON documents) for `membrane apply -f -` */
export function starWarsObjects(serverSource: string): string {
  return [
    { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'default' } },
    pod('deathstar', { org: 'empire', class: 'deathstar' }, [process.execPath, '-e', serverSource]),
    pod('tiefighter', { org: 'empire', class: 'tiefighter' }),
    pod('xwing', { org: 'alliance', class: 'xwing' }),
    {
      apiVersion: 'cilium.io/v2',
      kind: 'CiliumNetworkPolicy',
      metadata: { name: 'rule1', namespace: 'default' },
      spec: {
        endpointSelector: { matchLabels: { org: 'empire', class: 'deathstar' } },
        ingress: [
          {
            fromEndpoints: [{ matchLabels: { org: 'empire' } }],
            toPorts: [
              {
                ports: [{ port: '80', protocol: 'TCP' }],
                rules: { http: [{ method: 'POST', path: '/v1/request-landing' }] },
              },
            ],
          },
        ],
      },
    },
  ]
    .map((o) => JSON.stringify(o))
    .join('\n---\n');
}
