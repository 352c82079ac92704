// The lockfile's promises: every @aws-sdk/* package the app asks for is the
// same release (clients from different releases pull in several copies of
// the SDK's core, and mixed cores have broken signing before), and no
// @aws-sdk/* package is installed twice at different versions.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect, it } from 'vitest';

const root = join(import.meta.dirname, '..', '..');
const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { dependencies: Record<string, string>; devDependencies: Record<string, string> };
const lock = JSON.parse(readFileSync(join(root, 'package-lock.json'), 'utf8')) as { packages: Record<string, { version?: string }> };

it('asks for every @aws-sdk/* package at one exact version', () => {
  const wanted = Object.entries({ ...pkg.dependencies, ...pkg.devDependencies }).filter(([name]) => name.startsWith('@aws-sdk/'));
  expect(wanted.length).toBeGreaterThan(0);
  expect(new Set(wanted.map(([, v]) => v)), JSON.stringify(wanted)).toEqual(new Set([wanted[0]![1]]));
  expect(wanted[0]![1]).toMatch(/^\d+\.\d+\.\d+$/);
});

it('installs each @aws-sdk/* package at a single version', () => {
  const versions = new Map<string, Set<string>>();
  for (const [path, info] of Object.entries(lock.packages)) {
    const name = path.split('node_modules/').at(-1)!;
    if (!name.startsWith('@aws-sdk/') || !info.version) continue;
    versions.set(name, (versions.get(name) ?? new Set()).add(info.version));
  }
  const doubled = [...versions].filter(([, v]) => v.size > 1).map(([n, v]) => `${n}: ${[...v].join(', ')}`);
  expect(doubled).toEqual([]);
});
