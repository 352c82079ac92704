// Runs Electronegativity (Doyensec's Electron security linter) over main/,
// preload/ and renderer/, and fails on any finding of medium or high
// severity. It is called through its API because its CLI needs commander 2,
// which it does not declare and which this project's commander 14 shadows.
//   node test/electronegativity.mjs [--out test-results/electronegativity.json]
import { cpSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const require = createRequire(import.meta.url);
const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const run = require('@doyensec/electronegativity/dist/runner.js');
const electronVersion = require('electron/package.json').version;

// One scan over the three folders together: its global checks (navigation
// limits, permission handler, CSP) look for code in main/ that protects
// pages in renderer/, so scanning the folders one by one reports false alarms.
const scan = mkdtempSync(join(tmpdir(), 'electronegativity-'));
for (const dir of ['main', 'preload', 'renderer']) cpSync(join(root, dir), join(scan, dir), { recursive: true });
const out = await run({ input: scan, electronVersionOverride: electronVersion, isRelative: true });
rmSync(scan, { recursive: true, force: true });
for (const e of out.errors.filter((x) => !x.tolerable)) console.error(`could not parse ${e.file}: ${e.message}`);
const findings = out.issues;
const serious = findings.filter((f) => ['MEDIUM', 'HIGH', 'CRITICAL'].includes(String(f.severity?.name ?? f.severity).toUpperCase()));
const outArg = process.argv.indexOf('--out');
if (outArg > 0) {
  mkdirSync(dirname(process.argv[outArg + 1]), { recursive: true });
  writeFileSync(process.argv[outArg + 1], JSON.stringify(findings, null, 2));
}
for (const f of findings) {
  console.log(`${String(f.severity?.name ?? f.severity).padEnd(13)} ${String(f.confidence?.name ?? f.confidence).padEnd(10)} ${f.id}  ${f.file}:${f.location?.line ?? ''}  ${f.description ?? ''}`);
}
console.log(`${findings.length} finding(s), ${serious.length} of medium or high severity.`);
process.exit(serious.length ? 1 : 0);
