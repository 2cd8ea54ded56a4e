// `npm run start:roles`: the production profile split by process roles on one machine, against the
// Redis and Kafka of `npm run services` (export the REDIS_URL and KAFKA_BROKERS lines it prints):
// the registry simulator, two `api` gateways (PORT_BASE, PORT_BASE+1; default 3000, 3001) and one
// `worker` gateway (PORT_BASE+2). Logs go to <data dir>/logs/<process>.log; Ctrl-C stops them all.
// Needs the build (`npm run start:roles` builds first). See docs/process-roles.md.
import { spawn } from 'node:child_process';
import { createWriteStream, mkdirSync } from 'node:fs';
import path from 'node:path';
import { repoRoot } from './kafka-dev/kafka-dev.mjs';

if (!(process.env.REDIS_URL || process.env.REDIS_SENTINELS) || !process.env.KAFKA_BROKERS) {
  process.stderr.write(
    'start:roles: REDIS_URL (or REDIS_SENTINELS) and KAFKA_BROKERS must be set (start them with `npm run services` and export the two lines it prints)\n',
  );
  process.exit(1);
}
const dist = path.join(repoRoot, 'dist');
const { resolveDataDir } = await import(path.join(dist, 'libs', 'auth', 'data-dir.js'));
const { DevTokenIssuer } = await import(path.join(dist, 'libs', 'auth', 'dev-token-issuer.js'));
const { DevCitizenTokenIssuer } = await import(path.join(dist, 'libs', 'auth', 'citizen-token.js'));

const base = { ...process.env };
base.MOTLAN_DATA_DIR = resolveDataDir(base);
const logDir = path.join(base.MOTLAN_DATA_DIR, 'logs');
mkdirSync(logDir, { recursive: true });
// The development issuers' keys must exist before the gateways load their key sets.
await new DevTokenIssuer({ dataDir: base.MOTLAN_DATA_DIR }).ensureKeys();
await new DevCitizenTokenIssuer({ dataDir: base.MOTLAN_DATA_DIR }).ensureKeys();

const portBase = Number(base.PORT_BASE ?? 3000);
const simPort = base.SIM_PORT ?? '3100';
const processes = [
  { name: 'registry-sim', main: 'registry-sim', env: { SIM_PORT: simPort }, probe: `http://127.0.0.1:${simPort}/sim/health` },
  ...[
    ['api-1', 'api', portBase],
    ['api-2', 'api', portBase + 1],
    ['worker-1', 'worker', portBase + 2],
  ].map(([name, roles, port]) => ({
    name,
    main: 'gateway',
    env: { MOTLAN_ROLES: roles, PORT: String(port), MOTLAN_INSTANCE_ID: name },
    probe: `http://127.0.0.1:${port}/health/live`,
  })),
];

const children = [];
let stopping = false;
const stop = (code) => {
  if (stopping) return;
  stopping = true;
  for (const child of children) child.kill('SIGTERM');
  setTimeout(() => process.exit(code), 15_000).unref();
  Promise.all(children.map((c) => new Promise((resolve) => (c.exitCode !== null ? resolve() : c.once('exit', resolve))))).then(() => process.exit(code));
};
process.on('SIGINT', () => stop(0));
process.on('SIGTERM', () => stop(0));

for (const p of processes) {
  const out = createWriteStream(path.join(logDir, `${p.name}.log`), { flags: 'a' });
  const child = spawn(process.execPath, [path.join(dist, 'apps', p.main, 'src', 'main.js')], { env: { ...base, ...p.env }, stdio: ['ignore', 'pipe', 'pipe'] });
  child.stdout.pipe(out);
  child.stderr.pipe(out);
  child.once('exit', (code) => {
    if (!stopping) {
      process.stderr.write(`start:roles: ${p.name} exited with ${code}; see ${path.join(logDir, `${p.name}.log`)}. Stopping the others.\n`);
      stop(1);
    }
  });
  children.push(child);
  // One after the other, as `npm start` does: the gateways describe the simulator's adapters at start.
  for (
    let waited = 0;
    !(await fetch(p.probe).then(
      (r) => r.ok,
      () => false,
    ));
    waited += 250
  ) {
    if (stopping) break;
    if (waited > 120_000) {
      process.stderr.write(`start:roles: ${p.name} did not answer ${p.probe} within 2 minutes\n`);
      stop(1);
      break;
    }
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
  if (!stopping) process.stderr.write(`start:roles: ${p.name} answers (${p.probe.replace(/\/(sim|health)\/.*$/, '')})\n`);
}
if (!stopping) {
  process.stdout.write(
    [
      '',
      `Motlan split by roles (production profile; logs in ${logDir}):`,
      `  api      http://127.0.0.1:${portBase}  http://127.0.0.1:${portBase + 1}   (API, /docs, /ops)`,
      `  worker   http://127.0.0.1:${portBase + 2}   (/health/live, /health/ready, /metrics only)`,
      `  sim      http://127.0.0.1:${simPort}/sim/registries`,
      'Ctrl-C stops them all.',
      '',
    ].join('\n'),
  );
}
