/**
 * deploy/k8s, checked without a cluster: every file parses, both overlays render with kubectl's
 * Kustomize, every Kafka topic of the code is declared with the production settings, every
 * container is probed, bounded and unprivileged, and every configuration variable is set or
 * documented (docs/operations.md).
 */
import { beforeAll, describe, expect, it } from '@jest/globals';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { SIMULATOR_PORT_OFFSETS } from '@motlan/contracts/simulator-ports.js';
import { Topics } from '@motlan/events/topics.js';
import { configurationVariables, filesUnder, type K8sObject, parseYamlDocuments, readText, renderKustomization, ROOT } from './deploy-files.js';

interface Probe {
  httpGet?: { path: string; port: string | number };
  exec?: { command: string[] };
}
interface EnvVar {
  name: string;
  value?: string;
}
interface Container {
  name: string;
  image: string;
  env?: EnvVar[];
  envFrom?: Array<{ configMapRef?: { name: string } }>;
  resources?: { requests?: Record<string, string>; limits?: Record<string, string> };
  livenessProbe?: Probe;
  readinessProbe?: Probe;
  securityContext?: {
    runAsNonRoot?: boolean;
    readOnlyRootFilesystem?: boolean;
    allowPrivilegeEscalation?: boolean;
    capabilities?: { drop?: string[] };
    seccompProfile?: { type: string };
  };
}
interface PodSpec {
  securityContext?: { runAsNonRoot?: boolean; runAsUser?: number; seccompProfile?: { type: string } };
  containers: Container[];
  initContainers?: Container[];
}
interface KafkaTopicSpec {
  topicName?: string;
  partitions: number;
  replicas: number;
  config?: Record<string, string | number>;
}
interface AclRule {
  resource: { type: string; name: string; patternType: string };
  operations: string[];
}

const OVERLAYS = ['dev', 'production'] as const;
const rendered: Record<(typeof OVERLAYS)[number], K8sObject[]> = { dev: [], production: [] };

beforeAll(() => {
  for (const overlay of OVERLAYS) rendered[overlay] = renderKustomization(path.join(ROOT, 'deploy/k8s/overlays', overlay));
});

const ofKind = (objects: K8sObject[], kind: string): K8sObject[] => objects.filter((o) => o.kind === kind);
const named = (objects: K8sObject[], kind: string, name: string): K8sObject => {
  const found = objects.find((o) => o.kind === kind && o.metadata.name === name);
  if (!found) throw new Error(`no ${kind} ${name} in the rendered manifests`);
  return found;
};
const podSpec = (workload: K8sObject): PodSpec => (workload.spec as { template: { spec: PodSpec } }).template.spec;
const workloads = (objects: K8sObject[]): K8sObject[] => objects.filter((o) => ['Deployment', 'StatefulSet', 'DaemonSet', 'Job'].includes(o.kind));

/** Every topic name the code uses: the versioned topics of libs/events/topics.ts, and the change topic of every registry the simulator serves. */
function codeTopics(): string[] {
  const fixed: string[] = [];
  for (const topic of Object.values(Topics)) if (typeof topic === 'string') fixed.push(topic);
  const perRegistry = Object.keys(SIMULATOR_PORT_OFFSETS).map((registry) => Topics.registryChanges(registry));
  return [...fixed, ...perRegistry].sort();
}

describe('deploy/k8s files', () => {
  it('every YAML file parses, and every document names its apiVersion and kind', () => {
    const files = filesUnder('deploy/k8s', ['.yaml', '.yml']);
    expect(files.length).toBeGreaterThanOrEqual(10);
    for (const file of files) {
      const docs = parseYamlDocuments(readFileSync(file, 'utf8')) as Array<Partial<K8sObject>>;
      expect(docs.length).toBeGreaterThan(0);
      for (const doc of docs) {
        expect({ file: path.relative(ROOT, file), apiVersion: typeof doc.apiVersion, kind: typeof doc.kind }).toEqual({
          file: path.relative(ROOT, file),
          apiVersion: 'string',
          kind: 'string',
        });
      }
    }
  });

  it.each(OVERLAYS)('the %s overlay renders into one namespace', (overlay) => {
    const objects = rendered[overlay];
    expect(objects.length).toBeGreaterThan(30);
    const namespace = named(objects, 'Namespace', overlay === 'dev' ? 'motlan-dev' : 'motlan').metadata.name;
    for (const o of objects.filter((x) => x.kind !== 'Namespace'))
      expect(`${o.kind}/${o.metadata.name} in ${o.metadata.namespace}`).toBe(`${o.kind}/${o.metadata.name} in ${namespace}`);
  });
});

