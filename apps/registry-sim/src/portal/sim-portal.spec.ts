/**
 * The simulated national portal as the gateway's sync worker meets it: a real grpc-js client over
 * loopback against its NationalPortal and health services, driven through the in-process API.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from '@jest/globals';
import * as grpc from '@grpc/grpc-js';
import { pino } from 'pino';
import { healthContract, portalContract } from '@motlan/contracts/grpc-contracts.js';
import type { NationalPortalClient } from '@motlan/contracts/generated/motlan/portal/v1/NationalPortal.js';
import type { HealthClient } from '@motlan/contracts/generated/grpc/health/v1/Health.js';
import type { DeliverDossierStatusRequest } from '@motlan/contracts/generated/motlan/portal/v1/DeliverDossierStatusRequest.js';
import type { DeliverDossierStatusResponse__Output } from '@motlan/contracts/generated/motlan/portal/v1/DeliverDossierStatusResponse.js';
import type { DossierStatus } from '@motlan/contracts/generated/motlan/portal/v1/DossierStatus.js';
import { InvalidRequestError } from '../registries/sim-errors.js';
import { isPortalDate } from './portal-ledger.js';
import { SimPortal } from './sim-portal.js';

/** Reconnects quickly after a restart instead of grpc-js's default backoff of about a second. */
const FAST_RECONNECT: grpc.ChannelOptions = { 'grpc.initial_reconnect_backoff_ms': 50, 'grpc.max_reconnect_backoff_ms': 100 };

let portal: SimPortal;
let client: NationalPortalClient;
let health: HealthClient;

beforeAll(async () => {
  portal = new SimPortal(pino({ level: 'silent' }));
  await portal.listen('127.0.0.1', 0);
  client = new (portalContract().NationalPortal)(portal.endpoint, grpc.credentials.createInsecure(), FAST_RECONNECT);
  health = new (healthContract().Health)(portal.endpoint, grpc.credentials.createInsecure(), FAST_RECONNECT);
});

afterEach(() => portal.reset());

afterAll(async () => {
  client?.close();
  health?.close();
  await portal?.close();
});

let nextDossier = 1;
/** A fresh dossier id per call, so cases do not meet each other's keys. */
const newDossierId = (): string => `H01.01-261123-${String(nextDossier++).padStart(6, '0')}`;

function status(overrides: Partial<DossierStatus> = {}): DossierStatus {
  return {
    dossierId: 'H01.01-261123-000001',
    procedureCode: '1.004222',
    communeCode: '00004',
    provinceCode: '01',
    status: 2,
    subjectType: 'citizen',
    receivedAt: '20261123091500',
    dueAt: '20261130170000',
    updatedAt: '20261123091500',
    sequence: 1,
    resultDocuments: [],
    ...overrides,
  };
}

/** A well-formed request for `dossierId`'s status number `sequence`. */
function request(dossierId: string, sequence = 1, overrides: Partial<DossierStatus> = {}): DeliverDossierStatusRequest {
  return { idempotencyKey: `${dossierId}#${sequence}`, requestId: `req-${sequence}`, status: status({ dossierId, sequence, ...overrides }) };
}

function deliver(body: DeliverDossierStatusRequest, timeoutMs = 5000): Promise<DeliverDossierStatusResponse__Output> {
  return new Promise((resolve, reject) =>
    client.DeliverDossierStatus(body, { deadline: Date.now() + timeoutMs }, (error, response) => (error ? reject(error) : resolve(response!))),
  );
}

function deliverError(body: DeliverDossierStatusRequest, timeoutMs = 5000): Promise<grpc.ServiceError> {
  return deliver(body, timeoutMs).then(
    (response) => {
      throw new Error(`expected a gRPC error, got ${JSON.stringify(response)}`);
    },
    (error: grpc.ServiceError) => error,
  );
}

function check(service = ''): Promise<string> {
  return new Promise((resolve, reject) =>
    health.Check({ service }, { deadline: Date.now() + 5000 }, (error, response) => (error ? reject(error) : resolve(response!.status))),
  );
}

function ready(c: grpc.Client): Promise<void> {
  return new Promise((resolve, reject) => c.waitForReady(Date.now() + 5000, (error) => (error ? reject(error) : resolve())));
}

