import { mkdtempSync, readFileSync, writeFileSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { DossierBindingUnavailableError, type DossierCommuneBinding } from './dossier-commune-bindings.port.js';
import { embeddedDossierBindingsFile, FileDossierCommuneBindings } from './file-dossier-commune-bindings.adapter.js';

const stores: FileDossierCommuneBindings[] = [];
afterAll(async () => {
  for (const s of stores) await s.close();
});

async function store(file: string): Promise<FileDossierCommuneBindings> {
  const s = new FileDossierCommuneBindings({ file });
  stores.push(s);
  await s.load();
  return s;
}

const binding = (communeCode: string, boundBy = `commune-${communeCode}`): DossierCommuneBinding => ({
  communeCode,
  boundAt: '2026-12-06T03:00:00.000Z',
  boundBy,
});
const lines = (file: string) =>
  readFileSync(file, 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l) as Record<string, unknown>);

describe('FileDossierCommuneBindings', () => {
  let file: string;
  beforeEach(() => {
    file = embeddedDossierBindingsFile(mkdtempSync(path.join(tmpdir(), 'motlan-bindings-')));
  });

  it('binds a dossier to the first commune that reports it; a later one gets the first binding back', async () => {
    const s = await store(file);
    expect(await s.get('H01-1')).toBeNull();
    expect(await s.bindIfAbsent('H01-1', binding('10231'))).toEqual(binding('10231'));
    expect(await s.bindIfAbsent('H01-1', binding('00004'))).toEqual(binding('10231'));
    expect(await s.get('H01-1')).toEqual(binding('10231'));
    expect(lines(file)).toEqual([{ kind: 'bind', dossierId: 'H01-1', ...binding('10231') }]);
  });

  it('binds once when calls race: every caller sees the same commune, one line is written', async () => {
    const s = await store(file);
    const codes = ['00004', '10231', '00007', '00010', '00013'];
    const results = await Promise.all(codes.map((code) => s.bindIfAbsent('H01-race', binding(code))));
    expect(new Set(results.map((r) => r.communeCode))).toEqual(new Set([codes[0]]));
    expect(lines(file)).toHaveLength(1);
  });

  it('keeps bindings and rebindings across a restart (the last line of a dossier wins)', async () => {
    const first = await store(file);
    await first.bindIfAbsent('H01-1', binding('10231'));
    await first.bindIfAbsent('H01-2', binding('00004'));
    expect(await first.rebind('H01-2', { ...binding('10231', 'operator'), reason: 'wrong commune system' })).toEqual(binding('00004'));
    expect(await first.rebind('H01-3', binding('00007', 'operator'))).toBeNull();
    await first.close();

    const second = await store(file);
    expect(await second.get('H01-1')).toEqual(binding('10231'));
    expect(await second.get('H01-2')).toEqual({ ...binding('10231', 'operator'), reason: 'wrong commune system' });
    expect(await second.bindIfAbsent('H01-3', binding('00004'))).toEqual(binding('00007', 'operator'));
  });

  it('skips a torn last line and writes the next binding on a line of its own', async () => {
    mkdirSync(path.dirname(file), { recursive: true });
    writeFileSync(file, `${JSON.stringify({ kind: 'bind', dossierId: 'H01-1', ...binding('10231') })}\n{"kind":"bind","dossierId":"H01-2","commu`);
    const s = await store(file);
    expect(await s.get('H01-2')).toBeNull();
    await s.bindIfAbsent('H01-2', binding('00004'));
    await s.close();
    const reloaded = await store(file);
    expect(await reloaded.get('H01-1')).toEqual(binding('10231'));
    expect(await reloaded.get('H01-2')).toEqual(binding('00004'));
  });

  it('refuses when the binding cannot be saved, and leaves the dossier unbound', async () => {
    const dir = path.join(mkdtempSync(path.join(tmpdir(), 'motlan-bindings-')), 'dossier-bindings');
    const s = await store(path.join(dir, 'bindings.jsonl'));
    // Its directory turns out to be a file: nothing can be written under it.
    writeFileSync(dir, '');
    const attempts = await Promise.allSettled([s.bindIfAbsent('H01-1', binding('10231')), s.bindIfAbsent('H01-1', binding('10231'))]);
    for (const attempt of attempts) {
      expect(attempt.status).toBe('rejected');
      expect((attempt as PromiseRejectedResult).reason).toBeInstanceOf(DossierBindingUnavailableError);
    }
    expect(await s.get('H01-1')).toBeNull();
    await expect(s.rebind('H01-1', binding('00004', 'operator'))).rejects.toBeInstanceOf(DossierBindingUnavailableError);
    expect(await s.get('H01-1')).toBeNull();
  });
});