describe('Kafka (Strimzi)', () => {
  it('every topic the code uses has a KafkaTopic with the production settings: 3 replicas, min.insync.replicas 2', () => {
    const topics = ofKind(rendered.production, 'KafkaTopic');
    const declared = new Map(topics.map((t) => [(t.spec as unknown as KafkaTopicSpec).topicName ?? t.metadata.name, t.spec as unknown as KafkaTopicSpec]));
    const expected = codeTopics();
    expect(expected.length).toBeGreaterThanOrEqual(14);
    for (const topic of expected) {
      const spec = declared.get(topic);
      expect({ topic, replicas: spec?.replicas, minInsync: Number(spec?.config?.['min.insync.replicas']) }).toEqual({ topic, replicas: 3, minInsync: 2 });
    }
    // and nothing declared that the code does not use (a renamed topic leaves no orphan behind)
    expect([...declared.keys()].sort()).toEqual(expected);
  });

  it('the catalogs are compacted on one partition, the audit trail is kept forever', () => {
    const spec = (name: string) => named(rendered.production, 'KafkaTopic', name).spec as unknown as KafkaTopicSpec;
    for (const catalog of [Topics.adapterCatalog, Topics.procedureCatalog]) {
      expect({ catalog, partitions: spec(catalog).partitions, policy: spec(catalog).config?.['cleanup.policy'] }).toEqual({
        catalog,
        partitions: 1,
        policy: 'compact',
      });
    }
    expect(Number(spec(Topics.audit).config?.['retention.ms'])).toBe(-1);
  });

  it('the cluster has three brokers and three controllers, a TLS SCRAM-SHA-512 listener and ACLs, with production defaults', () => {
    const pools = ofKind(rendered.production, 'KafkaNodePool').map((p) => ({
      roles: (p.spec as { roles: string[] }).roles,
      replicas: (p.spec as { replicas: number }).replicas,
    }));
    expect(pools).toEqual(
      expect.arrayContaining([
        { roles: ['controller'], replicas: 3 },
        { roles: ['broker'], replicas: 3 },
      ]),
    );
    const kafka = named(rendered.production, 'Kafka', 'motlan-kafka').spec as {
      kafka: { listeners: Array<{ tls: boolean; authentication?: { type: string } }>; authorization?: { type: string }; config: Record<string, unknown> };
      kafkaExporter?: unknown;
    };
    expect(kafka.kafka.listeners.every((l) => l.tls && l.authentication?.type === 'scram-sha-512')).toBe(true);
    expect(kafka.kafka.authorization?.type).toBe('simple');
    expect(kafka.kafka.config).toMatchObject({ 'default.replication.factor': 3, 'min.insync.replicas': 2, 'auto.create.topics.enable': false });
    expect(kafka.kafkaExporter).toBeDefined();
  });

  it('the api and the worker each connect as their own SCRAM user, whose Secret they mount, and may write the topics they produce to', () => {
    const users = new Map(
      ofKind(rendered.production, 'KafkaUser').map((u) => [
        u.metadata.name,
        u.spec as { authentication: { type: string }; authorization: { acls: AclRule[] } },
      ]),
    );
    const writes: Record<string, string[]> = {
      'motlan-api': [Topics.dossierSync, Topics.audit, Topics.adapterCatalog, Topics.procedureCatalog],
      'motlan-worker': [Topics.dossierSyncRetry, Topics.dossierSyncDlq, Topics.dossierSyncOutcomes, Topics.registryChangesDlq],
    };
    for (const [deployment, user] of [
      ['motlan-api', 'motlan-api'],
      ['motlan-worker', 'motlan-worker'],
    ]) {
      const pod = podSpec(named(rendered.production, 'Deployment', deployment));
      const env = pod.containers[0].env ?? [];
      expect(env.find((e) => e.name === 'KAFKA_SASL_USERNAME')?.value).toBe(user);
      const volumes = (pod as unknown as { volumes: Array<{ secret?: { secretName: string } }> }).volumes;
      expect(volumes.some((v) => v.secret?.secretName === user)).toBe(true);
      const spec = users.get(user);
      expect(spec?.authentication.type).toBe('scram-sha-512');
      for (const topic of writes[user]) {
        const allowed = spec?.authorization.acls.some(
          (acl) =>
            acl.resource.type === 'topic' &&
            acl.operations.includes('Write') &&
            (acl.resource.patternType === 'literal' ? acl.resource.name === topic : topic.startsWith(acl.resource.name)),
        );
        expect({ user, topic, allowed }).toEqual({ user, topic, allowed: true });
      }
    }
  });
});

