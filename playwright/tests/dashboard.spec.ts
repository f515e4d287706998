import { readFileSync } from 'node:fs';
import { expect, test } from '@playwright/test';
import { env, shot, signIn, webUrl } from './helpers';

// Runs against a real agent (real eBPF, real pods with traffic) and the production build.
// The lab runs the demo's pods without policies (apps/agent/src/daemon/demoObjects.ts):
// default/deathstar serves HTTP on 80; default/tiefighter (org=empire) and default/xwing
// (org=alliance) call it; the shop's pods (frontend, catalog, cart, db) idle.

test.describe.configure({ mode: 'serial' });

test('signing in shows the role and the map draws the workloads and their edges', async ({ page }) => {
  await page.goto(webUrl('/map'));
  await expect(page).toHaveURL(/\/signin/);
  await page.fill('#token', 'not-a-token');
  await page.click('button[type=submit]');
  await expect(page.locator('.alert')).toContainText('does not accept this token');

  await signIn(page, env('MEMBRANE_LAB_ADMIN_TOKEN'));
  await expect(page.getByTestId('role')).toHaveText('admin');
  await expect(page.getByTestId('connection')).toContainText('live');
  for (const id of ['default/deathstar', 'default/tiefighter', 'default/xwing']) {
    await expect(page.locator(`[data-node="${id}"]`)).toBeVisible();
  }
  await expect(page.locator('[data-edge="default/xwing->default/deathstar"]')).toHaveAttribute(
    'data-verdict',
    'forwarded',
  );
  await expect(page.locator('[data-edge="default/tiefighter->default/deathstar"]')).toBeVisible();
  await shot(page, 'map');

  await page.locator('[data-node="default/deathstar"]').click();
  await expect(page.getByRole('complementary', { name: 'Details' })).toContainText('k8s:class=deathstar');
  await page.keyboard.press('Escape');
  await expect(page.getByRole('complementary', { name: 'Details' })).toHaveCount(0);

  // "Draft a policy for this": least privilege from the deathstar's observed flows.
  await page.locator('[data-node="default/deathstar"]').click();
  await page.getByRole('button', { name: 'Policies / draft' }).click();
  await expect(page).toHaveURL(/draftFor=default%2Fdeathstar/);
  await expect(page.locator('.cm-content')).toContainText('name: deathstar-least-privilege');
  await expect(page.locator('.cm-content')).toContainText('class: tiefighter');
  await expect(page.getByTestId('validity')).toContainText('valid');
  await expect(page.getByTestId('preview')).toContainText('No recent flow would change verdict');
  await shot(page, 'editor-draft');
});

test('filter chips round-trip through the URL and export gives exactly the filtered flows', async ({
  page,
}) => {
  await signIn(page, env('MEMBRANE_LAB_ADMIN_TOKEN'), '/flows');
  await expect(page.getByTestId('flow-row').first()).toBeVisible();
  const bar = page.getByLabel('Filter flows');
  await page.keyboard.press('/');
  await expect(bar).toBeFocused();
  await bar.fill('from-pod:default/tiefighter port:80');
  await bar.press('Enter');
  await expect(page.getByTestId('chip')).toHaveCount(2);
  await expect(page).toHaveURL(/f=from-pod%3Adefault%2Ftiefighter/);
  await expect(page).toHaveURL(/f=port%3A80/);

  // The link reproduces the view.
  await page.goto(page.url());
  await expect(page.getByTestId('chip')).toHaveCount(2);
  await expect(page.getByTestId('flow-row').first()).toBeVisible();
  const sources = await page.locator('[data-testid=flow-row] > span:nth-child(2)').allTextContents();
  expect(new Set(sources)).toEqual(new Set(['default/tiefighter']));

  await page.getByRole('button', { name: 'Pause' }).click();
  const [download] = await Promise.all([
    page.waitForEvent('download'),
    page.getByTestId('export-json').click(),
  ]);
  const exported = JSON.parse(readFileSync((await download.path())!, 'utf8')) as {
    source: { pod_name?: string };
    l4?: { TCP?: { source_port: number; destination_port: number } };
  }[];
  const count = Number((await page.getByTestId('flow-count').textContent())!.replace(/\D/g, ''));
  expect(exported.length).toBe(count);
  expect(exported.length).toBeGreaterThan(0);
  for (const f of exported) {
    expect(f.source.pod_name).toBe('tiefighter');
    expect([f.l4?.TCP?.source_port, f.l4?.TCP?.destination_port]).toContain(80);
  }

  await page.getByTestId('flow-row').first().click();
  await expect(page.getByTestId('flow-json')).toContainText('"pod_name": "tiefighter"');
  await shot(page, 'flows');
});

