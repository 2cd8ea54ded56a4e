import type { FastifyReply } from 'fastify';
import { ErrorCodes, InvalidRequestError } from '@motlan/errors/domain-error.js';
import type { ReportScope } from '@motlan/service-indicators/indicator-report.js';
import { addDays, daysBetween, isVnDay } from '@motlan/service-indicators/vietnam-calendar.js';

/**
 * The window an ops report asks for (the service indicators, the data-quality figures), checked:
 * real days, `from` not after `to`, no longer than the days kept.
 * @throws InvalidRequestError validation_failed
 */
export function checkedReportWindow(
  query: { from?: string; to?: string },
  defaults: { to: () => string; days: number; kept: number },
): { from: string; to: string } {
  const to = query.to ?? defaults.to();
  if (!isVnDay(to)) throw new InvalidRequestError(ErrorCodes.validation, `to ${to} is not a day of the calendar`, [{ name: 'to', reason: 'no such day' }]);
  const from = query.from ?? addDays(to, -(defaults.days - 1));
  if (!isVnDay(from))
    throw new InvalidRequestError(ErrorCodes.validation, `from ${from} is not a day of the calendar`, [{ name: 'from', reason: 'no such day' }]);
  if (from > to) throw new InvalidRequestError(ErrorCodes.validation, 'from is after to', [{ name: 'from', reason: 'must not be after to' }]);
  const { kept } = defaults;
  if (daysBetween(from, to) + 1 > kept) {
    throw new InvalidRequestError(ErrorCodes.validation, `the window is longer than the ${kept} days kept`, [
      { name: 'from', reason: `at most ${kept} days before to` },
    ]);
  }
  return { from, to };
}

/**
 * An ops report's answer as asked: JSON, or CSV with `format=csv` (or, without `format`, with
 * `Accept: text/csv`) as an attachment named after the report, the scope and the window. Never cached.
 */
export function reportAnswer<Answer>(
  reply: FastifyReply,
  ask: { format?: 'json' | 'csv'; accept: string | undefined },
  file: { report: string; scope: ReportScope; from: string; to: string },
  answer: Answer,
  toCsv: (answer: Answer) => string,
): Answer | string {
  void reply.header('cache-control', 'no-store');
  const csv = ask.format ? ask.format === 'csv' : /\btext\/csv\b/i.test(ask.accept ?? '');
  if (!csv) return answer;
  const { scope } = file;
  const name = scope.level === 'national' ? 'vn' : scope.level === 'province' ? scope.provinceCode : scope.communeCode;
  void reply.header('content-type', 'text/csv; charset=utf-8');
  void reply.header('content-disposition', `attachment; filename="motlan-${file.report}-${name}-${file.from}-${file.to}.csv"`);
  return toCsv(answer);
}
