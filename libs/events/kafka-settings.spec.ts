import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { KafkaConfigError, loadKafkaSettings, topicReplication } from './kafka-settings.js';

const dir = mkdtempSync(path.join(tmpdir(), 'kafka-settings-'));
const file = (name: string, text = 'pem') => {
  const target = path.join(dir, name);
  writeFileSync(target, text);
  return target;
};

function configError(env: Record<string, string>): KafkaConfigError {
  try {
    loadKafkaSettings(env, dir);
  } catch (error) {
    if (error instanceof KafkaConfigError) return error;
    throw error;
  }
  throw new Error('no KafkaConfigError');
}

describe('loadKafkaSettings', () => {
  it('is undefined without KAFKA_BROKERS (embedded profile) and plaintext with only brokers', () => {
    expect(loadKafkaSettings({}, dir)).toBeUndefined();
    expect(loadKafkaSettings({ KAFKA_BROKERS: ' a:9092, b:9093 ' }, dir)).toEqual({ brokers: ['a:9092', 'b:9093'], security: {}, topics: {} });
    expect(loadKafkaSettings({ KAFKA_BROKERS: 'kafka-0.kafka.motlan.svc:9093,[::1]:9092' }, dir)?.brokers).toEqual([
      'kafka-0.kafka.motlan.svc:9093',
      '[::1]:9092',
    ]);
  });

  it('reads TLS files (relative to the working directory), SCRAM credentials from a file (its trailing newline dropped) and the topic placement', () => {
    file('client.crt');
    const settings = loadKafkaSettings(
      {
        KAFKA_BROKERS: 'kafka-0:9093',
        KAFKA_SSL_CA_FILE: file('ca.crt'),
        KAFKA_SSL_CERT_FILE: 'client.crt',
        KAFKA_SSL_KEY_FILE: file('client.key'),
        KAFKA_SASL_MECHANISM: 'SCRAM-SHA-512',
        KAFKA_SASL_USERNAME: 'motlan',
        KAFKA_SASL_PASSWORD_FILE: file('password', 's3cret pass\n'),
        MOTLAN_KAFKA_PARTITIONS: '12',
        MOTLAN_KAFKA_REPLICATION_FACTOR: '3',
        MOTLAN_KAFKA_MIN_INSYNC_REPLICAS: '2',
      },
      dir,
    );
    expect(settings).toEqual({
      brokers: ['kafka-0:9093'],
      security: {
        tls: { caFile: path.join(dir, 'ca.crt'), certFile: path.join(dir, 'client.crt'), keyFile: path.join(dir, 'client.key') },
        sasl: { mechanism: 'scram-sha-512', username: 'motlan', password: 's3cret pass' },
      },
      topics: { partitions: 12, replicationFactor: 3, minInsyncReplicas: 2 },
    });
    expect(loadKafkaSettings({ KAFKA_BROKERS: 'k:1', KAFKA_SSL: 'true' }, dir)?.security).toEqual({
      tls: { caFile: undefined, certFile: undefined, keyFile: undefined },
    });
  });

  it('names the variable of every bad value', () => {
    expect(configError({ KAFKA_BROKERS: 'kafka-0' }).variable).toBe('KAFKA_BROKERS');
    expect(configError({ KAFKA_BROKERS: 'k:1', KAFKA_SSL_CA_FILE: 'missing.crt' }).message).toMatch(
      /KAFKA_SSL_CA_FILE must name a readable file, got "missing.crt" \(ENOENT\)/,
    );
    expect(configError({ KAFKA_BROKERS: 'k:1', KAFKA_SSL_CERT_FILE: file('only.crt') }).variable).toBe('KAFKA_SSL_KEY_FILE');
    expect(configError({ KAFKA_BROKERS: 'k:1', KAFKA_SASL_MECHANISM: 'gssapi' }).variable).toBe('KAFKA_SASL_MECHANISM');
    expect(configError({ KAFKA_BROKERS: 'k:1', KAFKA_SASL_MECHANISM: 'plain', KAFKA_SASL_USERNAME: 'u', KAFKA_SASL_PASSWORD: 'p' }).message).toMatch(
      /plain sends the password/,
    );
    expect(configError({ KAFKA_BROKERS: 'k:1', KAFKA_SASL_MECHANISM: 'scram-sha-512', KAFKA_SASL_PASSWORD: 'p' }).variable).toBe('KAFKA_SASL_USERNAME');
    expect(configError({ KAFKA_BROKERS: 'k:1', KAFKA_SASL_MECHANISM: 'scram-sha-512', KAFKA_SASL_USERNAME: 'u' }).variable).toBe('KAFKA_SASL_PASSWORD');
    expect(configError({ KAFKA_BROKERS: 'k:1', KAFKA_SASL_USERNAME: 'u' }).variable).toBe('KAFKA_SASL_MECHANISM');
    expect(configError({ KAFKA_BROKERS: 'k:1', MOTLAN_KAFKA_REPLICATION_FACTOR: '0' }).variable).toBe('MOTLAN_KAFKA_REPLICATION_FACTOR');
    expect(configError({ KAFKA_BROKERS: 'k:1', MOTLAN_KAFKA_REPLICATION_FACTOR: '2', MOTLAN_KAFKA_MIN_INSYNC_REPLICAS: '3' }).variable).toBe(
      'MOTLAN_KAFKA_MIN_INSYNC_REPLICAS',
    );
  });
});

