// Stops the servers global-setup.mjs started, by the pids in this run's state file (test files may
// have restarted them, with new pids, in the meantime), and removes the run's directory.
import { existsSync, readFileSync, rmSync } from 'node:fs';
import path from 'node:path';
import { STATE_ENV, stopOwned } from './global-setup.mjs';

export default async function globalTeardown() {
  const stateFile = process.env[STATE_ENV];
  if (!stateFile || !existsSync(stateFile)) return;
  const state = JSON.parse(readFileSync(stateFile, 'utf8'));
  await stopOwned(state);
  // A later run in the same process (jest --watch) starts its own again.
  if (state.owned?.redis) delete process.env.REDIS_URL;
  if (state.owned?.kafka) delete process.env.KAFKA_BROKERS;
  rmSync(path.dirname(stateFile), { recursive: true, force: true });
  delete process.env[STATE_ENV];
}
