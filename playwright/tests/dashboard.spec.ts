import { readFileSync } from 'node:fs';
import { expect, test } from '@playwright/test';
import { env, shot, signIn, webUrl } from './helpers';

// Runs against a real agent (real eBPF, real pods with traffic) and the production build.
// The lab: shop/backend (8080, 9090); shop/frontend calls both; outside/intruder calls 8080.

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
  for (const id of ['shop/backend', 'shop/frontend', 'outside/intruder']) {
    await expect(page.locator(`[data-node="${id}"]`)).toBeVisible();
  }
  await expect(page.locator('[data-edge="outside/intruder->shop/backend"]')).toHaveAttribute(
    'data-verdict',
    'forwarded',
  );
  await expect(page.locator('[data-edge="shop/frontend->shop/backend"]')).toBeVisible();
  await shot(page, 'map');

  await page.locator('[data-node="shop/backend"]').click();
  await expect(page.getByRole('complementary', { name: 'Details' })).toContainText('k8s:app=backend');
  await page.keyboard.press('Escape');
  await expect(page.getByRole('complementary', { name: 'Details' })).toHaveCount(0);

  // "Draft a policy for this": least privilege from the backend's observed flows.
  await page.locator('[data-node="shop/backend"]').click();
  await page.getByRole('button', { name: 'Policies / draft' }).click();
  await expect(page).toHaveURL(/draftFor=shop%2Fbackend/);
  await expect(page.locator('.cm-content')).toContainText('name: backend-least-privilege');
  await expect(page.locator('.cm-content')).toContainText('app: frontend');
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
  await bar.fill('from-pod:shop/frontend port:9090');
  await bar.press('Enter');
  await expect(page.getByTestId('chip')).toHaveCount(2);
  await expect(page).toHaveURL(/f=from-pod%3Ashop%2Ffrontend/);
  await expect(page).toHaveURL(/f=port%3A9090/);

  // The link reproduces the view.
  await page.goto(page.url());
  await expect(page.getByTestId('chip')).toHaveCount(2);
  await expect(page.getByTestId('flow-row').first()).toBeVisible();
  const sources = await page.locator('[data-testid=flow-row] > span:nth-child(2)').allTextContents();
  expect(new Set(sources)).toEqual(new Set(['shop/frontend']));

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
    expect(f.source.pod_name).toBe('frontend');
    expect([f.l4?.TCP?.source_port, f.l4?.TCP?.destination_port]).toContain(9090);
  }

  await page.getByTestId('flow-row').first().click();
  await expect(page.getByTestId('flow-json')).toContainText('"pod_name": "frontend"');
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
      '  namespace: shop',
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

test('applying a policy flips the intruder to DROPPED in the table and on the map', async ({ page }) => {
  await signIn(page, env('MEMBRANE_LAB_ADMIN_TOKEN'), '/policies');
  await page.locator('.cm-content').click();
  await page.keyboard.press('Control+a');
  await page.keyboard.insertText(
    [
      'apiVersion: cilium.io/v2',
      'kind: CiliumNetworkPolicy',
      'metadata:',
      '  name: backend-from-frontend',
      '  namespace: shop',
      'spec:',
      '  endpointSelector:',
      '    matchLabels:',
      '      app: backend',
      '  ingress:',
      '    - fromEndpoints:',
      '        - matchLabels:',
      '            app: frontend',
      '      toPorts:',
      '        - ports:',
      '            - port: "8080"',
      '              protocol: TCP',
      '',
    ].join('\n'),
  );
  await expect(page.getByTestId('validity')).toContainText('valid');
  // Before anything is applied: the draft evaluated in the browser against the recent real flows.
  const intruderChange = page.getByTestId('preview-change').filter({ hasText: 'outside/intruder' });
  await expect(intruderChange).toContainText('TCP/8080');
  await expect(intruderChange).toContainText('allowed → ✕ denied');
  await expect(page.getByTestId('preview-change').filter({ hasText: 'TCP/9090' })).toContainText(
    'shop/frontend',
  );
  await page.getByTestId('review').click();
  await expect(page.getByTestId('diff')).toContainText('+ kind: CiliumNetworkPolicy');
  await shot(page, 'editor-review');
  await page.getByTestId('confirm-apply').click();
  await expect(page.getByTestId('outcome')).toContainText(/enforces revision \d+/);
  const appliedAt = Date.now();
  await expect(page.getByTestId('policy-item')).toContainText('backend-from-frontend');

  await page.goto(webUrl('/flows?f=from-pod:outside/intruder&f=verdict:DROPPED'));
  await expect(page.locator('[data-testid=flow-row][data-verdict=DROPPED]').first()).toBeVisible({
    timeout: 10_000,
  });
  const seenAfterMs = Date.now() - appliedAt;
  test.info().annotations.push({ type: 'drop_visible_after_apply_ms', description: String(seenAfterMs) });
  await page.getByTestId('flow-row').first().click();
  await expect(page.getByTestId('drawer-verdict')).toContainText('DROPPED');
  await expect(page.getByTestId('why')).toContainText('denied');
  await expect(page.getByTestId('why')).toContainText('backend-from-frontend');
  await shot(page, 'flows-dropped');

  await page.goto(webUrl('/map?w=1m'));
  // Within the window the edge has both verdicts: mixed first, then dropped once the old flows age out.
  await expect(page.locator('[data-edge="outside/intruder->shop/backend"]')).toHaveAttribute(
    'data-verdict',
    /mixed|dropped/,
  );
  await expect(page.locator('[data-edge="shop/frontend->shop/backend"]')).toHaveAttribute(
    'data-verdict',
    /mixed|dropped/,
  );
  await shot(page, 'map-after-policy');
});