describe('workloads', () => {
  it.each(OVERLAYS)('%s: every container has resource requests and limits and an unprivileged, read-only context', (overlay) => {
    const all = workloads(rendered[overlay]);
    expect(all.length).toBeGreaterThanOrEqual(3);
    for (const workload of all) {
      const pod = podSpec(workload);
      for (const container of [...pod.containers, ...(pod.initContainers ?? [])]) {
        const where = `${workload.kind}/${workload.metadata.name} ${container.name}`;
        const sc = container.securityContext ?? {};
        expect({
          where,
          requests: Object.keys(container.resources?.requests ?? {}).sort(),
          limits: Object.keys(container.resources?.limits ?? {}).sort(),
          runAsNonRoot: sc.runAsNonRoot ?? pod.securityContext?.runAsNonRoot,
          readOnlyRootFilesystem: sc.readOnlyRootFilesystem,
          allowPrivilegeEscalation: sc.allowPrivilegeEscalation,
          dropsAll: sc.capabilities?.drop?.includes('ALL'),
          seccomp: (sc.seccompProfile ?? pod.securityContext?.seccompProfile)?.type,
        }).toEqual({
          where,
          requests: ['cpu', 'memory'],
          limits: ['cpu', 'memory'],
          runAsNonRoot: true,
          readOnlyRootFilesystem: true,
          allowPrivilegeEscalation: false,
          dropsAll: true,
          seccomp: 'RuntimeDefault',
        });
      }
      // A pod that runs as non-root must also name a non-zero user the image may not set.
      expect(pod.securityContext?.runAsUser).toBeGreaterThan(0);
    }
  });

  it.each(OVERLAYS)('%s: every container is probed; the gateway on /health/live and /health/ready', (overlay) => {
    for (const workload of workloads(rendered[overlay])) {
      for (const container of podSpec(workload).containers) {
        const where = `${workload.kind}/${workload.metadata.name} ${container.name}`;
        expect({ where, liveness: Boolean(container.livenessProbe), readiness: Boolean(container.readinessProbe) }).toEqual({
          where,
          liveness: true,
          readiness: true,
        });
        if (container.name === 'gateway') {
          expect({ where, live: container.livenessProbe?.httpGet?.path, ready: container.readinessProbe?.httpGet?.path }).toEqual({
            where,
            live: '/health/live',
            ready: '/health/ready',
          });
        }
      }
    }
  });

  it('the api and worker Deployments run one role each, the api is autoscaled, both are covered by a disruption budget', () => {
    for (const role of ['api', 'worker']) {
      const env = podSpec(named(rendered.production, 'Deployment', `motlan-${role}`)).containers[0].env ?? [];
      expect(env.find((e) => e.name === 'MOTLAN_ROLES')?.value).toBe(role);
      const budgets = ofKind(rendered.production, 'PodDisruptionBudget').filter(
        (b) => (b.spec as { selector: { matchLabels: Record<string, string> } }).selector.matchLabels['app.kubernetes.io/component'] === role,
      );
      expect(budgets).toHaveLength(1);
    }
    const hpa = ofKind(rendered.production, 'HorizontalPodAutoscaler');
    expect(hpa.map((h) => (h.spec as { scaleTargetRef: { name: string } }).scaleTargetRef.name)).toEqual(['motlan-api']);
  });

  it('Redis runs a sentinel beside every data node, and the gateway asks those sentinels for the master it watches', () => {
    const redis = named(rendered.production, 'StatefulSet', 'motlan-redis');
    expect((redis.spec as { replicas: number }).replicas).toBe(3);
    expect(podSpec(redis).containers.map((c) => c.name)).toEqual(['redis', 'sentinel']);
    const config = ofKind(rendered.production, 'ConfigMap').find((c) => c.metadata.name.startsWith('motlan-gateway-config'));
    const sentinels = config?.data?.REDIS_SENTINELS?.split(',') ?? [];
    expect(sentinels).toEqual([0, 1, 2].map((i) => `motlan-redis-${i}.motlan-redis-headless:26379`));
    const script = named(rendered.production, 'ConfigMap', 'motlan-redis-scripts').data?.['init.sh'] ?? '';
    expect(script).toContain(`sentinel monitor ${config?.data?.REDIS_SENTINEL_NAME} `);
  });
});

