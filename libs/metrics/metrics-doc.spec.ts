import { readFileSync } from 'node:fs';
import { describe, expect, it } from '@jest/globals';
import { registerLagMetrics } from '@motlan/consumer-lag/lag-metrics.js';
import { registerDataQualityMetrics } from '@motlan/data-quality/data-quality-metrics.js';
import { GatewayMetrics } from './gateway-metrics.js';

/** The names in the table of docs/metrics.md (first column, in backticks). */
function documentedNames(): string[] {
  const page = readFileSync(new URL('../../docs/metrics.md', import.meta.url), 'utf8');
  return [...page.matchAll(/^\| `(motlan_[a-z_]+)` \|/gm)].map((m) => m[1]).sort();
}

describe('docs/metrics.md', () => {
  it('lists exactly the metrics a gateway process exports, with their types and labels', async () => {
    const metrics = new GatewayMetrics();
    registerLagMetrics(metrics.registry);
    registerDataQualityMetrics(metrics.registry);
    const exported = await metrics.registry.getMetricsAsJSON();
    expect(documentedNames()).toEqual(exported.map((m) => m.name).sort());

    const page = readFileSync(new URL('../../docs/metrics.md', import.meta.url), 'utf8');
    for (const metric of exported) {
      const labels = (metrics.registry.getSingleMetric(metric.name) as unknown as { labelNames: string[] }).labelNames;
      const row = page.split('\n').find((line) => line.startsWith(`| \`${metric.name}\` |`))!;
      expect(row).toContain(`| ${metric.type} |`);
      expect(row).toContain(labels.length ? `\`${labels.join(', ')}\`` : '| — |');
    }
  });
});
