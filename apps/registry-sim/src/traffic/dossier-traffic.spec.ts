/**
 * The commune traffic generator against a tiny local HTTP server standing in for the gateway: real
 * fetch, real requests, recorded and checked the way the gateway would read them.
 */
import { afterEach, describe, expect, it } from '@jest/globals';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { pino } from 'pino';
import { VnAdminDirectory } from '@motlan/vn-admin/vn-admin-directory.js';
import { InvalidRequestError } from '../registries/sim-errors.js';
import { DossierTraffic, MAX_ATTEMPTS, validateDossierTraffic, type DossierTrafficOptions } from './dossier-traffic.js';
import { dossierId, dueDate, isoVn, PROCEDURES, statusWalk } from './dossier-walk.js';

const directory = VnAdminDirectory.load({ env: {} });
const silent = pino({ level: 'silent' });
const TOKEN = 'test-token.not-a-real-jwt';

interface Recorded {
  method: string;
  path: string;
  authorization: string | undefined;
  contentType: string | undefined;
  requestId: string | undefined;
  body: Record<string, unknown>;
}

/** A stand-in gateway that records every request and answers what `answer` says (202 by default). */
async function fakeGateway(
  answer: (request: Recorded, attempt: number) => number = () => 202,
): Promise<{ url: string; requests: Recorded[]; stop(): Promise<void> }> {
  const requests: Recorded[] = [];
  const attempts = new Map<string, number>();
  const server: Server = createServer((req: IncomingMessage, res: ServerResponse) => {
    let text = '';
    req.setEncoding('utf8');
    req.on('data', (chunk: string) => (text += chunk));
    req.on('end', () => {
      const recorded: Recorded = {
        method: req.method ?? '',
        path: req.url ?? '',
        authorization: req.headers.authorization,
        contentType: req.headers['content-type'],
        requestId: req.headers['x-request-id'] as string | undefined,
        body: JSON.parse(text) as Record<string, unknown>,
      };
      requests.push(recorded);
      const key = `${recorded.path}#${String(recorded.body.sequence)}`;
      const attempt = (attempts.get(key) ?? 0) + 1;
      attempts.set(key, attempt);
      const status = answer(recorded, attempt);
      res.writeHead(status, { 'content-type': 'application/json' }).end(status === 202 ? '{"accepted":true}' : '{"code":"nope"}');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    stop: () =>
      new Promise((resolve) => {
        server.close(() => resolve());
        // fetch keeps connections alive: close would wait for them.
        server.closeAllConnections();
      }),
  };
}

const running: { stop(): Promise<void> }[] = [];
afterEach(async () => {
  await Promise.all(running.splice(0).map((r) => r.stop()));
});

function traffic(options: Partial<DossierTrafficOptions> & { gatewayUrl: string }, seed = 1): DossierTraffic {
  const generator = new DossierTraffic({ token: TOKEN, perSecond: 40, stepMs: 10, communes: 3, ...options }, directory, seed, silent);
  running.push(generator);
  return generator;
}

async function until(condition: () => boolean, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

const ISO_VN = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\+07:00$/;
const PROCEDURE_CODES = PROCEDURES.map(([p]) => p.code);

describe('DossierTraffic', () => {
  it('walks dossiers of a few official communes through their statuses, as commune systems send them', async () => {
    const gateway = await fakeGateway();
    running.push(gateway);
    const generator = traffic({ gatewayUrl: gateway.url + '/' });
    generator.start();
    await until(() => generator.stats().dossiers.completed >= 8);
    await generator.stop();

    const { communes } = generator.stats();
    expect(communes).toHaveLength(3);
    for (const code of communes) expect(directory.commune(code)).toBeDefined();

    const byDossier = new Map<string, Recorded[]>();
    for (const request of gateway.requests) {
      expect(request.method).toBe('PUT');
      expect(request.authorization).toBe(`Bearer ${TOKEN}`);
      expect(request.contentType).toBe('application/json');
      expect(request.requestId).toMatch(/^[0-9a-f-]{36}$/);
      const match = /^\/v1\/dossiers\/([^/]+)\/status$/.exec(request.path);
      expect(match).not.toBeNull();
      const id = decodeURIComponent(match![1]);
      byDossier.set(id, [...(byDossier.get(id) ?? []), request]);
    }
    const completed = [...byDossier.values()].filter((requests) => requests.at(-1)!.body.status === 10);
    expect(completed.length).toBeGreaterThanOrEqual(8);
    for (const [id, requests] of byDossier) {
      const first = requests[0].body;
      const commune = directory.commune(first.communeCode as string)!;
      expect(communes).toContain(commune.code);
      expect(id).toMatch(new RegExp(`^H${commune.provinceCode}\\.\\d{2}-\\d{6}-\\d{6}$`));
      expect(PROCEDURE_CODES).toContain(first.procedureCode);
      expect(first.receivedAt).toMatch(ISO_VN);
      expect(first.dueAt).toMatch(ISO_VN);
      expect(Date.parse(first.dueAt as string)).toBeGreaterThan(Date.parse(first.receivedAt as string));
      // The dossier's date in its id is the day it was received, in Viet Nam.
      expect(id.slice(7, 13)).toBe((first.receivedAt as string).slice(2, 10).replaceAll('-', ''));
      expect(requests.map((r) => r.body.sequence)).toEqual(requests.map((_, i) => i + 1));
      for (const { body } of requests) {
        expect(body).toMatchObject({
          procedureCode: first.procedureCode,
          communeCode: first.communeCode,
          subjectType: 'citizen',
          receivedAt: first.receivedAt,
          dueAt: first.dueAt,
        });
        expect('resultDocuments' in body).toBe(body.status === 10);
      }
      // Dossiers still under way when the generator stopped have sent the start of a walk.
      const walk = requests.map((r) => r.body.status);
      const startsLike = (full: number[]): boolean => walk.every((s, i) => s === full[i]);
      expect({ id, walk, valid: startsLike(statusWalk(false)) || startsLike(statusWalk(true)) }).toEqual({ id, walk, valid: true });
    }
    for (const requests of completed) {
      const last = requests.at(-1)!.body;
      const procedure = PROCEDURES.map(([p]) => p).find((p) => p.code === last.procedureCode)!;
      // An electronic result links to its copy; a paper one is only named.
      const url = last.resultForm === 'electronic' ? { url: expect.stringMatching(/^https:\/\/dichvucong\.gov\.vn\/ket-qua\/H\d{2}\..+\/KQ01$/) } : {};
      expect(last.resultDocuments).toEqual([{ code: 'KQ01', name: procedure.result.name, ...url }]);
    }

    const stats = generator.stats();
    // A request aborted by stop() may have reached the gateway before the abort: withdrawn, not sent.
    expect(stats).toMatchObject({ gatewayUrl: gateway.url, perSecond: 40, accepted: stats.sent, failed: 0, failedByStatus: {} });
    expect(gateway.requests.length).toBeGreaterThanOrEqual(stats.sent);
    expect(gateway.requests.length).toBeLessThanOrEqual(stats.sent + stats.withdrawn);
    // Every dossier is started and first sent in the same tick; a first request aborted by stop()
    // (withdrawn) may not have reached the gateway, so those dossiers may be missing there.
    expect(byDossier.size).toBeLessThanOrEqual(stats.dossiers.started);
    expect(byDossier.size).toBeGreaterThanOrEqual(stats.dossiers.started - stats.withdrawn);
    // A last status (10) withdrawn by stop() may have reached the gateway without its 202 reaching
    // the generator: complete at the gateway, not counted as completed (seen: 13 at the gateway, 9 counted).
    expect(completed.length).toBeGreaterThanOrEqual(stats.dossiers.completed);
    expect(completed.length).toBeLessThanOrEqual(stats.dossiers.completed + stats.withdrawn);
  });

  it('picks the same communes for the same seed', () => {
    const url = 'http://127.0.0.1:9';
    expect(traffic({ gatewayUrl: url, communes: 5 }, 7).stats().communes).toEqual(traffic({ gatewayUrl: url, communes: 5 }, 7).stats().communes);
    expect(traffic({ gatewayUrl: url, communes: 5 }, 7).stats().communes).not.toEqual(traffic({ gatewayUrl: url, communes: 5 }, 8).stats().communes);
  });

  it('sends the same status again after a failure, counting failures by status code', async () => {
    // Each status fails once with 503, then is accepted.
    const gateway = await fakeGateway((_request, attempt) => (attempt === 1 ? 503 : 202));
    running.push(gateway);
    const generator = traffic({ gatewayUrl: gateway.url });
    generator.start();
    await until(() => generator.stats().dossiers.completed >= 2);
    await generator.stop();
    const stats = generator.stats();
    expect(stats.failedByStatus).toEqual({ '503': stats.failed });
    expect(stats.accepted + stats.failed).toBe(stats.sent);
    expect(stats.dossiers.abandoned).toBe(0);
    const first = gateway.requests[0];
    const again = gateway.requests.filter((r) => r.path === first.path);
    expect(again.slice(0, 2).map((r) => r.body.sequence)).toEqual([1, 1]);
    expect(again[1].body).toEqual(first.body);
  });

  it(`gives a dossier up when the gateway refuses it (4xx) or fails ${MAX_ATTEMPTS} times in a row`, async () => {
    const refusing = await fakeGateway(() => 401);
    running.push(refusing);
    const refused = traffic({ gatewayUrl: refusing.url, perSecond: 20 });
    refused.start();
    await until(() => refused.stats().dossiers.abandoned >= 3);
    await refused.stop();
    expect(refused.stats().failedByStatus).toEqual({ '401': refused.stats().sent });
    // Each dossier was sent once: a refused status is not sent again.
    expect(new Set(refusing.requests.map((r) => r.path)).size).toBe(refusing.requests.length);

    const failing = await fakeGateway(() => 500);
    running.push(failing);
    const failed = traffic({ gatewayUrl: failing.url, perSecond: 5 });
    failed.start();
    await until(() => failed.stats().dossiers.abandoned >= 1);
    await failed.stop();
    const firstPath = failing.requests[0].path;
    expect(failing.requests.filter((r) => r.path === firstPath)).toHaveLength(MAX_ATTEMPTS);
  });

  it('counts a gateway that cannot be reached as "network"', async () => {
    const gone = await fakeGateway();
    await gone.stop();
    const generator = traffic({ gatewayUrl: gone.url, perSecond: 20 });
    generator.start();
    await until(() => generator.stats().failed >= 3);
    await generator.stop();
    expect(Object.keys(generator.stats().failedByStatus)).toEqual(['network']);
    expect(generator.stats().accepted).toBe(0);
  });

  it('sends nothing at rate 0 and starts when the rate is raised', async () => {
    const gateway = await fakeGateway();
    running.push(gateway);
    const generator = traffic({ gatewayUrl: gateway.url, perSecond: 0 });
    generator.start();
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(gateway.requests).toHaveLength(0);
    expect(generator.setRate(50)).toBe(50);
    await until(() => gateway.requests.length >= 5);
    generator.setRate(0);
    const started = generator.stats().dossiers.started;
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(generator.stats().dossiers.started).toBe(started);
    expect(() => generator.setRate(101)).toThrow(/perSecond must be a number from 0 to 100/);
    expect(() => generator.setRate('fast')).toThrow(InvalidRequestError);
  });

  it.each([
    [{ gatewayUrl: 'ftp://gateway' }, /gatewayUrl must be an http\(s\) URL/],
    [{ gatewayUrl: 'http://gateway?x=1' }, /gatewayUrl must be an http\(s\) URL/],
    [{ token: ' ' }, /token is required/],
    [{ perSecond: -1 }, /perSecond must be a number from 0 to 100/],
    [{ communes: 0 }, /communes must be a positive integer/],
    [{ stepMs: 0.5 }, /stepMs must be an integer from 1 to 600000/],
  ])('refuses options %j', (change, message) => {
    const options = { gatewayUrl: 'http://127.0.0.1:3000', token: TOKEN, perSecond: 1, ...change };
    expect(() => validateDossierTraffic(options)).toThrow(InvalidRequestError);
    expect(() => validateDossierTraffic(options)).toThrow(message);
  });
});

describe('dossier walk', () => {
  it('goes received, in process, (supplement requested, in process,) processed, result returned', () => {
    expect(statusWalk(false)).toEqual([2, 4, 9, 10]);
    expect(statusWalk(true)).toEqual([2, 4, 5, 4, 9, 10]);
  });

  it('writes dates in ISO 8601 at +07:00 and ids like H01.01-241123-000123', () => {
    const at = new Date('2024-11-23T02:15:00Z');
    expect(isoVn(at)).toBe('2024-11-23T09:15:00+07:00');
    expect(isoVn(new Date('2024-11-23T20:00:00Z'))).toBe('2024-11-24T03:00:00+07:00');
    expect(dossierId('01', 1, at, 123)).toBe('H01.01-241123-000123');
    // 23:30 UTC is already the next day in Viet Nam.
    expect(dossierId('79', 42, new Date('2024-11-23T23:30:00Z'), 7)).toBe('H79.42-241124-000007');
  });

  it('sets the due date to 17:00 on the n-th working day after receipt', () => {
    // Monday 23 November 2026, 09:15 in Viet Nam.
    const monday = new Date('2026-11-23T02:15:00Z');
    expect(isoVn(dueDate(monday, 1))).toBe('2026-11-24T17:00:00+07:00');
    expect(isoVn(dueDate(monday, 5))).toBe('2026-11-30T17:00:00+07:00');
    // Friday evening in Viet Nam (still Friday morning UTC): Monday is the first working day after it.
    const friday = new Date('2026-11-27T12:00:00Z');
    expect(isoVn(dueDate(friday, 1))).toBe('2026-11-30T17:00:00+07:00');
  });
});
