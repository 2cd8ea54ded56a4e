// Stops the servers global-setup.mjs started (by the pids in the state file: test files may have
// restarted them, with new pids, in the meantime).
import { existsSync, readFileSync, rmSync } from 'node:fs';
import { terminate } from '../../deploy/kafka-dev/kafka-dev.mjs';
import { STATE_FILE } from './global-setup.mjs';

export default async function globalTeardown() {
  if (!existsSync(STATE_FILE)) return;
  const state = JSON.parse(readFileSync(STATE_FILE, 'utf8'));
  await Promise.all([terminate(state.owned?.redis?.pid, 5000), terminate(state.owned?.kafka?.pid, 20000)]);
  if (state.owned?.kafka?.dir) rmSync(state.owned.kafka.dir, { recursive: true, force: true });
  rmSync(STATE_FILE, { force: true });
}
