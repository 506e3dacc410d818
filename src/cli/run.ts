/** A mistake in how a command was called: print the message and the usage, exit 2. */
export class UsageError extends Error {
  override name = 'UsageError';
}

/**
 * Runs a CLI body: errors become one clear line on stderr and a non-zero exit, never a stack trace (set
 * VITRINE_DEBUG=1 to see one). Library chatter on console.log goes to stderr so stdout stays machine-readable.
 */
export async function runCli(usage: string, body: (argv: string[]) => Promise<{ help?: boolean; exitCode?: number }>): Promise<void> {
  console.log = console.error;
  try {
    const { help, exitCode = 0 } = await body(process.argv.slice(2));
    if (help) process.stdout.write(`${usage}\n`);
    process.exitCode = exitCode;
  } catch (error) {
    if (process.env.VITRINE_DEBUG) console.error(error);
    const message = error instanceof Error ? error.message : String(error);
    if (error instanceof UsageError || (error as { code?: string }).code?.startsWith('ERR_PARSE_ARGS')) {
      process.stderr.write(`error: ${message}\n\n${usage}\n`);
      process.exitCode = 2;
    } else {
      process.stderr.write(`error: ${message}\n`);
      process.exitCode = 1;
    }
  }
}
