import { formatPath } from '@membrane/policy';
import type { BuilderView } from './builderModel';
import type { Problem } from './policyCheck';
import type { Path } from './yamlEdit';

// Which builder element shows which validation problem: the element with the longest path that
// contains the problem's field path, so each error appears once, on the thing it concerns (and
// at its line in the YAML, where the text editor underlines it).

export type ProblemIndex = Map<string, Problem[]>;

/** Every path the builder draws an element for. */
export function displayedPaths(view: BuilderView): Path[] {
  const paths: Path[] = [['metadata', 'name'], ['metadata', 'namespace'], ['kind'], view.selector.path];
  for (const d of view.directions) {
    for (const r of view.rules[d]) {
      paths.push(r.path, ...r.peers.map((p) => p.path));
      for (const g of r.portGroups) {
        paths.push(...g.ports.map((p) => p.path), ...g.http.map((h) => h.path));
        if (g.httpPath) paths.push(g.httpPath);
      }
    }
    paths.push([...view.specPath, d]);
  }
  return paths;
}

const within = (problemPath: string, owner: string) =>
  owner === '' ||
  problemPath === owner ||
  problemPath.startsWith(`${owner}.`) ||
  problemPath.startsWith(`${owner}[`);

/** Problems of document `document` by the formatted path of their owner ('' = the policy as a whole). */
export function assignProblems(problems: readonly Problem[], view: BuilderView): ProblemIndex {
  const owners = displayedPaths(view)
    .map((p) => formatPath(p))
    .sort((a, b) => b.length - a.length);
  const index: ProblemIndex = new Map();
  for (const p of problems) {
    if (p.document !== undefined && p.document !== view.document && p.document !== -1) continue;
    const owner = owners.find((o) => within(p.path, o)) ?? '';
    index.set(owner, [...(index.get(owner) ?? []), p]);
  }
  return index;
}

export const problemsOf = (index: ProblemIndex, path: Path): Problem[] => index.get(formatPath(path)) ?? [];
