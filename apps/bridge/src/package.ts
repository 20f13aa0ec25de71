import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The bridge's package (its directory and package.json), above this file: apps/bridge/src, or its build under dist/. */
export function bridgePackage(): { dir: string; version: string } | null {
  for (let dir = dirname(fileURLToPath(import.meta.url)); dir !== dirname(dir); dir = dirname(dir)) {
    const file = join(dir, 'package.json');
    if (!existsSync(file)) continue;
    const pkg = JSON.parse(readFileSync(file, 'utf8')) as { name?: string; version?: string };
    if (pkg.name === 'omflow-hr-bridge') return { dir, version: pkg.version ?? '0.0.0' };
  }
  return null;
}

/** The product's version, from the bridge's package.json. */
export function productVersion(): string {
  return bridgePackage()?.version ?? '0.0.0';
}
