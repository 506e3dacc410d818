import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The repository root (where package.json and config/ live). */
export const PROJECT_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../../..');

/** Where `npm run setup` puts models and data (gitignored). Override with VITRINE_ASSETS. */
export const ASSETS_DIR = resolve(process.env.VITRINE_ASSETS ?? join(PROJECT_ROOT, 'assets'));

/** The default mirror: the shared assets folder beside the project, when it exists. */
export function defaultMirror(): string | null {
  const shared = resolve(PROJECT_ROOT, '../shared/assets');
  return existsSync(shared) ? shared : null;
}

export function configPath(name: string): string {
  return join(PROJECT_ROOT, 'config', name);
}

/** A file of config/, parsed. */
export function readConfig<T>(name: string): T {
  return JSON.parse(readFileSync(configPath(name), 'utf8')) as T;
}
