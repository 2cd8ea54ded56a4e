/**
 * The one way e2e suites start what they test: the registry simulator and the gateway (in this
 * process through createGatewayApp, or as a real OS process when a suite must kill it), each on an
 * ephemeral port, over a private data directory, with token helpers for that directory's dev
 * issuers.
 *
 * Nothing is left behind, even when a test fails: everything started through this module is
 * registered for cleanup the moment it exists, and an afterAll this module adds to every test file
 * that imports it stops whatever is still running (gateways, then simulators, then the data
 * directories), also when a beforeAll failed half-way or timed out and its start finished later.
 * Child processes are also killed when the Jest process ends, however it ends (killWhenJestEnds).
 *
 *   const stack = e2eStack({ sim: { seed: 21, persons: 50_000 }, env: { MOTLAN_CACHE_MAX_AGE_CAP_SECONDS: '1' } });
 *   it('…', async () => { await httpCall(stack.base, 'GET', '/v1/…', { token: await stack.token({ sub: 'x', scope: 'population:read' }) }); });
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { pino, type Logger } from 'pino';
import { DevCitizenTokenIssuer, type DevCitizenTokenRequest } from '@motlan/auth/citizen-token.js';
import { DevTokenIssuer, type DevTokenRequest } from '@motlan/auth/dev-token-issuer.js';
import { loadGatewayConfig, type GatewayConfig } from '../../apps/gateway/src/config/gateway.config.js';
import { SyncLifecycle } from '../../apps/gateway/src/dossier-relay/sync-lifecycle.service.js';
import { createGatewayApp } from '../../apps/gateway/src/gateway-app.factory.js';
import { startRegistrySim, type RegistrySimOptions, type RunningRegistrySim } from '../../apps/registry-sim/src/registry-sim.js';
import { startGatewayProcess, type GatewayProcess } from './gateway-process.js';

/** Closing a gateway whose dossier sync is still starting would leave that sync's consumers running: wait for it, this long at most. */
const SYNC_START_WAIT_MS = 15_000;

type Cleanup = { what: string; order: number; run: () => Promise<void> };
/** Lower first: gateways before the simulators they call, data directories last. */
const ORDER = { gateway: 0, process: 0, sim: 1, other: 1, dir: 2 } as const;

const cleanups = new Set<Cleanup>();
/** Starts still under way: a cleanup waits for them, so a start that outlives its beforeAll is stopped too. */
const starting = new Set<Promise<unknown>>();

/** Registers `run` to happen at the latest in this file's afterAll; returns a function that runs it now (once). */
export function onCleanup(what: string, run: () => Promise<void> | void, order: number = ORDER.other): () => Promise<void> {
  let done: Promise<void> | undefined;
  const entry: Cleanup = {
    what,
    order,
    run: () =>
      (done ??= (async () => {
        cleanups.delete(entry);
        await run();
      })()),
  };
  cleanups.add(entry);
  return entry.run;
}

/** Runs `start`, which registers its own cleanup before it resolves: stopAll() waits for it meanwhile. */
async function tracked<T>(start: () => Promise<T>): Promise<T> {
  const running = start();
  starting.add(running);
  try {
    return await running;
  } finally {
    starting.delete(running);
  }
}

/**
 * Stops everything this file started through the harness and has not stopped yet. Runs in the
 * afterAll below; a cleanup that fails does not keep the others from running (its error is thrown
 * at the end, so the failure shows).
 */
export async function stopAll(): Promise<void> {
  while (starting.size > 0) await Promise.allSettled([...starting]);
  const errors: unknown[] = [];
  for (const order of [0, 1, 2]) {
    const due = [...cleanups].filter((c) => c.order === order);
    const results = await Promise.allSettled(due.map((c) => c.run()));
    results.forEach((r, i) => {
      if (r.status === 'rejected') errors.push(new Error(`e2e cleanup of ${due[i].what} failed: ${String(r.reason)}`));
    });
  }
  if (errors.length === 1) throw errors[0];
  if (errors.length > 1) throw new AggregateError(errors, 'e2e cleanups failed');
}

// Every test file importing this module gets this hook (Jest evaluates modules once per file).
afterAll(() => stopAll(), 60_000);

/**
 * Whatever way the Jest process ends (forceExit, a crash, SIGKILL), `child` does not outlive it: a
 * small watchdog process holds a pipe from this process and SIGKILLs the child when the pipe closes.
 * (An 'exit' listener would not do: Jest gives each test file a copy of `process` whose events the
 * real process never emits.) The returned function stops the watchdog, once the child is gone.
 */
