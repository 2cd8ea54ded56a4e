import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { ArrayMaxSize, ArrayMinSize, IsArray, IsIn, IsOptional, Matches } from 'class-validator';
import { PURPOSE_PATTERN } from '@motlan/identifiers/subject-id.js';
import { REGISTRY_NAME } from '@motlan/procedure-catalog/purpose-catalog.js';
import { RECORD_EVENT_TYPES, type RecordEventType } from '@motlan/registry-events/registry-event-topics.js';

/** Scopes of the subscriptions API: reading, and changing (a national administrator's). */
export const SUBSCRIPTIONS_READ_SCOPE = 'subscriptions:read';
export const SUBSCRIPTIONS_WRITE_SCOPE = 'subscriptions:write';

const DATASET = /^[a-z][a-z0-9-]{0,39}$/;
const FIELD = /^[A-Za-z][A-Za-z0-9]{0,63}$/;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

export class SubscriptionRequestDto {
  @ApiProperty({ example: 'population', description: 'The registry the events are delivered to (its adapter must list them in Describe `accepts`)' })
  @Matches(REGISTRY_NAME, { message: 'subscriber must be a registry name (lower-case words joined by dashes)' })
  subscriber!: string;

  @ApiProperty({ example: 'civil-status' })
  @Matches(REGISTRY_NAME, { message: 'sourceRegistry must be a registry name (lower-case words joined by dashes)' })
  sourceRegistry!: string;

  @ApiProperty({ example: 'death' })
  @Matches(DATASET, { message: 'dataset must be a dataset name' })
  dataset!: string;

  @ApiProperty({ example: ['record.created'], enum: RECORD_EVENT_TYPES, isArray: true })
  @IsArray()
  @ArrayMinSize(1)
  @ArrayMaxSize(2)
  @IsIn(RECORD_EVENT_TYPES, { each: true, message: 'eventTypes must each be record.created or record.changed' })
  eventTypes!: RecordEventType[];

  @ApiProperty({ example: ['personId', 'dateOfDeath'], description: 'Fields of the source record delivered with each event; all within the procedure’s grant' })
  @IsArray()
  @ArrayMinSize(1)
  @ArrayMaxSize(100)
  @Matches(FIELD, { each: true, message: 'fields must each be a field name' })
  fields!: string[];

  @ApiProperty({ example: '1.001193', description: 'The procedure whose grant of the source dataset carries the legal basis of this transfer' })
  @Matches(PURPOSE_PATTERN, { message: 'procedure must be a procedure code of the form N.NNNNNN' })
  procedure!: string;
}

export class SubscriptionIdParamDto {
  @ApiProperty({ example: '3f0c7c1e-0d3a-4f0e-9a51-1c2f0e6b8a10' })
  @Matches(UUID, { message: 'id must be a subscription id (a UUID)' })
  id!: string;
}

export class SubscriptionListQueryDto {
  @ApiPropertyOptional({ example: 'population' })
  @IsOptional()
  @Matches(REGISTRY_NAME, { message: 'subscriber must be a registry name' })
  subscriber?: string;

  @ApiPropertyOptional({ example: 'civil-status' })
  @IsOptional()
  @Matches(REGISTRY_NAME, { message: 'sourceRegistry must be a registry name' })
  sourceRegistry?: string;
}
