// Where the MNIST files live: --data-dir, else $DIGITS_DATA_DIR, else a per-user cache folder.
import { constants } from 'node:fs';
import { access, mkdir, stat } from 'node:fs/promises';
import { homedir } from 'node:os';
import { posix, resolve, win32 } from 'node:path';
import { MnistDataError } from './errors.ts';

export const DATA_DIR_ENV = 'DIGITS_DATA_DIR';

export interface DataDirChoice {
  dir: string;
  /** Where the choice came from: an explicit flag or env var, or the default cache folder. */
  source: 'flag' | 'env' | 'cache';
}

/** The per-user cache folder for MNIST, following each platform's convention. */
export function userCacheDir(
  env: NodeJS.ProcessEnv = process.env,
  platform: NodeJS.Platform = process.platform,
  home: string = homedir(),
): string {
  if (platform === 'win32') return win32.join(env.LOCALAPPDATA || win32.join(home, 'AppData', 'Local'), 'digit-recognizer', 'mnist');
  if (platform === 'darwin') return posix.join(home, 'Library', 'Caches', 'digit-recognizer', 'mnist');
  // XDG says a relative XDG_CACHE_HOME is invalid and must be ignored.
  const xdg = env.XDG_CACHE_HOME && posix.isAbsolute(env.XDG_CACHE_HOME) ? env.XDG_CACHE_HOME : posix.join(home, '.cache');
  return posix.join(xdg, 'digit-recognizer', 'mnist');
}

export function chooseDataDir(flag?: string, env: NodeJS.ProcessEnv = process.env): DataDirChoice {
  if (flag !== undefined && flag !== '') return { dir: resolve(flag), source: 'flag' };
  const fromEnv = env[DATA_DIR_ENV];
  if (fromEnv !== undefined && fromEnv !== '') return { dir: resolve(fromEnv), source: 'env' };
  return { dir: userCacheDir(env), source: 'cache' };
}

/** The MNIST folder to use: `flag` (from --data-dir), else $DIGITS_DATA_DIR, else the user cache folder. */
export function resolveDataDir(flag?: string, env: NodeJS.ProcessEnv = process.env): string {
  return chooseDataDir(flag, env).dir;
}

/**
 * Checks that `dir` is a readable folder, creating it first when `create` is set (only for the cache folder:
 * a folder someone named explicitly must already exist, so a typo is reported instead of silently created).
 */
export async function checkDataDir(dir: string, options: { create?: boolean } = {}): Promise<void> {
  let info;
  try {
    info = await stat(dir);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' && options.create) {
      await mkdir(dir, { recursive: true }).catch((mkdirError: Error) => {
        throw new MnistDataError('dir-unreadable', `cannot create the data folder ${dir}: ${mkdirError.message}`);
      });
      return;
    }
    if (code === 'ENOENT') {
      throw new MnistDataError('dir-not-found', `data folder ${dir} does not exist (create it, or point --data-dir / ${DATA_DIR_ENV} at the folder with the MNIST files)`);
    }
    if (code === 'ENOTDIR') throw new MnistDataError('not-a-directory', `data folder ${dir}: a part of the path is a file, not a folder`);
    if (code === 'EACCES') throw new MnistDataError('dir-unreadable', `data folder ${dir}: permission denied`);
    throw new MnistDataError('dir-unreadable', `data folder ${dir}: ${(error as Error).message}`);
  }
  if (!info.isDirectory()) throw new MnistDataError('not-a-directory', `data folder ${dir} is a file, not a folder`);
  try {
    await access(dir, constants.R_OK | constants.X_OK);
  } catch {
    throw new MnistDataError('dir-unreadable', `data folder ${dir} cannot be read (permission denied)`);
  }
}
