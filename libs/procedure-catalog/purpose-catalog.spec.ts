import path from 'node:path';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { defaultProcedureCatalogFile } from './catalog-file.js';
import { PurposeCatalog, PurposeCatalogError, type CatalogDrift, type DescribedDataset } from './purpose-catalog.js';

function catalog(procedures: unknown[], extra: Record<string, unknown> = {}): string {
  return JSON.stringify({ format: 1, version: 'test-1', procedures, ...extra });
}

const residence = {
  code: '1.004222',
  name: 'Đăng ký thường trú',
  access: [
    { registry: 'population', dataset: 'person', fields: ['fullName', 'personId', 'dateOfBirth'] },
    { registry: 'residence', dataset: 'household', fields: ['head', 'members'] },
  ],
};

function parse(text: string, onDrift?: (d: CatalogDrift) => void): PurposeCatalog {
  return PurposeCatalog.parse(text, 'test.json', { onDrift });
}

function problemsOf(text: string): string {
  try {
    parse(text);
  } catch (error) {
    expect(error).toBeInstanceOf(PurposeCatalogError);
    return (error as Error).message;
  }
  throw new Error('expected the catalog to be refused');
}

function dataset(registry: string, name: string, fields: string[]): DescribedDataset {
  return { registry, name, fields: fields.map((f) => ({ name: f })), fieldNames: new Set(fields) };
}

describe('PurposeCatalog', () => {
  it('answers the fields a procedure may read of a dataset, and nothing for what it does not cover', () => {
    const purposes = parse(catalog([residence]));
    expect(purposes.version).toBe('test-1');
    expect([...purposes.allowedFields('1.004222', 'population', 'person')!].sort()).toEqual(['dateOfBirth', 'fullName', 'personId']);
    expect(purposes.allowedFields('1.004222', 'land', 'parcel')).toBeUndefined();
    expect(purposes.allowedFields('1.004222', 'population', 'pets')).toBeUndefined();
    expect(purposes.allowedFields('9.999999', 'population', 'person')).toBeUndefined();
    const procedure = purposes.procedure('1.004222')!;
    expect(procedure).toMatchObject({ code: '1.004222', name: 'Đăng ký thường trú', codeVerified: true });
    expect(procedure.grant('residence', 'household')?.fieldList).toEqual(['head', 'members']);
  });

  it('gives a lookup without fields the granted fields the dataset has, sorted, once per description, reporting drift once', () => {
    const drifts: CatalogDrift[] = [];
    const purposes = parse(catalog([residence]), (d) => drifts.push(d));
    const grant = purposes.procedure('1.004222')!.grant('population', 'person')!;
    const person = dataset('population', 'person', ['personId', 'fullName', 'sex']);
    const first = grant.fieldsOf(person);
    expect(first).toEqual(['fullName', 'personId']);
    expect(grant.fieldsOf(person)).toBe(first);
    expect(drifts).toEqual([{ procedure: '1.004222', registry: 'population', dataset: 'person', missingFields: ['dateOfBirth'], datasetMissing: false }]);
    // A new description (an adapter described again) is checked again.
    grant.fieldsOf(dataset('population', 'person', ['personId', 'fullName', 'dateOfBirth']));
    expect(drifts).toHaveLength(1);
  });

  it('checks itself against described registries: missing datasets and fields are reported, registries not described are left for later', () => {
    const drifts: CatalogDrift[] = [];
    const purposes = parse(catalog([residence]), (d) => drifts.push(d));
    purposes.checkAgainst([
      { registry: 'population', datasets: [dataset('population', 'person', ['personId', 'fullName'])] },
      { registry: 'residence', datasets: [dataset('residence', 'dwelling', ['head'])] },
      { registry: 'land', datasets: [] },
    ]);
    expect(drifts).toEqual([
      { procedure: '1.004222', registry: 'population', dataset: 'person', missingFields: ['dateOfBirth'], datasetMissing: false },
      { procedure: '1.004222', registry: 'residence', dataset: 'household', missingFields: [], datasetMissing: true },
    ]);
  });

  it('refuses malformed codes, duplicate codes, malformed registry names and bad field lists, naming each JSON path', () => {
    const message = problemsOf(
      catalog([
        residence,
        { ...residence, name: 'again' },
        { code: '1.4222', name: 'short code', access: [{ registry: 'population', dataset: 'person', fields: ['fullName'] }] },
        {
          code: '1.000001',
          name: 'several problems',
          access: [
            { registry: 'Cadastre--2', dataset: 'parcel', fields: ['areaM2'] },
            { registry: 'population', dataset: 'person', fields: ['fullName', 'full name', 'fullName'] },
            { registry: 'population', dataset: 'person', fields: ['sex'] },
          ],
        },
      ]),
    );
    expect(message).toMatch(/^invalid procedure catalog test\.json: /);
    expect(message).toContain('procedures[1].code: duplicate code 1.004222, already at procedures[0]');
    expect(message).toContain('procedures[2].code: "1.4222" is not a procedure code of the form N.NNNNNN');
    expect(message).toContain(
      'procedures[3].access[0].registry: "Cadastre--2" is not a registry name (lower-case letters, digits and single dashes, at most 40 characters)',
    );
    expect(message).toContain('procedures[3].access[1].fields[1]: "full name" is not a field name');
    expect(message).toContain('procedures[3].access[1].fields[2]: duplicate field fullName');
    expect(message).toContain('procedures[3].access[2]: population/person is already granted at procedures[3].access[1]');
  });

  it('refuses a structurally wrong file with the path of each problem', () => {
    expect(problemsOf(JSON.stringify({ format: 1, procedures: [residence] }))).toContain('test.json: version: is required');
    expect(problemsOf(catalog([residence], { version: '' }))).toContain('version: version is required');
    expect(problemsOf(catalog([residence], { format: 2 }))).toContain('format: format must be 1');
    expect(problemsOf(catalog([]))).toContain('procedures: procedures must list at least one procedure');
    const nested = problemsOf(
      catalog([
        { ...residence, acess: [] },
        { code: '1.000002', name: 'x', access: [{ registry: 'population', dataset: 'person', fields: [] }] },
        { code: '1.000003', access: [{ registry: 'population', dataset: 'person', fields: [1] }] },
        'not an object',
      ]),
    );
    expect(nested).toContain('procedures[0].acess: is not a member of this catalog format (misspelt?)');
    expect(nested).toContain('procedures[1].access[0].fields: fields must name at least one field');
    expect(nested).toContain('procedures[2].name: is required');
    expect(nested).toContain('procedures[2].access[0].fields: each value in fields must be a string');
    expect(nested).toContain('procedures[3]: must be an object');
    expect(problemsOf('{"format": 1,')).toMatch(/test\.json: not valid JSON/);
    expect(problemsOf('[]')).toContain('must be a JSON object');
    expect(problemsOf(catalog([{ ...residence, access: {} }]))).toMatch(/procedures\[0\]\.access: access must be an array$/);
  });

  it('reads codeVerified and notes, and refuses a file it cannot read with its path', () => {
    const purposes = parse(catalog([{ ...residence, code: '1.003010', codeVerified: false, note: 'plausible code', domain: 'Đất đai' }]));
    expect(purposes.procedure('1.003010')).toMatchObject({ codeVerified: false, note: 'plausible code', domain: 'Đất đai' });
    const missing = path.join(mkdtempSync(path.join(tmpdir(), 'motlan-purposes-')), 'none.json');
    expect(() => PurposeCatalog.load(missing)).toThrow(`invalid procedure catalog ${missing}: cannot be read (ENOENT)`);
    writeFileSync(missing, catalog([residence]));
    expect(PurposeCatalog.load(missing).procedures).toHaveLength(1);
  });
});

