/**
 * What this adapter serves, as Describe reports it: REPLACE with your registry's name and datasets.
 * The gateway learns everything from here (which fields exist, which are personal, how long a
 * record may be cached), so it must describe exactly what your RecordSource returns.
 */
import type { FieldType__Output } from '@motlan/contracts/generated/motlan/adapter/v1/FieldType.js';
import type { Sensitivity__Output } from '@motlan/contracts/generated/motlan/adapter/v1/Sensitivity.js';

/** Registry name, lower case: the `registry` of your manifest and of the `adapters:write:<registry>` scope. */
export const REGISTRY = 'example';

/** This adapter's own release, free text: shown in the gateway's adapter listing. */
export const ADAPTER_VERSION = 'adapter-template-0.1.0';

export interface FieldSpec {
  name: string;
  type: FieldType__Output;
  description: string;
  /** Identifies a person (names, ids, addresses): the gateway never logs it. */
  personal: boolean;
}

export interface DatasetSpec {
  name: string;
  description: string;
  /** `cccd`, `tax-code` and `parcel-id` are validated fully by the gateway; other names by `pattern` alone. */
  subjectKey: { name: string; pattern: string; description: string };
  fields: readonly FieldSpec[];
  /** How long the gateway may serve a cached copy without asking again. */
  maxAgeSeconds: number;
  sensitivity: Sensitivity__Output;
}

export const DATASETS: readonly DatasetSpec[] = [
  {
    name: 'certificate',
    description: 'Vocational certificates of the example registry, by the holder’s personal id',
    subjectKey: { name: 'cccd', pattern: '^\\d{12}$', description: 'the holder’s 12-digit personal identification number (CCCD)' },
    fields: [
      { name: 'holderName', type: 'FIELD_TYPE_STRING', description: 'full name of the holder as printed', personal: true },
      { name: 'qualification', type: 'FIELD_TYPE_STRING', description: 'title of the qualification', personal: false },
      { name: 'issuedOn', type: 'FIELD_TYPE_DATE', description: 'date of issue, YYYY-MM-DD', personal: false },
      { name: 'issuer', type: 'FIELD_TYPE_STRING', description: 'institution that issued it', personal: false },
    ],
    maxAgeSeconds: 3600,
    sensitivity: 'SENSITIVITY_NORMAL',
  },
];