describe('loadKafkaSettings: several bad values', () => {
  it('lists them all at once, one line each', () => {
    const bad = { KAFKA_SSL_CA_FILE: 'missing.crt', KAFKA_SSL: 'maybe', KAFKA_SASL_MECHANISM: 'gssapi', MOTLAN_KAFKA_PARTITIONS: '0' };
    const error = configError({ KAFKA_BROKERS: 'k:1', ...bad });
    expect(error.problems.map((p) => p.variable)).toEqual([
      'KAFKA_SSL_CA_FILE',
      'KAFKA_SSL',
      'KAFKA_SASL_MECHANISM',
      'KAFKA_SASL_USERNAME',
      'KAFKA_SASL_PASSWORD',
      'MOTLAN_KAFKA_PARTITIONS',
    ]);
    expect(error.message.split('\n')).toHaveLength(6);
    expect(error.message).toMatch(/^invalid configuration: KAFKA_SSL_CA_FILE must name a readable file/);
    expect(error.message).toContain('invalid configuration: MOTLAN_KAFKA_PARTITIONS must be an integer between 1 and 1000, got "0"');
  });
});

describe('topicReplication', () => {
  it('defaults to min(3, brokers) replicas and min.insync.replicas 2 from 3 replicas on, 1 below', () => {
    expect(topicReplication({}, 1)).toEqual({ replicationFactor: 1, minInsyncReplicas: 1 });
    expect(topicReplication({}, 2)).toEqual({ replicationFactor: 2, minInsyncReplicas: 1 });
    expect(topicReplication({}, 3)).toEqual({ replicationFactor: 3, minInsyncReplicas: 2 });
    expect(topicReplication({}, 6)).toEqual({ replicationFactor: 3, minInsyncReplicas: 2 });
  });

  it('takes configured values as they are, and refuses min.insync.replicas above the replication factor', () => {
    expect(topicReplication({ replicationFactor: 5, minInsyncReplicas: 3 }, 6)).toEqual({ replicationFactor: 5, minInsyncReplicas: 3 });
    expect(topicReplication({ replicationFactor: 3 }, 1)).toEqual({ replicationFactor: 3, minInsyncReplicas: 2 });
    expect(() => topicReplication({ minInsyncReplicas: 2 }, 1)).toThrow(
      /MOTLAN_KAFKA_MIN_INSYNC_REPLICAS must not exceed the replication factor \(1, from 1 live brokers\)/,
    );
  });
});
