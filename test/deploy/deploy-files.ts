/**
 * What the deployment checks share: the repository's files, the tools they run (kubectl for
 * Kustomize, promtool for the alert rules) and what the code says (configuration variables,
 * exported metrics). Each fact is read from the source at test time, so the checks stay true as
 * the code changes.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { loadAll } from 'js-yaml';

export const ROOT = path.resolve(import.meta.dirname, '..', '..');

/** A Kubernetes object as rendered: only the fields the checks read are typed. */
export interface K8sObject {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace?: string; labels?: Record<string, string> };
  spec?: Record<string, unknown>;
  data?: Record<string, string>;
  [field: string]: unknown;
}

/** Every file under `dir` (relative to the repository) whose name ends with one of `extensions`. */
export function filesUnder(dir: string, extensions: readonly string[]): string[] {
  const found: string[] = [];
  const walk = (at: string): void => {
    for (const entry of readdirSync(at, { withFileTypes: true })) {
      const full = path.join(at, entry.name);
      if (entry.isDirectory()) walk(full);
      else if (extensions.some((e) => entry.name.endsWith(e))) found.push(full);
    }
  };
  walk(path.join(ROOT, dir));
  return found.sort();
}

export function readText(relative: string): string {
  return readFileSync(path.join(ROOT, relative), 'utf8');
}

/** Every YAML document of a multi-document text (empty documents dropped). */
export function parseYamlDocuments(text: string): unknown[] {
  return loadAll(text).filter((doc) => doc !== null && doc !== undefined);
}

/**
 * Runs a tool that the checks need; a missing tool fails the test with how to install it, never
 * skips it (a check that silently did not run would read as a check that passed).
 */
