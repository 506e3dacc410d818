import { spawn, spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { PROJECT_ROOT } from '../../src/common/node/paths.js';

export interface CliRun {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

/** Runs one of the project's commands the way `npm run <name> -- …` does, in a child process. */
export function runCli(script: 'search' | 'build-index' | 'setup' | 'eval' | 'export-pg' | 'serve', args: readonly string[], env: NodeJS.ProcessEnv = {}): CliRun {
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

/**
 * As runCli, without blocking this process: for commands that talk to a server this test process runs (the
 * embedded database, the search API), which must keep answering while the command runs.
 */
export function runCliAsync(script: 'search' | 'export-pg' | 'serve' | 'build-index', args: readonly string[], env: NodeJS.ProcessEnv = {}): Promise<CliRun> {
  const child = spawn(join(PROJECT_ROOT, 'node_modules/.bin/tsx'), [join(PROJECT_ROOT, `src/cli/${script}.ts`), ...args], {
    cwd: PROJECT_ROOT,
    env: { ...process.env, ...env },
    timeout: 600_000,
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  return new Promise((done) => child.on('close', (code) => done({ code, stdout, stderr })));
}
