/**
 * What a simulated registry is made of: datasets that derive a record from a subject id on demand.
 * Transport (gRPC), faults, versions and statistics are layered on top in sim-registries.ts.
 */
import type { JsonObject } from '@motlan/contracts/struct-codec.js';
import type { FieldType__Output } from '@motlan/contracts/generated/motlan/adapter/v1/FieldType.js';
import type { Sensitivity__Output } from '@motlan/contracts/generated/motlan/adapter/v1/Sensitivity.js';
import { CCCD_PATTERN, PARCEL_ID_PATTERN, TAX_CODE_PATTERN } from '@motlan/identifiers/subject-id.js';
import { SIMULATOR_PORT_OFFSETS } from '@motlan/contracts/simulator-ports.js';
import type { SeededRandom } from '../world/seeded-random.js';

/** The simulated registries. */
export const REGISTRY_NAMES = ['population', 'residence', 'land', 'business', 'civil-status', 'judicial-records'] as const;
export type RegistryName = (typeof REGISTRY_NAMES)[number];

/** Each registry's gRPC port, as an offset from SIM_GRPC_BASE_PORT (the portal is at +5, judicial records at +6). */
export const REGISTRY_PORT_OFFSETS: Readonly<Record<RegistryName, number>> = SIMULATOR_PORT_OFFSETS;
/** The highest offset used by a registry: the base port may be at most 65535 minus it. */
export const MAX_REGISTRY_PORT_OFFSET = Math.max(...Object.values(REGISTRY_PORT_OFFSETS));

export function isRegistryName(value: string): value is RegistryName {
  return (REGISTRY_NAMES as readonly string[]).includes(value);
}

export interface FieldSpec {
  name: string;
  type: FieldType__Output;
  description: string;
  /** Identifies a person (names, ids, addresses): the gateway never logs it. */
  personal: boolean;
}

export interface SubjectKeySpec {
  name: string;
  pattern: string;
  description: string;
}

export interface DatasetSpec {
  name: string;
  description: string;
  subjectKey: SubjectKeySpec;
  maxAgeSeconds: number;
  sensitivity: Sensitivity__Output;
  fields: readonly FieldSpec[];
}

/** A record as derived from the seed, before run-time changes are applied. */
export interface DerivedRecord {
  /** Identity of the record for versioning: a household is one record whichever member asks. */
  recordKey: string;
  record: JsonObject;
  /** Every subject id that reads this record (all household members, both spouses). */
  subjectIds: readonly string[];
  /** When the record last changed before the simulator started; deterministic. */
  baseAsOf: Date;
}

export interface SampleQuery {
  /** Current (2025) province code, 2 digits. */
  province?: string;
}

export interface SimDataset {
  readonly spec: DatasetSpec;
  /** The record for `subjectId` (already known to match the key format), or null when none exists. */
  derive(subjectId: string): DerivedRecord | null;
  /**
   * The field values a run-time change sets on `current` (the record as served now). Plausible edits
   * that keep the registries consistent with each other, e.g. a new temporary address.
   */
  change(current: JsonObject, rng: SeededRandom, now: Date): JsonObject;
  /** Candidate number `k` for samples: an existing subject id, or null when candidate k does not fit. */
  sampleAt(k: number, query: SampleQuery): string | null;
}

export interface SimRegistry {
  readonly name: RegistryName;
  readonly datasets: readonly SimDataset[];
}

export const CCCD_KEY: SubjectKeySpec = {
  name: 'cccd',
  pattern: CCCD_PATTERN.source,
  description: 'A 12-digit personal identification number (CCCD).',
};

export const TAX_CODE_KEY: SubjectKeySpec = {
  name: 'tax-code',
  pattern: TAX_CODE_PATTERN.source,
  description: 'A 10-digit enterprise tax code with its check digit, or NNNNNNNNNN-NNN for a branch.',
};

export const PARCEL_ID_KEY: SubjectKeySpec = {
  name: 'parcel-id',
  pattern: PARCEL_ID_PATTERN.source,
  description: 'Commune code (5 digits), map sheet number and parcel number, e.g. 00004-12-345.',
};

/** Shorthand for field lists. */
export function field(name: string, type: FieldType__Output, description: string, personal = false): FieldSpec {
  return { name, type, description, personal };
}

/** A deterministic instant before the reference date for records that have not changed at run time. */
export function baseAsOf(hash: number): Date {
  const reference = Date.UTC(2025, 5, 30, 17, 0, 0); // 1 July 2025 00:00 in Asia/Ho_Chi_Minh
  const spread = 400 * 24 * 3600; // about a year and a month, in seconds
  return new Date(reference - (hash % spread) * 1000);
}
