import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { chromium, type Browser, type Page } from 'playwright-core';
import { expect } from 'vitest';

const require = createRequire(import.meta.url);

/** Debian's chromium (installed here when missing, as test/support/ldap.ts does for slapd). */
export function chromiumPath(): string {
  const which = () => execFileSync('sh', ['-c', 'command -v chromium || true'], { encoding: 'utf8' }).trim();
  let path = which();
  if (!path) {
    const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
    try {
      execFileSync('apt-get', ['install', '-y', 'chromium'], { stdio: 'ignore', env });
    } catch {
      execFileSync('apt-get', ['update'], { stdio: 'ignore' });
      execFileSync('apt-get', ['install', '-y', 'chromium'], { stdio: 'ignore', env });
    }
    path = which();
  }
  if (!path) throw new Error('chromium is not installed and could not be installed (apt-get install -y chromium)');
  return path;
}

export function launchBrowser(): Promise<Browser> {
  return chromium.launch({ executablePath: chromiumPath(), args: ['--no-sandbox'], headless: true });
}

const AXE_SOURCE = readFileSync(require.resolve('axe-core/axe.min.js'), 'utf8');

interface AxeViolation {
  id: string;
  impact: string | null;
  help: string;
  nodes: { target: unknown[] }[];
}

/**
 * axe-core run on the page as it is: no serious or critical violation. Evaluated through the
 * DevTools protocol, so the page's Content-Security-Policy (no inline script) stays on.
 */
export async function expectAccessible(page: Page, what: string): Promise<void> {
  await page.evaluate(AXE_SOURCE);
  // A string expression: it runs in the page (axe and document are the page's), not in Node.
  const violations = await page.evaluate<AxeViolation[]>('axe.run(document).then((result) => result.violations)');
  const grave = violations
    .filter((v) => v.impact === 'serious' || v.impact === 'critical')
    .map((v) => `${v.id} (${v.impact}): ${v.help} at ${JSON.stringify(v.nodes.map((n) => n.target))}`);
  expect(grave, `axe-core on ${what}`).toEqual([]);
}

/** Signs in through the form. */
export async function signIn(page: Page, url: string, clientId: string, secret: string): Promise<void> {
  await page.goto(`${url}/console/`);
  await page.getByLabel('Client id').fill(clientId);
  await page.getByLabel('Client secret').fill(secret);
  await page.getByRole('button', { name: 'Sign in' }).click();
}
