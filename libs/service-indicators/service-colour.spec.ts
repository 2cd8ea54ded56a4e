import { describe, expect, it } from '@jest/globals';
import { indicatorsOf, C, emptyCounters } from './indicators.js';
import { colourCounts, communeColour, DEFAULT_SERVICE_THRESHOLDS as T, provinceColour, type ServiceColour } from './service-colour.js';
import { DEFAULT_WORKING_HOURS } from './vietnam-calendar.js';

const NOW = Date.parse('2026-12-08T10:00:00+07:00');
const counts = (values: Partial<Record<keyof typeof C, number>>) => {
  const sum = emptyCounters();
  for (const [k, v] of Object.entries(values)) sum[C[k as keyof typeof C]] = v;
  return sum;
};
const colour = (sum: number[], overdue = 0) => communeColour(indicatorsOf(sum, overdue, null), NOW - 60_000, NOW, T, DEFAULT_WORKING_HOURS);
const many = (spec: Array<[ServiceColour, number]>) => colourCounts(spec.flatMap(([c, n]) => Array<ServiceColour>(n).fill(c)));

describe('commune colour', () => {
  it('judges each share at its bounds, only from the minimum number of dossiers', () => {
    expect(colour(counts({ received: 10, online: 8 })).colour).toBe('GREEN');
    expect(colour(counts({ received: 10, online: 7 })).colour).toBe('YELLOW');
    expect(colour(counts({ received: 10, online: 4 }))).toEqual({ colour: 'RED', reasons: ['online share 40.0 % (below 50.0 %)'] });
    expect(colour(counts({ received: 4, online: 0 })).colour).toBe('GREEN');
    expect(colour(counts({ received: 20, online: 20, resultsReturned: 10, onTime: 10, electronicResults: 4 })).colour).toBe('RED');
    expect(colour(counts({ received: 20, online: 20, resultsReturned: 20, onTime: 18, electronicResults: 20 })).colour).toBe('YELLOW');
  });

  it('turns YELLOW and RED on dossiers overdue now, whatever the window', () => {
    expect(colour(counts({}), 1).colour).toBe('YELLOW');
    expect(colour(counts({}), 10).colour).toBe('RED');
  });

  it('does not colour the payment and reuse shares', () => {
    expect(colour(counts({ received: 10, online: 10, paidOnline: 0, dossiersWithReusedData: 0 })).colour).toBe('GREEN');
  });
});

describe('province colour', () => {
  it('counts the shares of its communes in each colour', () => {
    expect(
      provinceColour(
        many([
          ['GREEN', 9],
          ['YELLOW', 1],
        ]),
        T,
      ),
    ).toBe('GREEN');
    expect(
      provinceColour(
        many([
          ['GREEN', 8],
          ['YELLOW', 2],
        ]),
        T,
      ),
    ).toBe('YELLOW');
    expect(
      provinceColour(
        many([
          ['GREEN', 8],
          ['RED', 2],
        ]),
        T,
      ),
    ).toBe('RED');
    expect(
      provinceColour(
        many([
          ['GREEN', 9],
          ['SILENT', 1],
        ]),
        T,
      ),
    ).toBe('GREEN');
    expect(
      provinceColour(
        many([
          ['GREEN', 5],
          ['SILENT', 5],
        ]),
        T,
      ),
    ).toBe('SILENT');
    expect(provinceColour(many([]), T)).toBe('SILENT');
  });
});
