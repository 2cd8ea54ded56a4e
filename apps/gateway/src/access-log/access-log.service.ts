import { AccessLogStore, DEFAULT_ACCESS_LOG_PAGE } from '@motlan/access-log/access-log-store.port.js';
import type { AccessLogView } from '@motlan/access-log/access-log-view.js';
import { ErrorCodes, InvalidRequestError } from '@motlan/errors/domain-error.js';
import type { AccessLogPageDto, AccessLogQueryDto } from './access-log.dto.js';

/** Vietnam has one time zone and no daylight saving: a date on its own means a day in UTC+07:00. */
const VIETNAM_OFFSET = '+07:00';
const DAY_MS = 86_400_000;

/** A citizen's own access log, one page at a time: the store's entries as the citizen reads them. */
export class AccessLogService {
  constructor(
    private readonly store: AccessLogStore,
    private readonly view: AccessLogView,
  ) {}

  async page(subjectId: string, query: AccessLogQueryDto): Promise<AccessLogPageDto> {
    const from = query.from === undefined ? undefined : instant('from', query.from, 'start');
    const to = query.to === undefined ? undefined : instant('to', query.to, 'end');
    if (from !== undefined && to !== undefined && from >= to) {
      throw new InvalidRequestError(ErrorCodes.validation, 'to must be later than from', [{ name: 'to', reason: 'must be later than from' }]);
    }
    const page = await this.store.page(subjectId, { from, to, cursor: query.cursor, limit: query.limit ?? DEFAULT_ACCESS_LOG_PAGE });
    return { entries: page.entries.map((entry) => this.view.describe(entry)), nextCursor: page.nextCursor };
  }
}

/**
 * Epoch ms of a query bound (already matched against the DTO's pattern). A date alone is the
 * start of that day for `from` and the end of it for `to` (to=2026-11-30 includes the 30th).
 * Calendar checks are ours: Date.parse would roll 2026-02-30 over to 2 March.
 */
function instant(name: string, value: string, edge: 'start' | 'end'): number {
  const [, y, m, d, hh = '00', mm = '00', ss = '00'] = /^(\d{4})-(\d{2})-(\d{2})(?:T(\d{2}):(\d{2})(?::(\d{2}))?)?/.exec(value) ?? [];
  const year = Number(y);
  const month = Number(m);
  const day = Number(d);
  const valid =
    y !== undefined &&
    month >= 1 &&
    month <= 12 &&
    day >= 1 &&
    day <= new Date(Date.UTC(year, month, 0)).getUTCDate() &&
    Number(hh) < 24 &&
    Number(mm) < 60 &&
    Number(ss) < 60;
  const ms = value.length === 10 ? Date.parse(`${value}T00:00:00${VIETNAM_OFFSET}`) + (edge === 'end' ? DAY_MS : 0) : Date.parse(value);
  if (!valid || !Number.isFinite(ms) || ms < 0) {
    throw new InvalidRequestError(ErrorCodes.validation, `${name} is not a valid date`, [{ name, reason: 'not a valid calendar date or time' }]);
  }
  return ms;
}
