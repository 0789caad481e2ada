#!/usr/bin/env node
// The `digits` command: runs the TypeScript CLI through tsx, so nothing needs a separate build step.
import { register } from 'tsx/esm/api';

register();
await import('../src/cli/main.ts');
