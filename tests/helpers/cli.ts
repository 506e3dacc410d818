import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { PROJECT_ROOT } from '../../src/common/node/paths.js';

export interface CliRun {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

/** Runs one of the project's commands the way `npm run <name> -- …` does, in a child process. */
export function runCli(script: 'search' | 'build-index' | 'setup' | 'eval', args: readonly string[], env: NodeJS.ProcessEnv = {}): CliRun {
  const result = spawnSync(join(PROJECT_ROOT, 'node_modules/.bin/tsx'), [join(PROJECT_ROOT, `src/cli/${script}.ts`), ...args], {
    cwd: PROJECT_ROOT,
    encoding: 'utf8',
    env: { ...process.env, ...env },
    timeout: 600_000,
  });
  return { code: result.status, stdout: result.stdout, stderr: result.stderr };
}

/** A stack trace line as Node prints them ("    at fn (file:line:col)"). */
export const STACK_LINE = /^\s+at .+:\d+:\d+\)?$/m;
