/**
 * GrpcPortalClient against the simulated national portal (apps/registry-sim) over loopback gRPC;
 * answers the simulator never gives (INTERNAL, UNKNOWN, RESOURCE_EXHAUSTED, no result) come from a
 * stub portal in this file.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from '@jest/globals';
import * as grpc from '@grpc/grpc-js';
import { pino } from 'pino';
import { portalContract } from '@motlan/contracts/grpc-contracts.js';
import type { NationalPortalHandlers } from '@motlan/contracts/generated/motlan/portal/v1/NationalPortal.js';
import type { DeliverDossierStatusResponse } from '@motlan/contracts/generated/motlan/portal/v1/DeliverDossierStatusResponse.js';
import type { DeliverDossierStatusRequest__Output } from '@motlan/contracts/generated/motlan/portal/v1/DeliverDossierStatusRequest.js';
import { SimPortal } from '../../apps/registry-sim/src/portal/sim-portal.js';
import { GrpcPortalClient } from './grpc-portal.client.js';
import { PortalUnavailableError, type PortalDossierStatus } from './portal-client.port.js';

/** Reconnects quickly after a restart instead of grpc-js's default backoff of about a second. */
const FAST_RECONNECT: grpc.ChannelOptions = { 'grpc.initial_reconnect_backoff_ms': 50, 'grpc.max_reconnect_backoff_ms': 100 };

let portal: SimPortal;
let client: GrpcPortalClient;

beforeAll(async () => {
  portal = new SimPortal(pino({ level: 'silent' }));
  await portal.listen('127.0.0.1', 0);
  client = new GrpcPortalClient({ endpoint: portal.endpoint, channelOptions: FAST_RECONNECT });
});

afterEach(() => portal.reset());

afterAll(async () => {
  client?.close();
  await portal?.close();
});

