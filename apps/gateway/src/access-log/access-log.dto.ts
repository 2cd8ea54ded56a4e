import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { IsInt, IsOptional, IsString, Matches, Max, MaxLength, Min } from 'class-validator';
import { MAX_ACCESS_LOG_PAGE } from '@motlan/access-log/access-log-store.port.js';

/** A date (YYYY-MM-DD), or a date-time with its offset (RFC 3339). */
const DATE_OR_DATE_TIME = /^\d{4}-\d{2}-\d{2}(T\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?(Z|[+-]\d{2}:\d{2}))?$/;
const DATE_MESSAGE = 'must be a date (2026-11-23) or a date-time with offset (2026-11-23T08:00:00+07:00)';

/** GET /v1/me/access-log query. */
export class AccessLogQueryDto {
  @ApiPropertyOptional({ example: '2026-11-01', description: 'From this instant (inclusive); a date means 00:00 Vietnam time (UTC+07:00) that day' })
  @IsOptional()
  @IsString()
  @Matches(DATE_OR_DATE_TIME, { message: `from ${DATE_MESSAGE}` })
  from?: string;

  @ApiPropertyOptional({ example: '2026-11-30', description: 'Until this instant (exclusive); a date means up to the end of that day, Vietnam time' })
  @IsOptional()
  @IsString()
  @Matches(DATE_OR_DATE_TIME, { message: `to ${DATE_MESSAGE}` })
  to?: string;

  @ApiPropertyOptional({ description: "The previous page's nextCursor" })
  @IsOptional()
  @IsString()
  @MaxLength(200)
  @Matches(/^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$/, { message: "cursor must be a previous page's nextCursor" })
  cursor?: string;

  @ApiPropertyOptional({ minimum: 1, maximum: MAX_ACCESS_LOG_PAGE, default: 20 })
  @IsOptional()
  @Type(() => Number)
  @IsInt({ message: 'limit must be a whole number' })
  @Min(1)
  @Max(MAX_ACCESS_LOG_PAGE)
  limit?: number;
}

class ProvinceDto {
  @ApiProperty({ example: '01' })
  code!: string;
  @ApiProperty({ example: 'Thành phố Hà Nội' })
  name!: string;
}

class CommuneDto {
  @ApiProperty({ example: '00004' })
  code!: string;
  @ApiProperty({ example: 'Phường Ba Đình', nullable: true, type: String })
  name!: string | null;
  @ApiProperty({ type: ProvinceDto, nullable: true })
  province!: ProvinceDto | null;
}

class AccessClientDto {
  @ApiProperty({ example: 'commune-00004', description: 'Client system that asked' })
  id!: string;
  @ApiProperty({ type: CommuneDto, nullable: true, description: 'The commune it acts for, when it is bound to one' })
  commune!: CommuneDto | null;
}

class PurposeDto {
  @ApiProperty({ example: '1.004222', description: 'Procedure code' })
  code!: string;
  @ApiProperty({ example: 'Đăng ký thường trú', nullable: true, type: String, description: 'Procedure name, when the catalog knows the code' })
  name!: string | null;
}

/** A correction of the citizen's data, as an access-log entry shows it. */
export class AccessLogCorrectionDto {
  @ApiProperty({ example: '3f0c7c1e-0d3a-4f0e-9a51-1c2f0e6b8a10', description: 'The correction (the filing commune follows it with GET /v1/corrections/{id})' })
  id!: string;
  @ApiProperty({ example: 'applied', nullable: true, type: String, enum: ['open', 'accepted', 'rejected', 'applied'] })
  state!: string | null;
}

export class AccessLogEntryDto {
  @ApiProperty({ example: 'cG9wdWxhdGlvbi1wZXJzb24', description: 'Stable id of this access' })
  id!: string;
  @ApiProperty({ example: '2026-11-23T02:15:00.000Z' })
  time!: string;
  @ApiProperty({ example: '5f0c…', description: 'Request reference: quote it when asking about this access' })
  reference!: string;
  @ApiProperty({ type: AccessClientDto })
  client!: AccessClientDto;
  @ApiProperty({ example: 'officer-001', nullable: true, type: String, description: 'Officer at the counter' })
  officerId!: string | null;
  @ApiProperty({ type: PurposeDto, nullable: true })
  purpose!: PurposeDto | null;
  @ApiProperty({ example: 'H01.22-261123-0001', nullable: true, type: String })
  dossierId!: string | null;
  @ApiProperty({ example: 'population', nullable: true, type: String })
  registry!: string | null;
  @ApiProperty({ example: 'person', nullable: true, type: String })
  dataset!: string | null;
  @ApiProperty({ type: [String], example: ['fullName', 'dateOfBirth'], description: 'Fields returned (answered) or asked for (refused)' })
  fields!: string[];
  @ApiProperty({ enum: ['answered', 'refused'] })
  outcome!: 'answered' | 'refused';
  @ApiProperty({ example: null, nullable: true, type: String, description: 'Why it was refused (problem code), when refused' })
  refusal!: string | null;
  @ApiProperty({
    enum: ['subject', 'named-in-record'],
    description: 'subject: the lookup was about you; named-in-record: it was about someone else (or a parcel) and the fields released held your personal id',
  })
  role!: 'subject' | 'named-in-record';
  @ApiProperty({ type: [String], example: [], description: 'named-in-record: where your id was in the record released, e.g. members[2].personId' })
  fieldPaths!: string[];
  @ApiProperty({
    example: 1,
    description:
      'Attempts this entry stands for: 1 for an access; refusals of one client system, for one reason and dataset, within an hour are one entry with their count',
  })
  count!: number;
  @ApiProperty({ example: '2026-11-23T02:15:00.000Z', description: 'Time of the latest attempt counted (time when count is 1)' })
  lastTime!: string;
  @ApiProperty({
    example: null,
    nullable: true,
    type: String,
    description:
      'The id of your consent this data was read on (see GET /v1/me/consents), when the data is sensitive and the procedure has no legal basis to read it without consent',
  })
  consentId!: string | null;
  @ApiProperty({
    example: null,
    nullable: true,
    type: String,
    description: 'The id of your archive share a commune redeemed to read an item of your archive (see GET /v1/me/archive), when it did',
  })
  shareId!: string | null;
  @ApiProperty({
    nullable: true,
    type: () => AccessLogCorrectionDto,
    description: 'A correction of your data a clerk filed with a registry, when the entry is one (its state as of this entry); else null',
  })
  correction!: AccessLogCorrectionDto | null;
}

export class AccessLogPageDto {
  @ApiProperty({ type: [AccessLogEntryDto], description: 'Newest first' })
  entries!: AccessLogEntryDto[];
  @ApiProperty({ nullable: true, type: String, description: 'Pass as cursor for the next (older) page; null on the last page' })
  nextCursor!: string | null;
}
