import { Type } from 'class-transformer';
import { ArrayMaxSize, Equals, IsArray, IsISO8601, IsObject, IsOptional, IsString, Matches, MaxLength, MinLength, ValidateNested } from 'class-validator';
import { parseJsonMessage } from './message-validation.js';
import { RECORD_CHANGED_TYPE } from './topics.js';

/** `data` of a record-changed event. */
export class RegistryChangeData {
  @Matches(/^[a-z][a-z0-9-]{0,39}$/)
  dataset!: string;

  @IsString()
  @MinLength(1)
  @MaxLength(64)
  subjectId!: string;

  /** The record's new version (uint64 as a decimal string). */
  @Matches(/^[1-9]\d{0,19}$/, { message: 'version must be a positive integer in decimal' })
  version!: string;

  @IsArray()
  @ArrayMaxSize(200)
  @Matches(/^[A-Za-z][A-Za-z0-9]{0,63}$/, { each: true })
  changedFields!: string[];
}

/** CloudEvents 1.0 structured-mode JSON, as registries publish it on motlan.registry.<r>.changes.v1. */
export class RegistryChangeEvent {
  @Equals('1.0')
  specversion!: string;

  @IsString()
  @MinLength(1)
  @MaxLength(200)
  id!: string;

  /** e.g. "urn:motlan:registry:population". */
  @IsString()
  @MinLength(1)
  @MaxLength(200)
  source!: string;

  @Equals(RECORD_CHANGED_TYPE)
  type!: string;

  /** The subject id (CloudEvents `subject`), equal to data.subjectId. */
  @IsString()
  @MaxLength(64)
  subject!: string;

  @IsISO8601({ strict: true })
  time!: string;

  @IsOptional()
  @Equals('application/json')
  datacontenttype?: string;

  @IsObject({ message: 'data must be an object' })
  @ValidateNested()
  @Type(() => RegistryChangeData)
  data!: RegistryChangeData;
}

export type ParsedChangeEvent = { ok: true; event: RegistryChangeEvent } | { ok: false; reason: string };

/**
 * Parses and validates one message value. Never throws: a bad message yields the reason it goes
 * to the dead-letter topic with.
 */
export function parseRegistryChangeEvent(value: Buffer | string | null, key?: string | null): ParsedChangeEvent {
  const parsed = parseJsonMessage(RegistryChangeEvent, value, { allowUnknownProperties: true });
  if (!parsed.ok) return parsed;
  const event = parsed.message;
  if (event.subject !== event.data.subjectId) return { ok: false, reason: 'subject differs from data.subjectId' };
  if (key !== undefined && key !== null && key !== event.data.subjectId) return { ok: false, reason: 'message key differs from data.subjectId' };
  return { ok: true, event };
}

/** Builds a valid event (used by the simulator and tests). */
export function recordChangedEvent(input: {
  registry: string;
  dataset: string;
  subjectId: string;
  version: string;
  changedFields: string[];
  id: string;
  time?: Date;
}): RegistryChangeEvent {
  return {
    specversion: '1.0',
    id: input.id,
    source: `urn:motlan:registry:${input.registry}`,
    type: RECORD_CHANGED_TYPE,
    subject: input.subjectId,
    time: (input.time ?? new Date()).toISOString(),
    datacontenttype: 'application/json',
    data: { dataset: input.dataset, subjectId: input.subjectId, version: input.version, changedFields: input.changedFields },
  };
}
