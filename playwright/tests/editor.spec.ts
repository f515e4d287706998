import { execFileSync } from 'node:child_process';
import { copyFileSync } from 'node:fs';
import path from 'node:path';
import { expect, type Page, test } from '@playwright/test';
import { parseAllDocuments } from 'yaml';
import { DEATHSTAR_PORT, demoAddresses, demoPods } from '../../apps/agent/src/daemon/demoObjects';
import { REPO } from '../lab/agentLab';
import { ARTIFACTS, env, shot, signIn, webUrl } from './helpers';

// The policy editor's visual builder against a real agent (real eBPF, real pods with traffic) and
// the production build: a default-deny + allow policy authored without typing YAML, applied,
// and seen working — a real probe flips to denied and the map edge turns to dropped.

test.describe.configure({ mode: 'serial' });

const MEMBRANE = path.join(REPO, 'apps/agent/bin/membrane.mjs');
const SCREENSHOTS = path.join(REPO, 'apps/web/docs/screenshots');
const POLICY = 'deathstar-builder';

interface Pod {
  namespace: string;
  name: string;
  labels: Record<string, string>;
  ports: number[];
}

interface PodObject {
  kind?: string;
  metadata: { name: string; namespace?: string; labels?: Record<string, string> };
  spec: { containers?: { ports?: { containerPort: number }[] }[] };
}

/** The lab's workloads, read from the demo objects it runs: the server and a friend and a foe of it. */
function labCast() {
  const pods: Pod[] = parseAllDocuments(demoPods(demoAddresses('10.0.0')))
    .map((d) => d.toJS() as PodObject | null)
    .filter((o): o is PodObject => o?.kind === 'Pod')
    .map((o) => ({
      namespace: o.metadata.namespace ?? 'default',
      name: o.metadata.name,
      labels: o.metadata.labels ?? {},
      ports: (o.spec.containers ?? []).flatMap((c) => (c.ports ?? []).map((p) => p.containerPort)),
    }));
  const server = pods.find((p) => p.ports.includes(DEATHSTAR_PORT) && p.labels.org)!;
  const sameSide = (p: Pod) => p.namespace === server.namespace && p !== server;
  const friend = pods.find((p) => sameSide(p) && p.labels.org === server.labels.org)!;
  const foe = pods.find((p) => sameSide(p) && p.labels.org && p.labels.org !== server.labels.org)!;
  const id = (p: Pod) => `${p.namespace}/${p.name}`;
  return { server, friend, foe, id };
}
const cast = labCast();
const { server, friend, foe, id } = cast;
const serverClass = server.labels.class ? `class=${server.labels.class}` : `org=${server.labels.org}`;

function cli(args: string[]): string {
  return execFileSync(
    process.execPath,
    [MEMBRANE, '--state-dir', env('MEMBRANE_LAB_STATE_DIR'), '--server', env('MEMBRANE_LAB_URL'), ...args],
    { encoding: 'utf8', timeout: 60_000, env: { ...process.env, MEMBRANE_LOG_LEVEL: 'warn' } },
  );
}

/** A real connection attempt from inside the pod's namespace: 'allowed' or why not. */
function probe(from: string, to: string, port: number): string {
  let out: string;
  try {
    out = cli(['probe', '--from', from, '--to', to, '--port', String(port), '--timeout', '1s', '-o', 'json']);
  } catch (err) {
    out = String((err as { stdout?: string }).stdout ?? '');
  }
  return (JSON.parse(out) as { result: string }).result;
}

function deleteAllPolicies() {
  for (const kind of ['networkpolicy', 'cnp', 'ccnp']) {
    try {
      cli(['delete', kind, '--all', '-A']);
    } catch {
      // none of that kind
    }
  }
}

// biome-ignore lint/performance/useDomNodeTextContent: CodeMirror's lines are divs; only innerText has the newlines
const yamlText = (page: Page) => page.locator('.cm-content').innerText();

test.beforeAll(() => deleteAllPolicies());
test.afterAll(() => deleteAllPolicies());