export function killWhenJestEnds(child: ChildProcess): { watchdog: ChildProcess; release: () => void } {
  if (child.pid === undefined) throw new Error('the child process has no pid (it did not start)');
  const script = `process.stdin.on('end', () => { try { process.kill(${child.pid}, 'SIGKILL'); } catch {} process.exit(0); }); process.stdin.resume();`;
  const watchdog = spawn(process.execPath, ['-e', script], { stdio: ['pipe', 'ignore', 'ignore'] });
  // Neither the watchdog nor its pipe keeps this process alive.
  watchdog.unref();
  (watchdog.stdin as unknown as { unref?: () => void } | null)?.unref?.();
  return { watchdog, release: () => void watchdog.kill('SIGTERM') };
}

/** A private data directory, removed at cleanup. */
export function privateDataDir(prefix = 'motlan-e2e-'): string {
  const dir = mkdtempSync(path.join(tmpdir(), prefix));
  onCleanup(`data directory ${dir}`, () => rmSync(dir, { recursive: true, force: true }), ORDER.dir);
  return dir;
}

/** The simulator's defaults for e2e: a small population, ephemeral ports, silent. */
export async function startSim(options: RegistrySimOptions = {}): Promise<RunningRegistrySim> {
  return tracked(async () => {
    const sim = await startRegistrySim({ seed: 1, persons: 2_000, grpcBasePort: 0, controlPort: 0, logger: pino({ level: 'silent' }), ...options });
    onCleanup('registry simulator', () => sim.stop(), ORDER.sim);
    return sim;
  });
}

/** MOTLAN_ADAPTERS naming each of the simulator's registries. */
export function simAdapters(sim: RunningRegistrySim): string {
  return Object.entries(sim.endpoints)
    .map(([registry, endpoint]) => `${registry}=${endpoint}`)
    .join(',');
}

export interface StartedGateway {
  app: NestFastifyApplication;
  /** http://127.0.0.1:<port> */
  base: string;
  /** Closes the gateway now (after its dossier sync has started); safe to call twice. `app.close()` does the same. */
  close(): Promise<void>;
}

async function closeGateway(app: NestFastifyApplication, close: () => Promise<void>): Promise<void> {
  let sync: SyncLifecycle | undefined;
  try {
    sync = app.get(SyncLifecycle);
  } catch {
    sync = undefined;
  }
  if (sync) {
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([sync.whenStarted().catch(() => undefined), new Promise((resolve) => (timer = setTimeout(resolve, SYNC_START_WAIT_MS)))]);
    clearTimeout(timer);
  }
  await close();
}

export interface GatewayStartOptions {
  /** Default pino at E2E_LOG (silent). */
  logger?: Logger;
  /** Changes to the loaded configuration that no setting expresses (a test clock, say). */
  configure?: (config: GatewayConfig) => void;
}

/** A gateway in this process over `env` (PORT=0 unless given), listening on 127.0.0.1, closed at cleanup at the latest. */
export async function startGateway(env: Record<string, string>, options: GatewayStartOptions = {}): Promise<StartedGateway> {
  const config = loadGatewayConfig({ PORT: '0', ...env });
  options.configure?.(config);
  return tracked(async () => {
    const { app } = await createGatewayApp(config, options.logger ?? pino({ level: process.env.E2E_LOG ?? 'silent' }));
    const closeApp = app.close.bind(app);
    const close = onCleanup('gateway', () => closeGateway(app, closeApp), ORDER.gateway);
    // A suite closing the application itself (to restart it, say) goes through the same once-only close.
    app.close = close;
    await app.listen(0, '127.0.0.1');
    return { app, base: await app.getUrl(), close };
  });
}

/** The built gateway as an OS process (see gateway-process.ts): stopped at cleanup, and killed if the Jest process ends first. */
export async function startGatewayChild(env: Record<string, string>, port?: number): Promise<GatewayProcess> {
  return tracked(async () => {
    const child = await startGatewayProcess(env, port);
    const { release } = killWhenJestEnds(child.process);
    onCleanup(
      'gateway process',
      async () => {
        await child.stop();
        release();
      },
      ORDER.process,
    );
    return child;
  });
}

export interface E2eStackOptions {
  /**
   * Simulator options over the e2e defaults (seed 1, 2,000 persons), or a function giving them when
   * the start hook runs (after files they name exist); false: no simulator (MOTLAN_ADAPTERS=none unless env says).
   */
  sim?: RegistrySimOptions | (() => RegistrySimOptions) | false;
  /** Gateway settings over MOTLAN_DATA_DIR, PORT=0 and MOTLAN_ADAPTERS (the simulator's); a function sees the data dir and simulator. */
  env?: Record<string, string> | ((context: { dataDir: string; sim: RunningRegistrySim | undefined }) => Record<string, string>);
  /** The gateway's logger (default pino at E2E_LOG, silent). */
  logger?: () => Logger;
  /** Changes to the gateway's loaded configuration that no setting expresses. */
  configure?: (config: GatewayConfig) => void;
  /** false: start no gateway (the suite starts its own through startGateway/startGatewayChild). */
  gateway?: boolean;
  /** mkdtemp prefix of the data directory. */
  dataDirPrefix?: string;
  /** Before the gateway starts (keys exist by then): files the gateway must find, etc. */
  beforeGateway?: (stack: E2eStack) => Promise<void> | void;
  /** Timeout of the start hook (default 120 s: a large simulator takes a while on a loaded machine). */
  timeoutMs?: number;
}