describe('the shipped catalog (deploy/catalog/procedures.v1.json)', () => {
  const shipped = PurposeCatalog.load(defaultProcedureCatalogFile());

  it('is valid and covers at least 10 commune procedures with Vietnamese names', () => {
    expect(shipped.version).toMatch(/\S/);
    expect(shipped.procedures.length).toBeGreaterThanOrEqual(10);
    for (const code of ['1.004222', '1.004194', '1.001193', '1.000894', '1.000656', '1.001612', '1.003010', '2.000815']) {
      expect({ code, found: shipped.procedure(code) !== undefined }).toEqual({ code, found: true });
    }
    expect(shipped.procedure('1.004222')?.name).toBe('Đăng ký thường trú');
    expect(shipped.procedure('1.000656')?.name).toBe('Đăng ký khai tử');
  });

  it('gives permanent residence registration the person, household, parcel and family-relation data, and no enterprise', () => {
    expect(shipped.allowedFields('1.004222', 'population', 'person')?.has('fullName')).toBe(true);
    expect(shipped.allowedFields('1.004222', 'population', 'person')?.has('religion')).toBe(false);
    expect(shipped.allowedFields('1.004222', 'residence', 'household')).toBeDefined();
    expect(shipped.allowedFields('1.004222', 'business', 'enterprise')).toBeUndefined();
    expect(shipped.allowedFields('1.001193', 'land', 'parcel')).toBeUndefined();
  });

  describe('e-form and dossier components', () => {
    const withForm = (form: unknown[], components: unknown[] = [], subjects: unknown[] = [{ role: 'applicant', label: 'Người đăng ký', required: true }]) =>
      catalog([
        { ...residence, access: [...residence.access.slice(0, 1), { ...residence.access[1], legalBasis: 'Luật Cư trú 2020' }], subjects, form, components },
      ]);
    const field = (source: Record<string, unknown>, name = 'applicant.fullName') => ({ name, label: 'Họ tên', type: 'string', source });

    it('reads subjects, fields with relations and components, and the legal basis of a grant', () => {
      const parsed = parse(
        withForm(
          [
            field(
              {
                subject: 'applicant',
                via: [{ registry: 'residence', dataset: 'household', field: 'head.personId' }],
                registry: 'population',
                dataset: 'person',
                field: 'dateOfBirth',
              },
              'head.dateOfBirth',
            ),
          ],
          [
            {
              code: 'CCCD',
              name: 'Căn cước',
              replacedBy: { subject: 'applicant', registry: 'population', dataset: 'person', fields: ['personId', 'fullName', 'fullName'] },
            },
          ],
        ),
      );
      const procedure = parsed.procedure('1.004222')!;
      expect(procedure.form.subjects).toEqual([{ role: 'applicant', label: 'Người đăng ký', required: true }]);
      expect(procedure.form.fields[0].source).toEqual({
        subject: 'applicant',
        via: [{ registry: 'residence', dataset: 'household', path: ['head', 'personId'] }],
        registry: 'population',
        dataset: 'person',
        path: ['dateOfBirth'],
      });
      expect(procedure.form.components[0].replacedBy.fields).toEqual(['fullName', 'personId']);
      expect(procedure.grant('residence', 'household')?.legalBasis).toBe('Luật Cư trú 2020');
      expect(procedure.grant('population', 'person')?.legalBasis).toBeUndefined();
    });

    it("refuses sources outside the procedure's access, undeclared roles and duplicates, naming each JSON path", () => {
      const message = problemsOf(
        withForm(
          [
            field({ subject: 'applicant', registry: 'population', dataset: 'person', field: 'occupation' }),
            field({ subject: 'spouse', registry: 'population', dataset: 'person', field: 'fullName' }, 'spouse.fullName'),
            field(
              {
                subject: 'applicant',
                via: [{ registry: 'land', dataset: 'parcel', field: 'owners' }],
                registry: 'population',
                dataset: 'person',
                field: 'fullName',
              },
              'x.y',
            ),
            field({ subject: 'applicant', registry: 'population', dataset: 'person', field: 'fullName' }, 'x.y'),
          ],
          [{ code: 'cccd', name: 'Căn cước', replacedBy: { subject: 'applicant', registry: 'business', dataset: 'enterprise', fields: ['name'] } }],
        ),
      );
      expect(message).toContain('procedures[0].form[0].source.field: occupation is not among the fields the procedure may read of population/person');
      expect(message).toContain('procedures[0].form[1].source.subject: role "spouse" is not in subjects');
      expect(message).toContain("procedures[0].form[2].source.via[0]: land/parcel is not in the procedure's access");
      expect(message).toContain('procedures[0].form[3].name: duplicate form field x.y');
      expect(message).toContain('procedures[0].components[0].code: "cccd" is not a component code');
      expect(message).toContain("procedures[0].components[0].replacedBy.fields[0]: business/enterprise is not in the procedure's access");
    });

    it('needs subjects when a form is defined', () => {
      expect(problemsOf(withForm([field({ subject: 'applicant', registry: 'population', dataset: 'person', field: 'fullName' })], [], []))).toContain(
        'procedures[0].subjects: must list the subjects (roles) that form and components read',
      );
    });

    it('ships an e-form and dossier components for every procedure, and a legal basis or consent rule for every sensitive dataset it reads', () => {
      const shipped = PurposeCatalog.load(defaultProcedureCatalogFile());
      for (const procedure of shipped.procedures) {
        expect(procedure.form.fields.length).toBeGreaterThan(0);
        expect(procedure.form.components.length).toBeGreaterThan(0);
        expect(procedure.form.subjects.some((s) => s.required)).toBe(true);
      }
      // Certified copies are made at the citizen's request: consent, not a legal basis.
      expect(shipped.procedure('2.000815')!.access.every((a) => a.legalBasis === undefined)).toBe(true);
      expect(shipped.procedure('1.004222')!.grant('land', 'parcel')?.legalBasis).toMatch(/Luật Cư trú/);
    });
  });
});
