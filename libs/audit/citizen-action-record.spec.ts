import { citizenActionRecord } from './citizen-action-record.js';

describe('citizenActionRecord', () => {
  const at = Date.parse('2026-03-01T08:00:00.000Z');

  it('writes what a consent or share names, and the client of a counter request', () => {
    expect(
      citizenActionRecord(at, {
        requestId: 'req-a1',
        subjectId: '001099012345',
        action: 'consent_request',
        objectId: 'ABC-123',
        clientId: 'commune-app',
        scope: { communeCode: '00004', dossierId: 'D-1', validUntil: '2026-04-01T00:00:00.000Z' },
      }),
    ).toEqual({
      type: 'citizen_action',
      time: '2026-03-01T08:00:00.000Z',
      requestId: 'req-a1',
      subjectId: '001099012345',
      action: 'consent_request',
      objectId: 'ABC-123',
      clientId: 'commune-app',
      communeCode: '00004',
      dossierId: 'D-1',
      validUntil: '2026-04-01T00:00:00.000Z',
    });
  });

  it('writes nulls for what an act does not name, and the related id only when there is one', () => {
    const deletion = citizenActionRecord(at, { requestId: 'req-b2', subjectId: '001099012345', action: 'archive_delete', objectId: 'item-1', scope: null });
    expect(deletion).toMatchObject({ clientId: null, communeCode: null, dossierId: null, validUntil: null });
    expect('relatedId' in deletion).toBe(false);
    const share = citizenActionRecord(at, {
      requestId: 'req-c3',
      subjectId: '001099012345',
      action: 'archive_share',
      objectId: 'share-1',
      scope: { communeCode: null, dossierId: null, validUntil: '2026-03-08T08:00:00.000Z' },
      relatedId: 'item-1',
    });
    expect(share).toMatchObject({ clientId: null, communeCode: null, validUntil: '2026-03-08T08:00:00.000Z', relatedId: 'item-1' });
  });
});