test('author default deny + allow in the visual builder, apply, and see the probe and the map flip', async ({
  page,
}) => {
  test.setTimeout(240_000);
  expect(probe(id(foe), id(server), DEATHSTAR_PORT)).toBe('allowed');

  await signIn(page, env('MEMBRANE_LAB_ADMIN_TOKEN'), '/policies');
  await expect(page.getByTestId('role')).toHaveText('admin');
  await page.getByLabel('New policy from a preset').selectOption('empty-cnp');
  await expect(page.getByTestId('builder-kind')).toHaveText('CiliumNetworkPolicy');

  // Everything below is done in the builder, with the keyboard where a user would type.
  await page.getByTestId('builder-name').fill(POLICY);
  await page.getByTestId('builder-namespace').fill(server.namespace);
  await page.getByTestId('selector-input').fill(serverClass);
  await page.getByTestId('selector-input').press('Enter');
  await page.getByTestId('preset-default-deny').click();
  const ingress = page.getByTestId('direction-ingress');
  await expect(page.getByTestId('isolation-ingress')).toContainText('default deny');
  await expect(page.getByTestId('isolation-egress')).toContainText('default deny');
  await ingress.locator('details.new-rule > summary').click();
  const newRule = page.getByTestId('new-rule-ingress');
  await newRule.getByLabel('Peer kind').selectOption('same-ns');
  await newRule.getByLabel('Pod labels').fill(`org=${friend.labels.org}`);
  await newRule.getByRole('button', { name: 'Add rule' }).click();
  const allow = ingress.getByTestId('rule').nth(1);
  await expect(allow.getByTestId('peer')).toHaveText(new RegExp(`pods org=${friend.labels.org}`));
  await expect(allow.getByTestId('peer')).toHaveAttribute('data-group', 'namespace');
  await allow.locator('details.add > summary', { hasText: '+ port' }).last().click();
  await allow.getByLabel('Port', { exact: true }).fill(String(DEATHSTAR_PORT));
  await allow.getByLabel('Protocol', { exact: true }).selectOption('TCP');
  await allow.getByRole('button', { name: 'Add port' }).click();
  await expect(allow.getByTestId('port')).toHaveCount(1);

  // Builder → YAML.
  const text = await yamlText(page);
  expect(text).toContain(`name: ${POLICY}`);
  expect(text).toContain(`class: ${server.labels.class}`);
  expect(text).toMatch(new RegExp(`fromEndpoints:\\s+- matchLabels:\\s+org: ${friend.labels.org}`));
  expect(text).toContain(`port: "${DEATHSTAR_PORT}"`);
  expect(text).toMatch(/egress:\s+- \{\}/);
  await expect(page.getByTestId('validity')).toContainText('valid');
  await expect(allow).toHaveAttribute(
    'title',
    `Allows traffic from pods org=${friend.labels.org} to the selected pods on TCP/${DEATHSTAR_PORT}.`,
  );
  await page.getByTestId('builder').evaluate((el) => el.scrollTo(0, 0));
  await shot(page, 'editor-builder');

  // YAML → builder, with an error: shown on the builder's port field and at its line in the YAML.
  const bad = text.replace(`port: "${DEATHSTAR_PORT}"`, 'port: "99999"');
  const badLine = bad.split('\n').findIndex((l) => l.includes('99999')) + 1;
  await page.locator('.cm-content').click();
  await page.keyboard.press('Control+a');
  await page.keyboard.insertText(bad);
  await expect(page.getByTestId('validity')).toContainText('1 error');
  await expect(allow.getByTestId('port').getByLabel('port', { exact: true })).toHaveValue('99999');
  await expect(allow.getByTestId('port').getByLabel('port', { exact: true })).toHaveAttribute(
    'aria-invalid',
    'true',
  );
  await expect(allow.getByTestId('builder-problem')).toContainText(`line ${badLine}`);
  await expect(page.getByTestId('problems')).toContainText(`${badLine}:`);
  await expect(page.locator('.cm-lint-marker-error')).toHaveCount(1);
  await expect(page.locator('.cm-lintRange-error')).toContainText('99999');
  await expect(page.getByTestId('review')).toBeDisabled();
  await shot(page, 'editor-builder-error');
  // Fixed in the builder again.
  await allow.getByTestId('port').getByLabel('port', { exact: true }).fill(String(DEATHSTAR_PORT));
  await expect(page.getByTestId('validity')).toContainText('valid');
  expect(await yamlText(page)).toContain(`port: "${DEATHSTAR_PORT}"`);

  // Preview on real flows, then apply.
  await expect(
    page
      .getByTestId('preview-change')
      .filter({ hasText: id(foe) })
      .first(),
  ).toContainText('denied');
  await page.getByTestId('review').click();
  await expect(page.getByTestId('diff')).toContainText('+ kind: CiliumNetworkPolicy');
  await page.getByTestId('confirm-apply').click();
  await expect(page.getByTestId('outcome')).toContainText(/enforces revision \d+/);
  await expect(page.getByTestId('policy-item').filter({ hasText: POLICY })).toBeVisible();

  // The datapath enforces it: the foe's real connection is refused, the friend's still works.
  expect(probe(id(foe), id(server), DEATHSTAR_PORT)).not.toBe('allowed');
  expect(probe(id(friend), id(server), DEATHSTAR_PORT)).toBe('allowed');

  // The map: the foe's edge turns to dropped once its forwarded flows leave the 1-minute window.
  await page.goto(webUrl('/map?w=1m'));
  const foeEdge = page.locator(`[data-edge="${id(foe)}->${id(server)}"]`);
  await expect(foeEdge).toHaveAttribute('data-verdict', /mixed|dropped/);
  await expect(foeEdge).toHaveAttribute('data-verdict', 'dropped', { timeout: 100_000 });
  await expect(page.locator(`[data-edge="${id(friend)}->${id(server)}"]`)).toHaveAttribute(
    'data-verdict',
    'forwarded',
  );
  await shot(page, 'map-after-builder');
});