test('a YAML error shows inline at its line, and a read-only token cannot apply', async ({ page }) => {
  await signIn(page, env('MEMBRANE_LAB_READ_TOKEN'), '/policies');
  await expect(page.getByTestId('role')).toHaveText('read-only');
  const editor = page.locator('.cm-content');
  await editor.click();
  await page.keyboard.press('Control+a');
  await page.keyboard.insertText(
    [
      'apiVersion: networking.k8s.io/v1',
      'kind: NetworkPolicy',
      'metadata:',
      '  name: bad',
      '  namespace: default',
      'spec:',
      '  podSelector:',
      '    matchExpressions:',
      '      - key: app',
      '        operator: in',
      '',
    ].join('\n'),
  );
  await expect(page.getByTestId('validity')).toContainText('1 error');
  await expect(page.getByTestId('problems')).toContainText('10:19');
  // The gutter marks line 10 and the bad value is underlined.
  await expect(page.locator('.cm-lint-marker-error')).toHaveCount(1);
  await expect(page.locator('.cm-lintRange-error')).toHaveText('in');
  await shot(page, 'editor-error');
  await expect(page.getByTestId('review')).toBeDisabled();
  // Not only the button: the relay refuses the mutation itself for this session.
  const status = await page.evaluate(async () => {
    const r = await fetch('/api/trpc/policies.applyDraft', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ text: 'kind: NetworkPolicy' }),
    });
    return r.status;
  });
  expect(status).toBe(403);
});

test('applying a policy flips the xwing to DROPPED in the table and on the map', async ({ page }) => {
  await signIn(page, env('MEMBRANE_LAB_ADMIN_TOKEN'), '/policies');
  await page.locator('.cm-content').click();
  await page.keyboard.press('Control+a');
  await page.keyboard.insertText(
    [
      'apiVersion: cilium.io/v2',
      'kind: CiliumNetworkPolicy',
      'metadata:',
      '  name: deathstar-from-empire',
      '  namespace: default',
      'spec:',
      '  endpointSelector:',
      '    matchLabels:',
      '      class: deathstar',
      '  ingress:',
      '    - fromEndpoints:',
      '        - matchLabels:',
      '            org: empire',
      '      toPorts:',
      '        - ports:',
      '            - port: "80"',
      '              protocol: TCP',
      '',
    ].join('\n'),
  );
  await expect(page.getByTestId('validity')).toContainText('valid');
  // Before anything is applied: the draft evaluated in the browser against the recent real flows.
  const xwingChange = page.getByTestId('preview-change').filter({ hasText: 'default/xwing' });
  await expect(xwingChange).toContainText('TCP/80');
  await expect(xwingChange).toContainText('allowed → ✕ denied');
  await expect(page.getByTestId('preview-change').filter({ hasText: 'default/tiefighter' })).toHaveCount(0);
  await page.getByTestId('review').click();
  await expect(page.getByTestId('diff')).toContainText('+ kind: CiliumNetworkPolicy');
  await shot(page, 'editor-review');
  await page.getByTestId('confirm-apply').click();
  await expect(page.getByTestId('outcome')).toContainText(/enforces revision \d+/);
  const appliedAt = Date.now();
  await expect(page.getByTestId('policy-item')).toContainText('deathstar-from-empire');

  await page.goto(webUrl('/flows?f=from-pod:default/xwing&f=verdict:DROPPED'));
  await expect(page.locator('[data-testid=flow-row][data-verdict=DROPPED]').first()).toBeVisible({
    timeout: 10_000,
  });
  const seenAfterMs = Date.now() - appliedAt;
  test.info().annotations.push({ type: 'drop_visible_after_apply_ms', description: String(seenAfterMs) });
  await page.getByTestId('flow-row').first().click();
  await expect(page.getByTestId('drawer-verdict')).toContainText('DROPPED');
  await expect(page.getByTestId('why')).toContainText('denied');
  await expect(page.getByTestId('why')).toContainText('deathstar-from-empire');
  await shot(page, 'flows-dropped');

  await page.goto(webUrl('/map?w=1m'));
  // Within the window the edge has both verdicts: mixed first, then dropped once the old flows age out.
  await expect(page.locator('[data-edge="default/xwing->default/deathstar"]')).toHaveAttribute(
    'data-verdict',
    /mixed|dropped/,
  );
  await expect(page.locator('[data-edge="default/tiefighter->default/deathstar"]')).toHaveAttribute(
    'data-verdict',
    'forwarded',
  );
  await shot(page, 'map-after-policy');
});
