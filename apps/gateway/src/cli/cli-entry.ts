import { realpathSync } from 'node:fs';
import { pathToFileURL } from 'node:url';

type CliMain = (argv: readonly string[], env: NodeJS.ProcessEnv, stdout: NodeJS.WritableStream, stderr: NodeJS.WritableStream) => Promise<number>;

/**
 * Runs a command when its module is the process entry point (not when a test imports it): the
 * exit code it resolves to becomes the process's, and an unexpected error one line on stderr.
 */
export function runIfEntryPoint(moduleUrl: string, name: string, main: CliMain): void {
  const entry = process.argv[1];
  if (!entry) return;
  try {
    if (moduleUrl !== pathToFileURL(realpathSync(entry)).href) return;
  } catch {
    return;
  }
  main(process.argv.slice(2), process.env, process.stdout, process.stderr).then(
    (code) => {
      process.exitCode = code;
    },
    (error: unknown) => {
      process.stderr.write(`${name}: ${error instanceof Error ? error.message : String(error)}\n`);
      process.exitCode = 1;
    },
  );
}
