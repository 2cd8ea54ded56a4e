/**
 * Cost of one client token verification (TokenVerifierService.verify), in µs per call, with the
 * issuer's key set already loaded (docs/decisions/0002-jose-jwks-helpers.md). Three figures:
 *
 *  - cached: the same token again and again, answered from the principal cache — what every
 *    lookup with a token seen before pays;
 *  - signature: two tokens alternating through a one-entry principal cache, so every call checks
 *    the signature and resolves the key through the key set — what a token's first use pays;
 *  - jose floor: jose's `jwtVerify` with the public key itself (no key set, no cache, no claims
 *    beyond jose's): the least the signature figure can be.
 *
 * BENCH_BASELINE_MODULE=<compiled token-verifier.service.js> measures that implementation too, in
 * the same process and interleaved round by round, so that "before" and "after" share the machine's
 * load. BENCH_VERIFY_N (default 100,000) calls per figure, BENCH_ROUNDS (default 3) rounds; the
 * median round is reported. Not a test.
 *
 *   tsc -p tsconfig.bench.json && tsc-alias -p tsconfig.bench.json && node dist/test/bench/token-verify.bench.js
 */
import 'reflect-metadata';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { SignJWT, exportJWK, generateKeyPair, jwtVerify } from 'jose';
import { TokenVerifierService, type TokenVerifierOptions } from '@motlan/auth/token-verifier.service.js';

const N = Number(process.env.BENCH_VERIFY_N ?? 100_000);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);
const ISSUER = 'urn:bench:issuer';
const AUDIENCE = 'motlan-gateway';

type Verifier = Pick<TokenVerifierService, 'verify'>;
type VerifierClass = new (options: TokenVerifierOptions) => Verifier;

/** µs per call of `fn`, after a warm-up of a tenth of the calls. */
async function perCallUs(fn: () => Promise<unknown>, n: number): Promise<number> {
  for (let i = 0; i < Math.max(1000, n / 10); i++) await fn();
  const started = performance.now();
  for (let i = 0; i < n; i++) await fn();
  return ((performance.now() - started) * 1000) / n;
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)];
}

async function main(): Promise<void> {
  const dir = await mkdtemp(path.join(tmpdir(), 'motlan-bench-verify-'));
  try {
    const { privateKey, publicKey } = await generateKeyPair('EdDSA');
    const jwksFile = path.join(dir, 'jwks.json');
    await writeFile(jwksFile, JSON.stringify({ keys: [{ ...(await exportJWK(publicKey)), kid: 'bench-1', alg: 'EdDSA', use: 'sig' }] }));
    const now = Math.floor(Date.now() / 1000);
    const sign = (sub: string) =>
      new SignJWT({ scope: 'population:read land:read', commune: '00004', jti: sub })
        .setProtectedHeader({ alg: 'EdDSA', kid: 'bench-1', typ: 'JWT' })
        .setIssuer(ISSUER)
        .setAudience(AUDIENCE)
        .setSubject(sub)
        .setIssuedAt(now)
        .setExpirationTime(now + 3600)
        .sign(privateKey);
    const [a, b] = await Promise.all([sign('client-a'), sign('client-b')]);
    const headerA = `Bearer ${a}`;
    const headerB = `Bearer ${b}`;

    const implementations: Array<[string, VerifierClass]> = [['current', TokenVerifierService]];
    if (process.env.BENCH_BASELINE_MODULE) {
      const baseline = (await import(pathToFileURL(path.resolve(process.env.BENCH_BASELINE_MODULE)).href)) as { TokenVerifierService: VerifierClass };
      implementations.unshift(['baseline', baseline.TokenVerifierService]);
    }
    const options = { issuer: ISSUER, audience: AUDIENCE, jwks: { file: jwksFile } };
    const figures = new Map<string, number[]>();
    const add = (name: string, us: number) => figures.set(name, [...(figures.get(name) ?? []), us]);

    for (let round = 1; round <= ROUNDS; round++) {
      for (const [name, Impl] of implementations) {
        const cached = new Impl(options);
        await cached.verify(headerA);
        add(`${name} cached`, await perCallUs(() => cached.verify(headerA), N));
        const uncached = new Impl({ ...options, cacheSize: 1 });
        let calls = 0;
        add(`${name} signature`, await perCallUs(() => uncached.verify(calls++ % 2 === 0 ? headerA : headerB), N));
      }
      add('jose floor', await perCallUs(() => jwtVerify(a, publicKey, { issuer: ISSUER, audience: AUDIENCE, algorithms: ['EdDSA'] }), N));
      process.stdout.write(`bench token-verify: round ${round}/${ROUNDS} done\n`);
    }
    process.stdout.write(`bench token-verify: node ${process.version}, ${N} calls per figure, median of ${ROUNDS} rounds (all rounds in brackets)\n`);
    for (const [name, values] of figures) {
      process.stdout.write(`  ${name.padEnd(20)} ${median(values).toFixed(2).padStart(8)} µs/call  [${values.map((v) => v.toFixed(2)).join(', ')}]\n`);
    }
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

await main();