export function runTool(command: string, args: readonly string[], install: string, cwd = ROOT): string {
  const result = spawnSync(command, args, { cwd, encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
  if (result.error && (result.error as NodeJS.ErrnoException).code === 'ENOENT') {
    throw new Error(`${command} is not installed: ${install}`);
  }
  if (result.error) throw result.error;
  if (result.status !== 0) {
    throw new Error(`${command} ${args.join(' ')} exited with ${result.status}:\n${result.stdout}\n${result.stderr}`);
  }
  return result.stdout;
}

export const KUBECTL_INSTALL =
  'the overlays need kubectl 1.27 or newer (Kustomize v5): this machine image ships it (/usr/bin/kubectl); Debian 12\'s own "kubernetes-client" (1.20, Kustomize v2) is too old to render them';
export const PROMTOOL_INSTALL = "apt-get install -y prometheus (Debian's package brings promtool; .ci/run installs it)";

/** `kubectl kustomize <dir>` parsed, after checking that its Kustomize is v5 or newer. */
export function renderKustomization(dir: string): K8sObject[] {
  const version = runTool('kubectl', ['version', '--client'], KUBECTL_INSTALL);
  const kustomize = /Kustomize Version: v(\d+)\./.exec(version);
  if (!kustomize || Number(kustomize[1]) < 5) throw new Error(`kubectl's Kustomize is too old (${version.trim()}): ${KUBECTL_INSTALL}`);
  return parseYamlDocuments(runTool('kubectl', ['kustomize', dir], KUBECTL_INSTALL)) as K8sObject[];
}

/**
 * The environment variables the gateway's configuration reads: every quoted variable name in
 * apps/gateway/src/config/*.ts and in the repository modules those files import (Kafka settings,
 * process roles, …), plus the string constants they pass by name (`optional(env, SOME_CONST)`).
 * Variable names are upper case with an underscore (or HOST, PORT); prefixes (ending in "_") are
 * not variables.
 */
export function configurationVariables(): string[] {
  const configDir = path.join(ROOT, 'apps/gateway/src/config');
  const configFiles = readdirSync(configDir)
    .filter((f) => f.endsWith('.ts') && !f.endsWith('.spec.ts'))
    .map((f) => path.join(configDir, f));
  const files = new Set(configFiles);
  for (const file of configFiles) for (const imported of repositoryImports(file)) files.add(imported);
  const names = new Set<string>();
  for (const file of files) {
    // Injection tokens such as Symbol('GATEWAY_CONFIG') look like variables but are not read from the environment.
    const source = stripComments(readFileSync(file, 'utf8')).replace(/Symbol\(\s*'[^']*'\s*\)/g, '');
    for (const [, name] of source.matchAll(/['"`]([A-Z][A-Z0-9]*(?:_[A-Z0-9]+)+|HOST|PORT)['"`]/g)) names.add(name);
    for (const [, constant] of source.matchAll(/\(\s*env\s*,\s*([A-Z][A-Z0-9_]+)\s*[,)]/g)) {
      const value = constantValue(constant, [...files]);
      if (value) names.add(value);
    }
  }
  return [...names].sort();
}

function repositoryImports(file: string): string[] {
  const source = readFileSync(file, 'utf8');
  const found: string[] = [];
  for (const [, spec] of source.matchAll(/from\s+'([^']+)'/g)) {
    let target: string | undefined;
    if (spec.startsWith('@motlan/')) target = path.join(ROOT, 'libs', spec.slice('@motlan/'.length));
    else if (spec.startsWith('.')) target = path.resolve(path.dirname(file), spec);
    if (!target) continue;
    const ts = target.replace(/\.js$/, '.ts');
    if (existsSync(ts)) found.push(ts);
  }
  return found;
}

function constantValue(name: string, files: readonly string[]): string | undefined {
  for (const file of files) {
    const match = new RegExp(`const\\s+${name}\\s*=\\s*'([A-Z][A-Z0-9_]*)'`).exec(readFileSync(file, 'utf8'));
    if (match) return match[1];
  }
  return undefined;
}

/** Drops block and line comments (a variable named in a comment is not read); strings are kept. */
function stripComments(source: string): string {
  return source.replace(/\/\*[\s\S]*?\*\//g, '').replace(/(^|[^:'"`])\/\/.*$/gm, '$1');
}

/**
 * The metric names the gateway exports: every `new Counter|Gauge|Histogram|Summary({ name: … })`
 * in apps/ and libs/ (histograms and summaries add their _bucket/_sum/_count series).
 */
export function exportedMetrics(): Set<string> {
  const names = new Set<string>();
  for (const file of [...filesUnder('apps', ['.ts']), ...filesUnder('libs', ['.ts'])]) {
    if (file.endsWith('.spec.ts')) continue;
    const source = readFileSync(file, 'utf8');
    for (const [, kind, name] of source.matchAll(/new (Counter|Gauge|Histogram|Summary)\(\{\s*name:\s*'([a-zA-Z_:][a-zA-Z0-9_:]*)'/g)) {
      names.add(name);
      if (kind === 'Histogram') for (const suffix of ['_bucket', '_sum', '_count']) names.add(name + suffix);
      if (kind === 'Summary') for (const suffix of ['_sum', '_count']) names.add(name + suffix);
    }
  }
  return names;
}

/**
 * Metrics of Strimzi's Kafka Exporter, which deploy/k8s/base/kafka/kafka-cluster.yaml enables
 * (`kafkaExporter`): topic offsets and consumer-group lag as Kafka itself sees them.
 */
export const KAFKA_EXPORTER_METRICS: ReadonlySet<string> = new Set([
  'kafka_topic_partition_current_offset',
  'kafka_topic_partition_oldest_offset',
  'kafka_consumergroup_lag',
  'kafka_consumergroup_current_offset',
]);

/** Metric names a PromQL expression reads (Motlan's and Kafka's, by their prefixes). */
export function metricsIn(expr: string): string[] {
  return [...new Set([...expr.matchAll(/\b((?:motlan|kafka)_[a-zA-Z0-9_:]+)/g)].map((m) => m[1]))];
}
