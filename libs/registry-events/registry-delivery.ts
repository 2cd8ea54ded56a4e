import { Type } from 'class-transformer';
import { ArrayMaxSize, IsIn, IsISO8601, IsObject, IsOptional, IsString, Matches, MaxLength, MinLength, ValidateNested } from 'class-validator';
import { parseJsonMessage, type ParsedMessage } from '@motlan/events/message-validation.js';
import type { JsonObject } from '@motlan/contracts/struct-codec.js';
import type { ConsumedMessage, LogMessage } from '@motlan/event-log/event-log.port.js';

const NAME = /^[a-z][a-z0-9-]{0,39}$/;

/** A correction as it travels to the registry (values as JSON text: any JSON value). */
export class DeliveredCorrectionMessage {
  @Matches(/^[A-Za-z][A-Za-z0-9]{0,63}$/)
  field!: string;

  @IsString()
  @MaxLength(4000)
  valueSeenJson!: string;

  @IsString()
  @MaxLength(4000)
  valueProposedJson!: string;

  @IsString()
  @MaxLength(200)
  evidenceRef!: string;

  @IsString()
  @MaxLength(64)
  officerId!: string;

  @IsString()
  @MaxLength(5)
  communeCode!: string;
}

/**
 * One delivery to one registry, on motlan.registry-events.deliveries.v1 (key = subject id): a
 * record event for a subscription, or a correction. Validated on the way in from the log.
 */
export class RegistryDeliveryMessage {
  @IsIn(['record-event', 'correction'])
  kind!: 'record-event' | 'correction';

  /** The registry delivered to. */
  @Matches(NAME)
  target!: string;

  @IsString()
  @MinLength(1)
  @MaxLength(300)
  idempotencyKey!: string;

  @IsIn(['record.created', 'record.changed', 'correction.proposed'])
  eventType!: string;

  @Matches(NAME)
  sourceRegistry!: string;

  @Matches(NAME)
  dataset!: string;

  @IsString()
  @MinLength(1)
  @MaxLength(64)
  subjectId!: string;

  @Matches(/^\d{1,20}$/)
  sourceVersion!: string;

  @IsISO8601({ strict: true })
  occurredAt!: string;

  @IsOptional()
  @IsObject()
  record?: JsonObject;

  /** Subscription id or correction id. */
  @IsString()
  @MaxLength(64)
  referenceId!: string;

  @Matches(/^\d\.\d{6}$/)
  procedure!: string;

  @IsString()
  @MaxLength(1000)
  legalBasis!: string;

  @IsOptional()
  @IsObject()
  @ValidateNested()
  @Type(() => DeliveredCorrectionMessage)
  correction?: DeliveredCorrectionMessage;

  @IsString()
  @MaxLength(128)
  requestId!: string;

  /** Record events: the fields delivered (subscribed), for the audit record. */
  @IsOptional()
  @ArrayMaxSize(200)
  @IsString({ each: true })
  fields?: string[];
}

export function encodeDelivery(delivery: RegistryDeliveryMessage): LogMessage {
  return { key: delivery.subjectId, value: JSON.stringify(delivery), headers: { 'x-request-id': delivery.requestId } };
}

export function parseDelivery(message: ConsumedMessage): ParsedMessage<RegistryDeliveryMessage> {
  const parsed = parseJsonMessage(RegistryDeliveryMessage, message.value);
  if (parsed.ok && parsed.message.subjectId !== message.key) return { ok: false, reason: 'message key differs from subjectId' };
  return parsed;
}
