import { describe, expect, it } from '@jest/globals';
import { adapterContract, healthContract, portalContract } from './grpc-contracts.js';

describe('gRPC contracts', () => {
  it('load each package once, with the service paths the generated types name', () => {
    expect(portalContract()).toBe(portalContract());
    expect(portalContract().NationalPortal.service.DeliverDossierStatus.path).toBe('/motlan.portal.v1.NationalPortal/DeliverDossierStatus');
    expect(adapterContract().RegistryAdapter.service.Lookup.path).toBe('/motlan.adapter.v1.RegistryAdapter/Lookup');
    expect(healthContract().Health.service.Check.path).toBe('/grpc.health.v1.Health/Check');
  });

  it('decode the portal messages with the proto:gen options: int64 as a string, enums by name, defaults filled', () => {
    const { DeliverDossierStatus } = portalContract().NationalPortal.service;
    const request = DeliverDossierStatus.requestDeserialize(
      DeliverDossierStatus.requestSerialize({ idempotencyKey: 'H01.01-241123-000123#2', status: { dossierId: 'H01.01-241123-000123', sequence: 2 } }),
    );
    expect(request.status?.sequence).toBe('2');
    expect(request.status?.resultDocuments).toEqual([]);
    expect(request.requestId).toBe('');
    const response = DeliverDossierStatus.responseDeserialize(DeliverDossierStatus.responseSerialize({ result: 'DUPLICATE' }));
    expect(response).toEqual({ result: 'DUPLICATE', reason: '' });
  });
});
