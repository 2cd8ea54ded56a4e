/**
 * The shared e2e harness (test/support/e2e-harness.ts) stops what it started even when a start
 * fails half-way or is still under way when the file ends: the cases a plain afterAll misses.
 */
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { killWhenJestEnds, onCleanup, privateDataDir, startGateway, startSim, stopAll } from '../support/e2e-harness.js';

/** True once nothing answers at `url` any more (connection refused). */
async function refused(url: string): Promise<boolean> {
  return fetch(url).then(
    () => false,
    () => true,
  );
}

describe('e2e harness cleanup', () => {
  it('stops the simulator and removes the data directory when the gateway start after them fails', async () => {
    const dataDir = privateDataDir('motlan-harness-');
    const sim = await startSim({ persons: 64 });
    expect(await refused(`${sim.controlUrl}/sim/registries`)).toBe(false);
    // A setting the gateway refuses: the start throws after the simulator is up, as a broken beforeAll would.
    await expect(startGateway({ MOTLAN_DATA_DIR: dataDir, MOTLAN_ADAPTERS: 'not an adapter list' })).rejects.toThrow();
    await stopAll();
    expect(await refused(`${sim.controlUrl}/sim/registries`)).toBe(true);
    expect(existsSync(dataDir)).toBe(false);
  });

  it('waits for a start still under way (a beforeAll that timed out) and stops what it started', async () => {
    const dataDir = privateDataDir('motlan-harness-');
    const starting = startSim({ persons: 64 });
    await stopAll();
    const sim = await starting;
    expect(await refused(`${sim.controlUrl}/sim/registries`)).toBe(true);
    expect(existsSync(dataDir)).toBe(false);
  });

  it('closes a gateway once, whether the suite closes it itself or the cleanup does, and runs every cleanup even when one fails', async () => {
    const dataDir = privateDataDir('motlan-harness-');
    const { app, base } = await startGateway({ MOTLAN_DATA_DIR: dataDir, MOTLAN_ADAPTERS: 'none', MOTLAN_PORTAL_SYNC_WORKER: 'false' });
    expect(await refused(`${base}/health/live`)).toBe(false);
    await app.close();
    expect(await refused(`${base}/health/live`)).toBe(true);
    let ran = false;
    onCleanup('a cleanup that fails', () => {
      throw new Error('broken on purpose');
    });
    onCleanup('a cleanup after it', () => {
      ran = true;
    });
    await expect(stopAll()).rejects.toThrow('e2e cleanup of a cleanup that fails failed: Error: broken on purpose');
    expect(ran).toBe(true);
    expect(existsSync(dataDir)).toBe(false);
  });

  it('kills a child process when the pipe from the Jest process closes (as it does when Jest ends), and leaves it alone once released', async () => {
    const sleeper = () => spawn(process.execPath, ['-e', 'setInterval(() => {}, 1000)'], { stdio: 'ignore' });
    const doomed = sleeper();
    onCleanup('a sleeping child', () => void doomed.kill('SIGKILL'));
    const killed = new Promise<NodeJS.Signals | null>((resolve) => doomed.once('exit', (_code, signal) => resolve(signal)));
    // What the end of the Jest process does to the watchdog's pipe.
    killWhenJestEnds(doomed).watchdog.stdin!.end();
    expect(await killed).toBe('SIGKILL');

    const kept = sleeper();
    onCleanup('another sleeping child', () => void kept.kill('SIGKILL'));
    const { watchdog, release } = killWhenJestEnds(kept);
    const watchdogEnd = new Promise<NodeJS.Signals | null>((resolve) => watchdog.once('exit', (_code, signal) => resolve(signal)));
    release();
    // Ended by the release (SIGTERM), not through its kill path (which exits with code 0).
    expect(await watchdogEnd).toBe('SIGTERM');
    expect(kept.exitCode).toBeNull();
    expect(kept.signalCode).toBeNull();
    expect(() => process.kill(kept.pid!, 0)).not.toThrow();
  });
});