describe('secrets', () => {
  /** Secrets a pod cannot start without: non-optional secret volumes and secretKeyRefs. */
  function requiredSecrets(objects: K8sObject[]): Set<string> {
    const names = new Set<string>();
    for (const workload of workloads(objects)) {
      const pod = podSpec(workload) as PodSpec & { volumes?: Array<{ secret?: { secretName: string; optional?: boolean } }> };
      for (const volume of pod.volumes ?? []) if (volume.secret && !volume.secret.optional) names.add(volume.secret.secretName);
      for (const container of [...pod.containers, ...(pod.initContainers ?? [])]) {
        for (const e of (container.env ?? []) as Array<EnvVar & { valueFrom?: { secretKeyRef?: { name: string; optional?: boolean } } }>) {
          if (e.valueFrom?.secretKeyRef && !e.valueFrom.secretKeyRef.optional) names.add(e.valueFrom.secretKeyRef.name);
        }
      }
    }
    return names;
  }
  /** Secrets Strimzi writes: the cluster CA certificate and one per KafkaUser. */
  const strimziSecrets = (objects: K8sObject[]) => new Set(['motlan-kafka-cluster-ca-cert', ...ofKind(objects, 'KafkaUser').map((u) => u.metadata.name)]);

  it('dev: every Secret a pod needs is generated by the overlay or written by Strimzi (the overlay starts on an empty namespace)', () => {
    const generated = new Set(ofKind(rendered.dev, 'Secret').map((s) => s.metadata.name));
    const strimzi = strimziSecrets(rendered.dev);
    expect([...requiredSecrets(rendered.dev)].filter((n) => !generated.has(n) && !strimzi.has(n))).toEqual([]);
  });

  it('production: no Secret value is in the repository; every Secret a pod needs is written by Strimzi or listed in docs/operations.md', () => {
    expect(ofKind(rendered.production, 'Secret')).toEqual([]);
    const strimzi = strimziSecrets(rendered.production);
    const documented = readText('docs/operations.md');
    const missing = [...requiredSecrets(rendered.production)].filter((n) => !strimzi.has(n) && !documented.includes(`\`${n}\``));
    expect(missing).toEqual([]);
  });
});

describe('network policies', () => {
  it('only the api is reachable from outside the namespace (monitoring aside); gateway pods are denied by default', () => {
    const policies = ofKind(rendered.production, 'NetworkPolicy');
    const deny = named(rendered.production, 'NetworkPolicy', 'motlan-gateway-default-deny').spec as {
      policyTypes: string[];
      ingress?: unknown;
      egress?: unknown;
    };
    expect(deny).toMatchObject({ policyTypes: ['Ingress', 'Egress'] });
    expect(deny.ingress ?? deny.egress).toBeUndefined();
    for (const policy of policies) {
      const spec = policy.spec as {
        podSelector: { matchLabels?: Record<string, string> };
        ingress?: Array<{ from?: Array<{ ipBlock?: unknown; namespaceSelector?: { matchLabels?: Record<string, string> } }> }>;
      };
      const fromOutside = (spec.ingress ?? [])
        .flatMap((rule) => rule.from ?? [])
        .filter((peer) => peer.ipBlock || (peer.namespaceSelector && peer.namespaceSelector.matchLabels?.['kubernetes.io/metadata.name'] !== 'monitoring'));
      if (fromOutside.length > 0)
        expect({ policy: policy.metadata.name, selects: spec.podSelector.matchLabels?.['app.kubernetes.io/component'] }).toEqual({
          policy: policy.metadata.name,
          selects: 'api',
        });
    }
  });
});

describe('environment', () => {
  it('every variable the configuration reads is set in the manifests or documented in docs/operations.md', () => {
    const variables = configurationVariables();
    // A sanity floor: the reader must have found the configuration, not an empty file.
    expect(variables).toEqual(expect.arrayContaining(['KAFKA_BROKERS', 'MOTLAN_ROLES', 'MOTLAN_DATA_DIR', 'PORT']));
    const set = manifestVariables(rendered.production);
    const documented = new Set([...readText('docs/operations.md').matchAll(/`([A-Z][A-Z0-9_]+)`/g)].map((m) => m[1]));
    expect(variables.filter((v) => !set.has(v) && !documented.has(v))).toEqual([]);
  });

  it('every variable the manifests give the gateway is one its configuration reads (a typo would be ignored silently)', () => {
    const variables = new Set([...configurationVariables(), 'NODE_OPTIONS']);
    for (const overlay of OVERLAYS) expect([...manifestVariables(rendered[overlay])].filter((v) => !variables.has(v))).toEqual([]);
  });
});

/** The variables a gateway container gets: its env entries and the ConfigMaps it takes whole. */
function manifestVariables(objects: K8sObject[]): Set<string> {
  const names = new Set<string>();
  for (const workload of workloads(objects)) {
    for (const container of podSpec(workload).containers.filter((c) => c.name === 'gateway')) {
      for (const e of container.env ?? []) names.add(e.name);
      for (const source of container.envFrom ?? []) {
        const map = objects.find((o) => o.kind === 'ConfigMap' && o.metadata.name === source.configMapRef?.name);
        for (const key of Object.keys(map?.data ?? {})) names.add(key);
      }
    }
  }
  return names;
}
