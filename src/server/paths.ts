// Folders of the installed package, found from this file so `digits serve` and `npm start` work from any directory.
import { relative } from 'node:path';
import { fileURLToPath } from 'node:url';

const packageRoot = fileURLToPath(new URL('../../', import.meta.url));

/** Where the shipped model lives: <package>/models/default. */
export function defaultModelDir(): string {
  return readable(`${packageRoot}models/default`);
}

/** Where the web app is built to: <package>/dist/web. */
export function defaultWebDir(): string {
  return readable(`${packageRoot}dist/web`);
}

/** The web engineer's build entry (web/build.ts exporting buildWeb), if it is there. */
export function webBuildModule(): string {
  return `${packageRoot}web/build.ts`;
}

/** Relative to the working directory when it is inside it (as people type it), else absolute. */
function readable(path: string): string {
  const fromHere = relative(process.cwd(), path);
  return fromHere === '' || fromHere.startsWith('..') ? path : fromHere;
}