describe('accepting statuses', () => {
  it('accepts a well-formed status and keeps it under its dossier, with what was delivered', async () => {
    const id = newDossierId();
    const documents = [{ code: 'KQ01', name: 'Giấy xác nhận thông tin về cư trú', url: 'https://dichvucong.gov.vn/ket-qua/x/KQ01' }];
    await expect(deliver(request(id, 1, { status: 10, resultDocuments: documents }))).resolves.toEqual({ result: 'ACCEPTED', reason: '' });
    const [recorded] = portal.statusesOf(id);
    expect(recorded).toMatchObject({
      idempotencyKey: `${id}#1`,
      requestId: 'req-1',
      dossierId: id,
      procedureCode: '1.004222',
      communeCode: '00004',
      provinceCode: '01',
      status: 10,
      subjectType: 'citizen',
      receivedAt: '20261123091500',
      dueAt: '20261130170000',
      updatedAt: '20261123091500',
      sequence: 1,
      resultDocuments: documents,
    });
    expect(Date.parse(recorded.recordedAt)).not.toBeNaN();
    expect(portal.statusesOf('H01.01-000000-000000')).toEqual([]);
  });

  it("keeps a dossier's statuses in arrival order, even when they arrive out of sequence", async () => {
    const id = newDossierId();
    for (const sequence of [1, 3, 2]) await deliver(request(id, sequence, { status: sequence === 3 ? 9 : 4 }));
    expect(portal.statusesOf(id).map((s) => s.sequence)).toEqual([1, 3, 2]);
  });

  it('answers DUPLICATE to a key it has, keeping the first status and counting it once', async () => {
    const id = newDossierId();
    await expect(deliver(request(id, 1))).resolves.toMatchObject({ result: 'ACCEPTED' });
    await expect(deliver(request(id, 1, { status: 4 }))).resolves.toMatchObject({ result: 'DUPLICATE' });
    await expect(deliver(request(id, 1))).resolves.toMatchObject({ result: 'DUPLICATE' });
    expect(portal.statusesOf(id)).toHaveLength(1);
    expect(portal.statusesOf(id)[0].status).toBe(2);
    expect(portal.stats()).toMatchObject({ accepted: 1, duplicates: 2, rejected: 0, dossiers: 1 });
  });

  it('counts accepted, duplicates and rejected per commune and per province', async () => {
    const a = newDossierId();
    const b = newDossierId();
    await deliver(request(a, 1));
    await deliver(request(a, 1));
    await deliver(request(b, 1, { communeCode: '26734', provinceCode: '79' }));
    await deliver(request(b, 2, { communeCode: '26734', provinceCode: '79', status: 11 }));
    await deliver(request(newDossierId(), 1, { communeCode: '123', provinceCode: '79' }));
    expect(portal.stats()).toEqual({
      accepted: 2,
      duplicates: 1,
      rejected: 2,
      dossiers: 2,
      byCommune: { '00004': { accepted: 1, duplicates: 1, rejected: 0 }, '26734': { accepted: 1, duplicates: 0, rejected: 1 } },
      byProvince: { '01': { accepted: 1, duplicates: 1, rejected: 0 }, '79': { accepted: 1, duplicates: 0, rejected: 2 } },
      recentRejections: [
        { idempotencyKey: `${b}#2`, reason: 'status must be 1-10, got 11' },
        { idempotencyKey: expect.stringMatching(/#1$/), reason: 'commune_code must be 5 digits, got "123"' },
      ],
    });
  });
});

describe('rejecting malformed statuses like a real portal', () => {
  it.each<[string, Partial<DossierStatus> | ((id: string) => DeliverDossierStatusRequest), RegExp]>([
    ['status 0', { status: 0 }, /^status must be 1-10, got 0$/],
    ['status 11', { status: 11 }, /^status must be 1-10/],
    ['a procedure code not N.NNNNNN', { procedureCode: '1004222' }, /^procedure_code must be N\.NNNNNN, got "1004222"$/],
    ['a 4-digit commune', { communeCode: '0004' }, /^commune_code must be 5 digits/],
    ['a 3-digit province', { provinceCode: '001' }, /^province_code must be 2 digits/],
    ['an ISO received_at', { receivedAt: '2026-11-23T09:15:00+07:00' }, /^received_at must be yyyyMMddHHmmss/],
    ['31 November', { receivedAt: '20261131091500' }, /^received_at must be yyyyMMddHHmmss/],
    ['hour 24 in due_at', { dueAt: '20261130240000' }, /^due_at must be yyyyMMddHHmmss or empty/],
    ['no updated_at', { updatedAt: '' }, /^updated_at must be yyyyMMddHHmmss/],
    ['an unknown subject type', { subjectType: 'robot' }, /^subject_type must be citizen or organization/],
    ['sequence 0', { sequence: 0 }, /^sequence must be a positive integer/],
    ['a result document without a name', { resultDocuments: [{ code: 'KQ01', name: '', url: '' }] }, /^result_documents\[0\] needs a code and a name$/],
    ['no dossier id', (id) => ({ idempotencyKey: `${id}#1`, status: status({ dossierId: '' }) }), /^dossier_id must be 1-64 characters$/],
    [
      'a key that is not <dossier_id>#<sequence>',
      (id) => ({ idempotencyKey: `${id}-1`, status: status({ dossierId: id }) }),
      /^idempotency_key must be "<dossier_id>#<sequence>"/,
    ],
    ['no key', (id) => ({ idempotencyKey: '', status: status({ dossierId: id }) }), /^idempotency_key is required$/],
    ['no status', (id) => ({ idempotencyKey: `${id}#1` }), /^status is missing$/],
  ])('rejects %s with a reason, records nothing, and accepts the corrected status under the same key', async (_name, change, reason) => {
    const id = newDossierId();
    const body = typeof change === 'function' ? change(id) : request(id, 1, change);
    const response = await deliver(body);
    expect(response.result).toBe('REJECTED');
    expect(response.reason).toMatch(reason);
    expect(portal.statusesOf(id)).toEqual([]);
    expect(portal.stats()).toMatchObject({ accepted: 0, rejected: 1 });
    await expect(deliver(request(id, 1))).resolves.toMatchObject({ result: 'ACCEPTED' });
  });

  it('accepts an empty due date and an organization', async () => {
    await expect(deliver(request(newDossierId(), 1, { dueAt: '', subjectType: 'organization' }))).resolves.toMatchObject({ result: 'ACCEPTED' });
  });

  it('reads portal dates as calendar times', () => {
    expect(isPortalDate('20280229235959')).toBe(true);
    expect(isPortalDate('20270229000000')).toBe(false);
    expect(isPortalDate('2026112309150')).toBe(false);
  });
});

describe('rejections on demand (poison statuses)', () => {
  it('refuses the dossiers and procedures it is told to until the rules are lifted; a replay then succeeds', async () => {
    const poisoned = newDossierId();
    const other = newDossierId();
    expect(portal.reject({ dossierIds: [poisoned] })).toEqual({ dossierIds: [poisoned], procedureCodes: [] });
    expect(portal.reject({ procedureCodes: ['1.000656'] })).toEqual({ dossierIds: [poisoned], procedureCodes: ['1.000656'] });

    await expect(deliver(request(poisoned, 1))).resolves.toEqual({
      result: 'REJECTED',
      reason: `dossier ${poisoned} is refused by the portal (simulated rejection)`,
    });
    await expect(deliver(request(other, 1, { procedureCode: '1.000656' }))).resolves.toEqual({
      result: 'REJECTED',
      reason: 'procedure 1.000656 is refused by the portal (simulated rejection)',
    });
    await expect(deliver(request(other, 2))).resolves.toMatchObject({ result: 'ACCEPTED' });
    expect(portal.stats().recentRejections.map((r) => r.idempotencyKey)).toEqual([`${poisoned}#1`, `${other}#1`]);

    expect(portal.clearRejections()).toEqual({ dossierIds: [], procedureCodes: [] });
    await expect(deliver(request(poisoned, 1))).resolves.toMatchObject({ result: 'ACCEPTED' });
    await expect(deliver(request(other, 1, { procedureCode: '1.000656' }))).resolves.toMatchObject({ result: 'ACCEPTED' });
    expect(portal.stats()).toMatchObject({ accepted: 3, rejected: 2 });
  });

  it('keeps what it accepted before a rule: the same key again is still a duplicate', async () => {
    const id = newDossierId();
    await deliver(request(id, 1));
    portal.reject({ dossierIds: [id] });
    await expect(deliver(request(id, 1))).resolves.toMatchObject({ result: 'DUPLICATE' });
    await expect(deliver(request(id, 2))).resolves.toMatchObject({ result: 'REJECTED' });
  });

  it('checks the rules it is given', () => {
    expect(() => portal.reject({ dossierIds: 'H01' as unknown as string[] })).toThrow(InvalidRequestError);
    expect(() => portal.reject({ procedureCodes: [''] })).toThrow(/procedureCodes must be a list of non-empty strings/);
    expect(() => portal.reject({ communes: ['00004'] } as never)).toThrow(/communes is not a rejection rule/);
  });
});

describe('faults', () => {
  it('adds latency: a client whose deadline passes sees DEADLINE_EXCEEDED, yet the portal records the status and a retry is a duplicate', async () => {
    const id = newDossierId();
    portal.setFaults({ latencyMs: 300 });
    const error = await deliverError(request(id, 1), 50);
    expect(error.code).toBe(grpc.status.DEADLINE_EXCEEDED);
    expect(portal.statusesOf(id)).toEqual([]);
    await new Promise((resolve) => setTimeout(resolve, 400));
    expect(portal.statusesOf(id)).toHaveLength(1);
    portal.clearFaults();
    await expect(deliver(request(id, 1))).resolves.toMatchObject({ result: 'DUPLICATE' });
  });

  it('fails deliveries at the error rate with UNAVAILABLE, recording nothing', async () => {
    const id = newDossierId();
    portal.setFaults({ errorRate: 1 });
    const error = await deliverError(request(id, 1));
    expect(error.code).toBe(grpc.status.UNAVAILABLE);
    expect(error.details).toBe('portal failed the call (simulated error rate)');
    expect(portal.statusesOf(id)).toEqual([]);
    expect(portal.stats()).toMatchObject({ accepted: 0, duplicates: 0, rejected: 0 });
    await expect(check()).resolves.toBe('SERVING');
  });

  it('goes down: every delivery UNAVAILABLE and health NOT_SERVING, until the faults are cleared', async () => {
    const id = newDossierId();
    expect(portal.setFaults({ down: true })).toEqual({ latencyMs: 0, errorRate: 0, down: true });
    expect(portal.health).toBe('NOT_SERVING');
    const error = await deliverError(request(id, 1));
    expect(error.code).toBe(grpc.status.UNAVAILABLE);
    expect(error.details).toBe('portal is down (simulated)');
    await expect(check()).resolves.toBe('NOT_SERVING');
    await expect(check('motlan.portal.v1.NationalPortal')).resolves.toBe('NOT_SERVING');
    expect(portal.clearFaults()).toEqual({ latencyMs: 0, errorRate: 0, down: false });
    await expect(check()).resolves.toBe('SERVING');
    await expect(deliver(request(id, 1))).resolves.toMatchObject({ result: 'ACCEPTED' });
  });

  it('checks the faults it is given', () => {
    expect(() => portal.setFaults({ errorRate: 2 })).toThrow(/errorRate must be a number from 0 to 1/);
    expect(() => portal.setFaults({ slow: true } as never)).toThrow(InvalidRequestError);
  });

  it('answers health for its own service name only', async () => {
    await expect(check('motlan.portal.v1.NationalPortal')).resolves.toBe('SERVING');
    await expect(check('motlan.adapter.v1.RegistryAdapter')).rejects.toMatchObject({ code: grpc.status.NOT_FOUND });
  });

  it('streams health changes to a watcher', async () => {
    const seen: string[] = [];
    const call = health.Watch({ service: '' });
    call.on('error', () => undefined);
    await new Promise<void>((resolve) =>
      call.on('data', (update: { status: string }) => {
        seen.push(update.status);
        if (seen.length === 1) portal.setFaults({ down: true });
        if (seen.length === 2) portal.clearFaults();
        if (seen.length === 3) resolve();
      }),
    );
    call.cancel();
    expect(seen).toEqual(['SERVING', 'NOT_SERVING', 'SERVING']);
  });
});

describe('stop and start', () => {
  it('stops abruptly: calls in flight fail and are not recorded, new ones are UNAVAILABLE; it comes back on the same port with what it had', async () => {
    const kept = newDossierId();
    const lost = newDossierId();
    await deliver(request(kept, 1));
    const endpoint = portal.endpoint;

    portal.setFaults({ latencyMs: 200 });
    const inFlight = deliverError(request(lost, 1));
    await new Promise((resolve) => setTimeout(resolve, 50));
    await portal.stop();
    expect(portal.running).toBe(false);
    expect(portal.health).toBe('STOPPED');
    expect([grpc.status.CANCELLED, grpc.status.UNAVAILABLE]).toContain((await inFlight).code);
    portal.clearFaults();
    expect((await deliverError(request(lost, 1))).code).toBe(grpc.status.UNAVAILABLE);
    await new Promise((resolve) => setTimeout(resolve, 250));
    expect(portal.statusesOf(lost)).toEqual([]);

    await expect(portal.start()).resolves.toBe(endpoint);
    await expect(portal.start()).resolves.toBe(endpoint);
    expect(portal.running).toBe(true);
    await ready(client);
    await expect(deliver(request(kept, 1))).resolves.toMatchObject({ result: 'DUPLICATE' });
    await expect(deliver(request(lost, 1))).resolves.toMatchObject({ result: 'ACCEPTED' });
  });
});

describe('reset', () => {
  it('forgets what it received, its rules and its faults', async () => {
    const id = newDossierId();
    await deliver(request(id, 1));
    portal.reject({ procedureCodes: ['1.004194'] });
    portal.setFaults({ latencyMs: 5 });
    portal.reset();
    expect(portal.stats()).toEqual({ accepted: 0, duplicates: 0, rejected: 0, dossiers: 0, byCommune: {}, byProvince: {}, recentRejections: [] });
    expect(portal.statusesOf(id)).toEqual([]);
    expect(portal.rejections).toEqual({ dossierIds: [], procedureCodes: [] });
    expect(portal.faults).toEqual({ latencyMs: 0, errorRate: 0, down: false });
    await expect(deliver(request(id, 1))).resolves.toMatchObject({ result: 'ACCEPTED' });
  });
});
