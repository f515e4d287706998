import { mkdirSync } from 'node:fs';
import path from 'node:path';
import type { Page } from '@playwright/test';

export const ARTIFACTS = path.join(import.meta.dirname, '..', 'artifacts');
mkdirSync(ARTIFACTS, { recursive: true });

export function env(name: string): string {
  const v = process.env[name];
  if (!v)
    throw new Error(`${name} is not set: run through playwright.config.ts (globalSetup starts the lab)`);
  return v;
}

export const webUrl = (p = '/') => `${env('MEMBRANE_WEB_URL')}${p}`;

export async function signIn(page: Page, token: string, next = '/map'): Promise<void> {
  await page.goto(webUrl(`/signin?next=${encodeURIComponent(next)}`));
  await page.fill('#token', token);
  await page.click('button[type=submit]');
  await page.waitForURL((u) => u.pathname === next);
}

export const shot = (page: Page, name: string) =>
  page.screenshot({ path: path.join(ARTIFACTS, `${name}.png`) });
