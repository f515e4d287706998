import { addRule } from './builderEdits';
import { type BuilderView, isCilium } from './builderModel';
import type { Edit } from './yamlEdit';

// Presets the builder adds to the policy being edited (rather than replacing it), as data: a
// title, what it does in plain words, and the edits for the policy's kind.

export interface BuilderPreset {
  id: 'default-deny' | 'allow-dns' | 'same-namespace';
  title: string;
  explain: string;
  /** the edits, or why this preset does not apply to this policy */
  edits(view: BuilderView): Edit[] | string;
}

const DNS_PORTS = ['UDP', 'TCP'].map((protocol) => ({ port: '53', protocol }));

export const BUILDER_PRESETS: BuilderPreset[] = [
  {
    id: 'default-deny',
    title: 'Default deny',
    explain:
      'The selected pods drop all ingress and egress that no rule allows. Rules already here keep working.',
    edits(view) {
      if (!isCilium(view.kind)) {
        if (view.policyTypes?.includes('Ingress') && view.policyTypes.includes('Egress'))
          return 'already denies by default in both directions';
        return [{ op: 'set', path: [...view.specPath, 'policyTypes'], value: ['Ingress', 'Egress'] }];
      }
      // An empty rule allows nothing but isolates its direction.
      const edits = (['ingress', 'egress'] as const)
        .filter((d) => !view.isolated[d])
        .flatMap((d) => addRule(view, d));
      return edits.length > 0 ? edits : 'already denies by default in both directions';
    },
  },
  {
    id: 'allow-dns',
    title: 'Allow DNS',
    explain: 'Egress to port 53 (UDP and TCP) of any destination, so the selected pods can resolve names.',
    edits(view) {
      if (!isCilium(view.kind)) {
        const types =
          view.policyTypes && !view.policyTypes.includes('Egress')
            ? [{ op: 'append', path: [...view.specPath, 'policyTypes'], value: 'Egress' } as Edit]
            : [];
        return [
          ...types,
          {
            op: 'append',
            path: [...view.specPath, 'egress'],
            value: { ports: DNS_PORTS.map((p) => ({ protocol: p.protocol, port: 53 })) },
          },
        ];
      }
      return [
        { op: 'append', path: [...view.specPath, 'egress'], value: { toPorts: [{ ports: DNS_PORTS }] } },
      ];
    },
  },
  {
    id: 'same-namespace',
    title: 'Allow same namespace',
    explain: 'Ingress from every pod of the policy’s own namespace.',
    edits(view) {
      if (view.kind === 'CiliumClusterwideNetworkPolicy')
        return 'a clusterwide policy has no namespace of its own: add a peer with a namespace instead';
      return addRule(view, 'ingress', { type: 'pods', group: 'namespace', labels: [] });
    },
  },
];