function status(overrides: Partial<PortalDossierStatus> = {}): PortalDossierStatus {
  return {
    dossierId: 'H01.01-261123-000123',
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

const keyOf = (s: PortalDossierStatus): string => `${s.dossierId}#${s.sequence}`;

async function unavailable(promise: Promise<unknown>): Promise<PortalUnavailableError> {
  const error = await promise.then(
    () => {
      throw new Error('expected PortalUnavailableError');
    },
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(PortalUnavailableError);
  return error as PortalUnavailableError;
}

describe('GrpcPortalClient against the simulated portal', () => {
  it('delivers a status with its documents, sequence and request id, and maps ACCEPTED then DUPLICATE', async () => {
    const delivered = status({
      status: 10,
      sequence: 4,
      resultDocuments: [{ code: 'KQ01', name: 'Giấy xác nhận thông tin về cư trú', url: 'https://dichvucong.gov.vn/ket-qua/H01/KQ01' }],
    });
    await expect(client.deliver(delivered, keyOf(delivered), 'req-7', 2000)).resolves.toEqual({ result: 'accepted' });
    await expect(client.deliver(delivered, keyOf(delivered), 'req-8', 2000)).resolves.toEqual({ result: 'duplicate' });
    const [recorded] = portal.statusesOf(delivered.dossierId);
    const { recordedAt: _recordedAt, idempotencyKey, requestId, ...fields } = recorded;
    expect({ idempotencyKey, requestId }).toEqual({ idempotencyKey: 'H01.01-261123-000123#4', requestId: 'req-7' });
    expect(fields).toEqual(delivered);
  });

  it("maps REJECTED with the portal's reason", async () => {
    const bad = status({ status: 11 });
    await expect(client.deliver(bad, keyOf(bad), 'req-1', 2000)).resolves.toEqual({ result: 'rejected', reason: 'status must be 1-10, got 11' });
    portal.reject({ procedureCodes: ['1.004222'] });
    const poisoned = status();
    await expect(client.deliver(poisoned, keyOf(poisoned), 'req-2', 2000)).resolves.toEqual({
      result: 'rejected',
      reason: 'procedure 1.004222 is refused by the portal (simulated rejection)',
    });
  });

  it('throws unavailable when the portal is down or fails the call', async () => {
    const s = status();
    portal.setFaults({ down: true });
    const down = await unavailable(client.deliver(s, keyOf(s), 'req-1', 2000));
    expect(down.kind).toBe('unavailable');
    expect(down.message).toBe(`portal ${portal.endpoint}: UNAVAILABLE: portal is down (simulated)`);
    portal.setFaults({ down: false, errorRate: 1 });
    expect((await unavailable(client.deliver(s, keyOf(s), 'req-1', 2000))).kind).toBe('unavailable');
    expect(portal.stats().accepted).toBe(0);
  });

  it('throws timeout when the portal does not answer within the timeout', async () => {
    const s = status();
    portal.setFaults({ latencyMs: 300 });
    const error = await unavailable(client.deliver(s, keyOf(s), 'req-1', 50));
    expect(error.kind).toBe('timeout');
    expect(error.message).toMatch(/DEADLINE_EXCEEDED/);
  });

  it('throws unavailable while the portal is stopped, and delivers again once it is back', async () => {
    const s = status();
    await portal.stop();
    try {
      expect((await unavailable(client.deliver(s, keyOf(s), 'req-1', 2000))).kind).toBe('unavailable');
      await expect(client.health(500)).resolves.toBe('UNKNOWN');
    } finally {
      await portal.start();
    }
    await waitFor(async () => (await client.health(500)) === 'SERVING');
    await expect(client.deliver(s, keyOf(s), 'req-1', 2000)).resolves.toEqual({ result: 'accepted' });
  });

  it('reports health over the same endpoint: SERVING, NOT_SERVING while down', async () => {
    await expect(client.health(1000)).resolves.toBe('SERVING');
    portal.setFaults({ down: true });
    await expect(client.health(1000)).resolves.toBe('NOT_SERVING');
  });
});

describe('GrpcPortalClient against a portal that misbehaves', () => {
  let stub: grpc.Server;
  let stubClient: GrpcPortalClient;
  /** What the stub answers next. */
  let answer: { error: Partial<grpc.StatusObject> | null; value?: DeliverDossierStatusResponse };
  /** The last request as it came off the wire. */
  let received: DeliverDossierStatusRequest__Output | undefined;

  beforeAll(async () => {
    stub = new grpc.Server();
    stub.addService(portalContract().NationalPortal.service, {
      DeliverDossierStatus: (call, callback) => {
        received = call.request;
        callback(answer.error, answer.value);
      },
    } satisfies NationalPortalHandlers);
    const port = await new Promise<number>((resolve, reject) =>
      stub.bindAsync('127.0.0.1:0', grpc.ServerCredentials.createInsecure(), (error, p) => (error ? reject(error) : resolve(p))),
    );
    stubClient = new GrpcPortalClient({ endpoint: `127.0.0.1:${port}` });
  });

  afterAll(() => {
    stubClient?.close();
    stub?.forceShutdown();
  });

  it.each([
    ['INTERNAL', grpc.status.INTERNAL, 'internal'],
    ['UNKNOWN', grpc.status.UNKNOWN, 'internal'],
    ['INVALID_ARGUMENT', grpc.status.INVALID_ARGUMENT, 'internal'],
    ['UNIMPLEMENTED', grpc.status.UNIMPLEMENTED, 'internal'],
    ['RESOURCE_EXHAUSTED', grpc.status.RESOURCE_EXHAUSTED, 'unavailable'],
    ['CANCELLED', grpc.status.CANCELLED, 'unavailable'],
    ['UNAVAILABLE', grpc.status.UNAVAILABLE, 'unavailable'],
  ])('maps %s to %s', async (name, code, kind) => {
    answer = { error: { code, details: 'stub says no' } };
    const s = status();
    const error = await unavailable(stubClient.deliver(s, keyOf(s), 'req-1', 2000));
    expect(error.kind).toBe(kind);
    expect(error.message).toMatch(new RegExp(`${name}: stub says no$`));
  });

  it('treats an answer without a result as internal, never as a rejection', async () => {
    answer = { error: null, value: { result: 'RESULT_UNSPECIFIED', reason: 'whatever' } };
    const s = status();
    const error = await unavailable(stubClient.deliver(s, keyOf(s), 'req-1', 2000));
    expect(error.kind).toBe('internal');
    expect(error.message).toMatch(/without a result \(RESULT_UNSPECIFIED\)/);
  });

  it('gives a reason to a rejection that has none', async () => {
    answer = { error: null, value: { result: 'REJECTED' } };
    const s = status();
    await expect(stubClient.deliver(s, keyOf(s), 'req-1', 2000)).resolves.toEqual({ result: 'rejected', reason: 'rejected by the portal without a reason' });
  });

  it('carries the service-monitoring fields (issue 18) and leaves them empty, with no fee presence, when not said', async () => {
    answer = { error: null, value: { result: 'ACCEPTED' } };
    const full = status({ status: 10, channel: 'online', feesPaidOnline: false, resultForm: 'electronic', reusedComponents: ['TK01', 'CCCD'] });
    await expect(stubClient.deliver(full, keyOf(full), 'req-1', 2000)).resolves.toEqual({ result: 'accepted' });
    expect(received?.status).toMatchObject({ channel: 'online', feesPaidOnline: false, resultForm: 'electronic', reusedComponents: ['TK01', 'CCCD'] });
    const bare = status();
    await stubClient.deliver(bare, keyOf(bare), 'req-2', 2000);
    expect(received?.status).toMatchObject({ channel: '', resultForm: '', reusedComponents: [] });
    // proto3 optional: "not said" stays distinguishable from "not paid online".
    expect(received?.status?.feesPaidOnline).toBeUndefined();
  });

  it('reports UNKNOWN health when the endpoint has no health service', async () => {
    await expect(stubClient.health(1000)).resolves.toBe('UNKNOWN');
  });
});

async function waitFor(condition: () => Promise<boolean>, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}
