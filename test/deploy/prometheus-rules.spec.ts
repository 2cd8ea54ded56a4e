/**
 * deploy/prometheus and deploy/grafana: the alert rules pass `promtool check rules` and their unit
 * tests (`promtool test rules`), every alert the monitoring centres asked for is there with a
 * runbook in docs/operations.md, and every expression of the rules and of the dashboard reads a
 * metric the gateway (or the Kafka Exporter the Kafka resource enables) actually exports.
 */
import { describe, expect, it } from '@jest/globals';
import path from 'node:path';
import {
  exportedMetrics,
  filesUnder,
  KAFKA_EXPORTER_METRICS,
  metricsIn,
  parseYamlDocuments,
  PROMTOOL_INSTALL,
  readText,
  ROOT,
  runTool,
} from './deploy-files.js';

interface Rule {
  alert?: string;
  record?: string;
  expr: string;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
}
interface RuleFile {
  groups: Array<{ name: string; rules: Rule[] }>;
}
interface DashboardPanel {
  title: string;
  type: string;
  targets?: Array<{ expr: string }>;
}

const RULES = 'deploy/prometheus/motlan-alerts.yaml';
const rules = (): Rule[] => (parseYamlDocuments(readText(RULES))[0] as RuleFile).groups.flatMap((g) => g.rules);

/** The alerts issue 16 asks for, by what they watch. */
const REQUIRED_ALERTS = [
  'MotlanConsumerGroupWarn',
  'MotlanConsumerGroupError',
  'MotlanCommunesRed',
  'MotlanAdapterBreakerOpen',
  'MotlanAuditUnavailable',
  'MotlanDeadLetterGrowing',
  'MotlanRateLimiterFailingOpen',
  'MotlanEvidenceKeyNearExpiry',
];

/** Every metric an expression reads must exist: a renamed metric would leave an alert that never fires. */
function expectExportedMetrics(where: string, expr: string): void {
  const exported = exportedMetrics();
  const read = metricsIn(expr);
  expect({ where, reads: read.length > 0 }).toEqual({ where, reads: true });
  expect({ where, unknown: read.filter((m) => !exported.has(m) && !KAFKA_EXPORTER_METRICS.has(m)) }).toEqual({ where, unknown: [] });
}

describe('Prometheus alert rules', () => {
  it('pass promtool check rules', () => {
    const output = runTool('promtool', ['check', 'rules', path.join(ROOT, RULES)], PROMTOOL_INSTALL);
    expect(output).toMatch(/SUCCESS: \d+ rules found/);
  });

  it('pass their unit tests (promtool test rules): each alert fires when it should and stays quiet when it should not', () => {
    const tests = filesUnder('deploy/prometheus/tests', ['.test.yaml']);
    expect(tests.length).toBeGreaterThan(0);
    for (const file of tests) expect(runTool('promtool', ['test', 'rules', path.basename(file)], PROMTOOL_INSTALL, path.dirname(file))).toMatch(/SUCCESS/);
  });

  it('cover every alert the issue asks for, each with a severity and a runbook section in docs/operations.md', () => {
    const all = rules();
    const names = all.map((r) => r.alert);
    expect(names).toEqual(expect.arrayContaining(REQUIRED_ALERTS));
    const operations = readText('docs/operations.md');
    const headings = new Set([...operations.matchAll(/^#{2,4} (.+)$/gm)].map((m) => m[1].trim().toLowerCase()));
    for (const rule of all.filter((r) => r.alert)) {
      expect({ alert: rule.alert, severity: rule.labels?.severity }).toEqual({ alert: rule.alert, severity: expect.stringMatching(/^(warning|critical)$/) });
      // runbook_url: docs/operations.md#<alert in lower case>, a heading named after the alert
      expect(rule.annotations?.runbook_url).toBe(`docs/operations.md#${rule.alert!.toLowerCase()}`);
      expect({ alert: rule.alert, documented: headings.has(rule.alert!.toLowerCase()) }).toEqual({ alert: rule.alert, documented: true });
    }
  });

  it('every metric the rules read is exported by the gateway or by the Kafka Exporter the Kafka resource enables', () => {
    for (const rule of rules()) expectExportedMetrics(rule.alert ?? rule.record ?? '?', rule.expr);
    const kafka = readText('deploy/k8s/base/kafka/kafka-cluster.yaml');
    expect(kafka).toMatch(/^ {2}kafkaExporter:/m);
  });
});

describe('Grafana dashboard', () => {
  it("parses, and every panel query reads an exported metric; the alerts' figures are all on it", () => {
    const files = filesUnder('deploy/grafana', ['.json']);
    expect(files.length).toBeGreaterThan(0);
    const allExprs: string[] = [];
    for (const file of files) {
      const dashboard = JSON.parse(readText(path.relative(ROOT, file))) as { title: string; uid: string; panels: DashboardPanel[] };
      expect(dashboard.uid).toBeTruthy();
      const queried = dashboard.panels.filter((p) => p.type !== 'row');
      expect(queried.length).toBeGreaterThan(5);
      for (const panel of queried) {
        expect({ panel: panel.title, targets: (panel.targets ?? []).length > 0 }).toEqual({ panel: panel.title, targets: true });
        for (const target of panel.targets ?? []) {
          expectExportedMetrics(`${path.basename(file)}: ${panel.title}`, target.expr);
          allExprs.push(target.expr);
        }
      }
    }
    const onDashboard = new Set(allExprs.flatMap(metricsIn));
    const alerted = new Set(rules().flatMap((r) => metricsIn(r.expr)));
    expect([...alerted].filter((m) => !onDashboard.has(m))).toEqual([]);
  });
});
