/**
 * `npm start`: the embedded profile in one command. Starts the registry simulator and the gateway
 * as two processes (as they would run in production), waits until both answer, then prints where
 * they listen, how to get a token and a ready-to-run request. Logs go to <data dir>/logs/.
 * With REDIS_URL and KAFKA_BROKERS set, the same command runs the production profile.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createWriteStream, mkdirSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { resolveDataDir } from '@motlan/auth/data-dir.js';
import { DevCitizenTokenIssuer } from '@motlan/auth/citizen-token.js';
import { DevTokenIssuer } from '@motlan/auth/dev-token-issuer.js';

const here = path.dirname(fileURLToPath(import.meta.url));
const distApps = path.resolve(here, '..', '..');

interface Child {
  name: string;
  process: ChildProcess;
}

const children: Child[] = [];
let stopping = false;

async function main(): Promise<void> {
  const env = { ...process.env };
  const dataDir = resolveDataDir(env);
  env.MOTLAN_DATA_DIR = dataDir;
  const gatewayPort = env.PORT ?? '3000';
  const simPort = env.SIM_PORT ?? '3100';
  const grpcBase = env.SIM_GRPC_BASE_PORT ?? '50051';
  env.PORT = gatewayPort;
  env.SIM_PORT = simPort;
  env.SIM_GRPC_BASE_PORT = grpcBase;
  const logDir = path.join(dataDir, 'logs');
  mkdirSync(logDir, { recursive: true });
  // Redis either as one URL or through Sentinel (REDIS_SENTINELS): the gateway's config decides which.
  const profile = (env.REDIS_URL || env.REDIS_SENTINELS) && env.KAFKA_BROKERS ? 'production' : 'embedded';

  // The development issuer's key must exist before the gateway loads its key set.
  const issuer = new DevTokenIssuer({ dataDir });
  await issuer.ensureKeys();
  // Likewise the dev citizen issuer's (the national e-identity's stand-in) for GET /v1/me/access-log.
  await new DevCitizenTokenIssuer({ dataDir }).ensureKeys();
  // The simulator plays the commune one-stop systems too: it reports dossier statuses to the
  // gateway (idle until the gateway answers; the rate is set below), so /ops shows sync moving.
  // Ten a second: every one of the 3,321 communes has reported within about five minutes, so the
  // service map is not all SILENT for the first hour of a demo (about 42 statuses a second).
  const trafficRate = Number(env.SIM_DOSSIERS_PER_SECOND ?? '10');
  // The simulated commune systems share one client id: lift its rate limit (50/s by default) unless set.
  env.MOTLAN_RATE_LIMIT_OVERRIDES ??= 'sim-commune-systems=unlimited';
  env.SIM_GATEWAY_URL = `http://127.0.0.1:${gatewayPort}`;
  env.SIM_GATEWAY_TOKEN = await issuer.issue({ sub: 'sim-commune-systems', scope: 'dossiers:write', ttlSec: 86_400 });
  env.SIM_DOSSIERS_PER_SECOND = '0';
  const opsToken = await issuer.issue({ sub: 'duty-officer', scope: 'ops:read adapters:read', ttlSec: 86_400 });

  log(`profile: ${profile}; data directory: ${dataDir}; logs: ${logDir}`);
  start('registry-sim', path.join(distApps, 'registry-sim', 'src', 'main.js'), env, logDir);
  const simUrl = `http://127.0.0.1:${simPort}`;
  await waitFor(`${simUrl}/sim/health`, 'registry-sim');
  start('gateway', path.join(distApps, 'gateway', 'src', 'main.js'), env, logDir);
  const gatewayUrl = `http://127.0.0.1:${gatewayPort}`;
  await waitFor(`${gatewayUrl}/health/live`, 'gateway');

  if (Number.isFinite(trafficRate) && trafficRate > 0) {
    await fetch(`${simUrl}/sim/traffic`, {
      method: 'PUT',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ perSecond: trafficRate }),
    }).catch(() => undefined);
  }
  const sample = await firstSample(simUrl);
  const scopes = 'population:read residence:read land:read business:read civil-status:read judicial-records:read';
  process.stdout.write(
    [
      '',
      `Motlan is running (${profile} profile).`,
      `  gateway         ${gatewayUrl}   (API docs ${gatewayUrl}/docs, OpenAPI ${gatewayUrl}/openapi.json, keys ${gatewayUrl}/.well-known/jwks.json)`,
      `  registry-sim    ${simUrl}/sim/registries   (gRPC adapters on ports ${grpcBase}-${Number(grpcBase) + 4} and judicial records on ${Number(grpcBase) + 6}, national portal on ${env.SIM_PORTAL_PORT ?? Number(grpcBase) + 5})`,
      `  operations      ${gatewayUrl}/ops#token=${opsToken}`,
      `                  (dossier sync: the simulator sends ${trafficRate > 0 ? `${trafficRate} new dossier(s) per second` : 'no dossiers (SIM_DOSSIERS_PER_SECOND=0)'}; ${simUrl}/sim/portal shows what the portal received)`,
      '',
      'Get a token (in another terminal, same directory):',
      `  TOKEN=$(npm run -s token -- --sub commune-00004 --scope "${scopes}")`,
      '',
      'Look up a person:',
      `  curl -s -H "Authorization: Bearer $TOKEN" -H "X-Purpose: 1.004222" -H "X-Officer-Id: officer-001" \\`,
      `    "${gatewayUrl}/v1/registries/population/person/${sample}?fields=fullName,dateOfBirth,permanentAddress"`,
      '',
      'See who looked that person up, as the citizen does (a citizen token of the dev e-identity):',
      `  CITIZEN=$(npm run -s token -- --citizen ${sample})`,
      `  curl -s -H "Authorization: Bearer $CITIZEN" "${gatewayUrl}/v1/me/access-log"`,
      '',
      `More sample ids: curl -s "${simUrl}/sim/samples?registry=population&dataset=person&n=10"`,
      `Procedures (the catalog, see docs/procedures.md): npm run -s motlan -- procedures list`,
      `Adapters (registry operators, see docs/adapters.md): npm run -s motlan -- adapters list${env.SIM_EXTRA_ADAPTERS ? `   (simulator extra adapters to register: ${simUrl}/sim/adapters)` : ''}`,
      'Stop with Ctrl-C.',
      '',
    ].join('\n'),
  );
}

function start(name: string, script: string, env: NodeJS.ProcessEnv, logDir: string): void {
  const out = createWriteStream(path.join(logDir, `${name}.log`), { flags: 'a' });
  const child = spawn(process.execPath, [script], { env, stdio: ['ignore', 'pipe', 'pipe'] });
  child.stdout?.pipe(out);
  // stderr carries start-up failures (bad config): show them, and keep them in the log.
  child.stderr?.on('data', (chunk: Buffer) => {
    out.write(chunk);
    process.stderr.write(`[${name}] ${chunk.toString()}`);
  });
  child.on('exit', (code, signal) => {
    if (stopping) return;
    log(`${name} exited (${signal ?? code}); see ${path.join(logDir, `${name}.log`)}. Stopping.`);
    void shutdown(1);
  });
  children.push({ name, process: child });
}

async function waitFor(url: string, name: string, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (stopping) return;
    try {
      const response = await fetch(url);
      if (response.ok) return;
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  log(`${name} did not become ready within ${timeoutMs / 1000}s at ${url}`);
  await shutdown(1);
}

async function firstSample(simUrl: string): Promise<string> {
  try {
    const response = await fetch(`${simUrl}/sim/samples?registry=population&dataset=person&n=1`);
    const body = (await response.json()) as { samples?: string[] };
    return body.samples?.[0] ?? '<person-id>';
  } catch {
    return '<person-id>';
  }
}

async function shutdown(code: number): Promise<void> {
  if (stopping) return;
  stopping = true;
  for (const child of children) child.process.kill('SIGTERM');
  await Promise.all(children.map((c) => new Promise((r) => (c.process.exitCode !== null ? r(null) : c.process.once('exit', r)))));
  process.exit(code);
}

function log(message: string): void {
  process.stdout.write(`motlan: ${message}\n`);
}

process.on('SIGINT', () => void shutdown(0));
process.on('SIGTERM', () => void shutdown(0));

main().catch((error: unknown) => {
  log(`failed to start: ${(error as Error).message}`);
  void shutdown(1);
});
