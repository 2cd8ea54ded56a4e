import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { FileEventLog } from '@motlan/event-log/file-event-log.adapter.js';
import type { ProcedureDto } from './procedure-catalog-file.dto.js';
import { ProcedureCatalogLog, ProcedureLogHeaders } from './procedure-catalog-log.js';
import { PurposeCatalog } from './purpose-catalog.js';

const TOPIC = 'motlan.procedures.v1';

function procedure(code: string, fields: string[]): ProcedureDto {
  return { code, name: `Thủ tục ${code}`, access: [{ registry: 'judicial-records', dataset: 'criminal-record', fields }] } as ProcedureDto;
}

const seed = () =>
  PurposeCatalog.parseFile(JSON.stringify({ format: 1, version: 'seed-1', procedures: [procedure('1.000001', ['hasConvictions'])] }), 'seed.json');

describe('ProcedureCatalogLog on the file log', () => {
  let dir: string;
  const logs: FileEventLog[] = [];
  const stores: ProcedureCatalogLog[] = [];

  async function instance(): Promise<{ catalog: PurposeCatalog; store: ProcedureCatalogLog; log: FileEventLog }> {
    const log = new FileEventLog({ dir, partitions: 3, pollMs: 10 });
    const catalog = PurposeCatalog.empty();
    const store = new ProcedureCatalogLog(log, catalog, { topic: TOPIC, applyTimeoutMs: 10_000 });
    await store.start(seed);
    logs.push(log);
    stores.push(store);
    return { catalog, store, log };
  }

  beforeEach(() => {
    dir = mkdtempSync(path.join(tmpdir(), 'motlan-procedure-log-'));
  });

  afterEach(async () => {
    await Promise.all(stores.splice(0).map((s) => s.stop()));
    await Promise.all(logs.splice(0).map((l) => l.close()));
    rmSync(dir, { recursive: true, force: true });
  });

  it('seeds an empty log once, and a second instance reads the seed instead of seeding again', async () => {
    const a = await instance();
    expect(a.catalog.version).toBe('seed-1');
    expect(a.catalog.procedure('1.000001')?.revision).toMatchObject({ version: 1, updatedBy: 'seed' });
    const b = await instance();
    expect(b.catalog.procedures.map((p) => [p.code, p.revision.version])).toEqual([['1.000001', 1]]);
    const ends = await a.log.endOffsets(TOPIC);
    expect(ends.reduce((sum, p) => sum + Number(p.offset), 0)).toBe(1);
  });

  it('gives one winner when two instances change the same version at once, and both end with its content', async () => {
    const a = await instance();
    const b = await instance();
    // Both compute version 2 before either has read the other's change.
    const [fromA, fromB] = await Promise.all([
      a.store.append({ code: '1.000001', procedure: procedure('1.000001', ['convictions']), updatedBy: 'a' }),
      b.store.append({ code: '1.000001', procedure: procedure('1.000001', ['lastUpdatedDate']), updatedBy: 'b' }),
    ]);
    expect([fromA.accepted, fromB.accepted].sort()).toEqual([false, true]);
    const winner = fromA.accepted ? 'a' : 'b';
    const fields = winner === 'a' ? ['convictions'] : ['lastUpdatedDate'];
    for (const { catalog } of [a, b]) expect(catalog.procedure('1.000001')?.revision).toMatchObject({ version: 2, updatedBy: winner });
    expect(b.catalog.procedure('1.000001')?.access[0].fieldList).toEqual(fields);
    // A later reader (as after compaction, which keeps a key's last message) reads the winner too.
    const c = await instance();
    expect(c.catalog.procedure('1.000001')?.revision).toMatchObject({ version: 2, updatedBy: winner });
    expect(c.catalog.procedure('1.000001')?.access[0].fieldList).toEqual(fields);
  });

  it('removes on a tombstone, keeps counting versions after it, and leaves out messages that are not valid procedures', async () => {
    const a = await instance();
    expect(await a.store.append({ code: '1.000001', procedure: null, updatedBy: 'op' })).toMatchObject({ accepted: true, version: 2 });
    expect(a.catalog.procedure('1.000001')).toBeUndefined();
    expect(a.store.liveVersion('1.000001')).toBe(0);
    await a.log.append(TOPIC, [
      { key: '1.000002', value: '{"format":1', headers: { [ProcedureLogHeaders.version]: '1', [ProcedureLogHeaders.changeId]: 'broken-json' } },
      {
        key: '1.000002',
        value: JSON.stringify({
          format: 1,
          version: 1,
          changeId: 'bad-registry',
          updatedAt: new Date().toISOString(),
          updatedBy: 'x',
          procedure: procedure('1.000002', ['f']),
        }).replace('judicial-records', 'Judicial Records'),
        headers: { [ProcedureLogHeaders.version]: '1', [ProcedureLogHeaders.changeId]: 'bad-registry' },
      },
      { key: 'nope', value: null, headers: {} },
    ]);
    expect(await a.store.append({ code: '1.000001', procedure: procedure('1.000001', ['hasConvictions']), updatedBy: 'op' })).toMatchObject({
      accepted: true,
      version: 3,
    });
    expect(a.catalog.procedures.map((p) => [p.code, p.revision.version])).toEqual([['1.000001', 3]]);
    const b = await instance();
    expect(b.catalog.procedures.map((p) => [p.code, p.revision.version])).toEqual([['1.000001', 3]]);
    expect(b.catalog.registries()).toEqual(new Set(['judicial-records']));
  });
});
