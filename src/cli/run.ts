/** A mistake in how a command was called. */
export class UsageError extends Error {
  override name = 'UsageError';
}

/** A UTC time for output file names, sortable: 20261202-073012. */
export function timestamp(date = new Date()): string {
  return date.toISOString().replace(/[-:]/g, '').replace('T', '-').slice(0, 15);
}

/**
 * Runs a CLI body. Failures become one line on stderr, `<command>: <reason>`, never a stack trace (set
 * VITRINE_DEBUG=1 to see one): exit code 2 for a usage mistake, 1 otherwise. Library chatter on console.log goes
 * to stderr so that stdout stays machine-readable.
 */
export async function runCli(
  command: string,
  usage: string,
  body: (argv: string[]) => Promise<{ help?: boolean; exitCode?: number }>,
): Promise<void> {
  console.log = console.error;
  try {
    const { help, exitCode = 0 } = await body(process.argv.slice(2));
    if (help) process.stdout.write(`${usage}\n`);
    process.exitCode = exitCode;
  } catch (error) {
    if (process.env.VITRINE_DEBUG) console.error(error);
    const message = error instanceof Error ? error.message : String(error);
    const misuse = error instanceof UsageError || (error as NodeJS.ErrnoException).code?.startsWith('ERR_PARSE_ARGS');
    process.stderr.write(`${command}: ${message}${misuse ? ' (see --help)' : ''}\n`);
    process.exitCode = misuse ? 2 : 1;
  }
}
