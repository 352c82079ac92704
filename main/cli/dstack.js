#!/usr/bin/env node
// The `dstack` bin. It runs the TypeScript sources through tsx so that
// `npx dstack` works in a fresh clone right after `npm ci`, with no build step.
import { register } from 'tsx/esm/api';

register();
await import('./main.ts');