test('a read-only token sees the builder but cannot apply', async ({ page }) => {
  await signIn(page, env('MEMBRANE_LAB_READ_TOKEN'), '/policies');
  await expect(page.getByTestId('role')).toHaveText('read-only');
  await page.getByTestId('policy-item').filter({ hasText: POLICY }).click();
  await expect(page.getByTestId('builder-name')).toHaveValue(POLICY);
  await expect(page.getByTestId('review')).toBeDisabled();
  const status = await page.evaluate(async () => {
    const r = await fetch('/api/trpc/policies.applyDraft', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ file: 'policy.yaml', text: 'kind: NetworkPolicy' }),
    });
    return r.status;
  });
  expect(status).toBe(403);
});

// CodeMirror ignores Enter as "accept" for its interactionDelay (75 ms) after the completion list
// opens or changes, so that a fast typist's newline is not swallowed; a user pauses longer than that.
async function pastInteractionDelay(page: Page): Promise<void> {
  await page.waitForTimeout(250);
}

test('the YAML editor completes keys and values from the policy JSON Schema', async ({ page }) => {
  await signIn(page, env('MEMBRANE_LAB_ADMIN_TOKEN'), '/policies');
  await page.getByLabel('New policy from a preset').selectOption('empty-cnp');
  await page.getByTestId('mode-yaml').click();
  await expect(page.getByTestId('builder')).toHaveCount(0);
  const editor = page.locator('.cm-content');
  const options = page.locator('.cm-tooltip-autocomplete li');
  await editor.click();
  await page.keyboard.press('Control+End');
  await page.keyboard.type('  ingr');
  await expect(options.first()).toContainText('ingress');
  await expect(options.filter({ hasText: 'endpointSelector' })).toHaveCount(0);
  await pastInteractionDelay(page);
  await page.keyboard.press('Enter');
  await expect(editor).toContainText('ingress:');
  // A value: the protocol enum at spec.ingress[0].toPorts[0].ports[0].protocol.
  await page.keyboard.press('Control+a');
  await page.keyboard.insertText(
    `${(await yamlText(page)).replace(/\n\s*ingress:[\s\S]*$/, '')}\n  ingress:\n    - toPorts:\n        - ports:\n            - port: "80"\n              protocol: `,
  );
  await page.keyboard.press('Control+End');
  await page.keyboard.type('U');
  await expect(options).toHaveText(['UDP']);
  await shot(page, 'editor-completion');
  await pastInteractionDelay(page);
  await page.keyboard.press('Enter');
  await expect(page.getByTestId('validity')).toContainText('valid');
  expect(await yamlText(page)).toMatch(/protocol: UDP/);

  // Keep the README's editor pictures current.
  for (const name of ['editor-builder', 'editor-builder-error', 'editor-completion', 'map-after-builder'])
    copyFileSync(path.join(ARTIFACTS, `${name}.png`), path.join(SCREENSHOTS, `${name}.png`));
});