export interface E2eStack {
  readonly dataDir: string;
  /** The simulator (throws when the stack has none). */
  readonly sim: RunningRegistrySim;
  readonly controlUrl: string;
  /** MOTLAN_ADAPTERS for the simulator's registries. */
  readonly adapters: string;
  /** The gateway's application (throws when the stack started none). */
  readonly app: NestFastifyApplication;
  /** The gateway's base URL. */
  readonly base: string;
  readonly clients: DevTokenIssuer;
  readonly citizens: DevCitizenTokenIssuer;
  /** A client token from the data directory's dev issuer. */
  token(request: DevTokenRequest): Promise<string>;
  /** A citizen token from the data directory's dev citizen issuer. */
  citizenToken(request: DevCitizenTokenRequest): Promise<string>;
  /** The gateway settings this stack started with, plus `extra`: for a second gateway over the same data. */
  gatewayEnv(extra?: Record<string, string>): Record<string, string>;
  /** Closes the gateway now (e.g. to restart it over the same data with restartGateway). */
  closeGateway(): Promise<void>;
  /** Starts the stack's gateway again (after closeGateway) with `extra` settings over its own; base may change. */
  restartGateway(extra?: Record<string, string>): Promise<StartedGateway>;
  /** Stops everything the file started through the harness; also runs by itself in afterAll. */
  stop(): Promise<void>;
}

/**
 * Starts a simulator and a gateway for the test file in a beforeAll (fields readable from then on)
 * and stops them in afterAll, whatever happened in between.
 */
export function e2eStack(options: E2eStackOptions = {}): E2eStack {
  let dataDir: string | undefined;
  let sim: RunningRegistrySim | undefined;
  let gateway: StartedGateway | undefined;
  let env: Record<string, string> | undefined;
  let clients: DevTokenIssuer | undefined;
  let citizens: DevCitizenTokenIssuer | undefined;
  const need = <T>(value: T | undefined, what: string): T => {
    if (value === undefined) throw new Error(`e2e stack: no ${what} (not started yet, or not asked for)`);
    return value;
  };

  const stack: E2eStack = {
    get dataDir() {
      return need(dataDir, 'data directory');
    },
    get sim() {
      return need(sim, 'simulator');
    },
    get controlUrl() {
      return need(sim, 'simulator').controlUrl;
    },
    get adapters() {
      return simAdapters(need(sim, 'simulator'));
    },
    get app() {
      return need(gateway, 'gateway').app;
    },
    get base() {
      return need(gateway, 'gateway').base;
    },
    get clients() {
      return need(clients, 'token issuer');
    },
    get citizens() {
      return need(citizens, 'citizen token issuer');
    },
    token: (request) => stack.clients.issue(request),
    citizenToken: (request) => stack.citizens.issue(request),
    gatewayEnv: (extra = {}) => ({ ...need(env, 'gateway settings'), ...extra }),
    closeGateway: async () => {
      await gateway?.close();
    },
    restartGateway: async (extra = {}) => {
      await gateway?.close();
      gateway = await startGateway(stack.gatewayEnv(extra), { logger: options.logger?.(), configure: options.configure });
      return gateway;
    },
    stop: () => stopAll(),
  };

  beforeAll(async () => {
    dataDir = privateDataDir(options.dataDirPrefix);
    clients = new DevTokenIssuer({ dataDir });
    citizens = new DevCitizenTokenIssuer({ dataDir });
    // The gateway reads the dev issuers' keys at start.
    await clients.ensureKeys();
    await citizens.ensureKeys();
    if (options.sim !== false) sim = await startSim(typeof options.sim === 'function' ? options.sim() : (options.sim ?? {}));
    const given = typeof options.env === 'function' ? options.env({ dataDir, sim }) : (options.env ?? {});
    env = { MOTLAN_DATA_DIR: dataDir, MOTLAN_ADAPTERS: sim ? simAdapters(sim) : 'none', ...given };
    await options.beforeGateway?.(stack);
    if (options.gateway !== false) gateway = await startGateway(env, { logger: options.logger?.(), configure: options.configure });
  }, options.timeoutMs ?? 120_000);

  return stack;
}
