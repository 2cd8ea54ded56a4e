import { ForbiddenError, UnavailableError } from '@motlan/errors/domain-error.js';
import type { LogMessage, EventLog } from '@motlan/event-log/event-log.port.js';
import { VnAdminDirectory } from '@motlan/vn-admin/vn-admin-directory.js';
import { DossierBindingUnavailableError, DossierCommuneBindings, type DossierCommuneBinding } from './dossier-commune-bindings.port.js';
import { DossierIntakeService } from './dossier-intake.service.js';
import type { DossierStatusFields } from './dossier-status.js';

const directory = VnAdminDirectory.load();

/** Records the order of binding and appending, so the test can tell which came first. */
class Recorder {
  readonly events: string[] = [];
  readonly log = { append: async (topic: string, messages: LogMessage[]) => void this.events.push(`append ${messages[0].key}`) } as unknown as EventLog;
}

class MapBindings extends DossierCommuneBindings {
  constructor(
    private readonly events: string[],
    private readonly fail = false,
  ) {
    super();
  }
  readonly map = new Map<string, DossierCommuneBinding>();
  async bindIfAbsent(dossierId: string, binding: DossierCommuneBinding): Promise<DossierCommuneBinding> {
    this.events.push(`bind ${dossierId}`);
    if (this.fail) throw new DossierBindingUnavailableError('redis down');
    if (!this.map.has(dossierId)) this.map.set(dossierId, binding);
    return this.map.get(dossierId)!;
  }
  async rebind(): Promise<DossierCommuneBinding | null> {
    return null;
  }
  async get(dossierId: string): Promise<DossierCommuneBinding | null> {
    return this.map.get(dossierId) ?? null;
  }
}

const fields = (communeCode: string, sequence = 1): DossierStatusFields => ({
  procedureCode: '1.004222',
  communeCode,
  status: 2,
  subjectType: 'citizen',
  receivedAt: '2026-12-06T10:00:00+07:00',
  sequence,
});

describe('DossierIntakeService and the dossier → commune binding', () => {
  it('binds before it appends, and refuses (403) a later status naming another commune without appending it', async () => {
    const recorder = new Recorder();
    const intake = new DossierIntakeService(recorder.log, directory, new MapBindings(recorder.events));
    await intake.submit('H01-1', fields('10231'), { clientId: 'commune-10231', communeCode: '10231' }, 'r1');
    expect(recorder.events).toEqual(['bind H01-1', 'append H01-1']);
    await expect(intake.submit('H01-1', fields('00004', 999), { clientId: 'national' }, 'r2')).rejects.toMatchObject({
      status: 403,
      code: 'dossier_commune_mismatch',
    });
    await expect(intake.submit('H01-1', fields('00004', 2), { clientId: 'commune-00004', communeCode: '00004' }, 'r3')).rejects.toBeInstanceOf(ForbiddenError);
    expect(recorder.events.filter((e) => e.startsWith('append'))).toEqual(['append H01-1']);
  });

  it('refuses with 503 dossier_binding_unavailable, appending nothing, when the bindings cannot be written', async () => {
    const recorder = new Recorder();
    const intake = new DossierIntakeService(recorder.log, directory, new MapBindings(recorder.events, true));
    const refusal = intake.submit('H01-1', fields('10231'), { clientId: 'commune-10231', communeCode: '10231' }, 'r1');
    await expect(refusal).rejects.toBeInstanceOf(UnavailableError);
    await expect(refusal).rejects.toMatchObject({ status: 503, code: 'dossier_binding_unavailable' });
    expect(recorder.events).toEqual(['bind H01-1']);
  });
});
