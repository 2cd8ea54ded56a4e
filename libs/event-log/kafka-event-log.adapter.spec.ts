/**
 * KafkaEventLog's appends against a scripted kafkajs producer: kafkajs 2.2.4 can resolve a send
 * without one of its partitions when a broker dies in the middle (its partition moved to a broker
 * that had already answered; docs/kafka-cluster.md). The log must notice and send those messages
 * again, and only those. The producer here uses the partitioner KafkaEventLog gives it, as kafkajs
 * does; the real thing is exercised on a three-broker cluster by test/cluster.
 */
import { afterEach, describe, expect, it, jest } from '@jest/globals';
import { Kafka, type ICustomPartitioner, type Message, type PartitionMetadata, type Producer, type ProducerBatch, type RecordMetadata } from 'kafkajs';
import { KafkaEventLog } from './kafka-event-log.adapter.js';

const PARTITIONS = 3;
const metadata: PartitionMetadata[] = Array.from({ length: PARTITIONS }, (_, partitionId) => ({
  partitionId,
  leader: 1,
  partitionErrorCode: 0,
  replicas: [1],
  isr: [1],
}));

interface Sent {
  topic: string;
  partition: number;
  key: string;
}

/** A producer that partitions like kafkajs and, on the sends `drop` names, leaves a partition out of its answer. */
function scriptedProducer(createPartitioner: ICustomPartitioner, drop: (call: number) => { topic: string; partition: number } | undefined) {
  const partitioner = createPartitioner();
  const calls: Sent[][] = [];
  const producer = {
    connect: () => Promise.resolve(),
    disconnect: () => Promise.resolve(),
    sendBatch: ({ topicMessages = [] }: ProducerBatch): Promise<RecordMetadata[]> => {
      const sent: Sent[] = topicMessages.flatMap(({ topic, messages }) =>
        messages.map((message: Message) => ({ topic, partition: partitioner({ topic, partitionMetadata: metadata, message }), key: String(message.key) })),
      );
      calls.push(sent);
      const dropped = drop(calls.length);
      const answered = new Map<string, RecordMetadata>();
      for (const { topic, partition } of sent) {
        if (dropped && dropped.topic === topic && dropped.partition === partition) continue;
        answered.set(`${topic}/${partition}`, { topicName: topic, partition, errorCode: 0, baseOffset: '0' });
      }
      return Promise.resolve([...answered.values()]);
    },
  };
  return { producer: producer as unknown as Producer, calls };
}

afterEach(() => {
  jest.restoreAllMocks();
});

function logWith(drop: (call: number) => { topic: string; partition: number } | undefined) {
  let calls: Sent[][] = [];
  jest.spyOn(Kafka.prototype, 'producer').mockImplementation((config) => {
    const scripted = scriptedProducer(config!.createPartitioner!, drop);
    calls = scripted.calls;
    return scripted.producer;
  });
  const log = new KafkaEventLog({ brokers: ['127.0.0.1:1'], clientId: 'event-log-spec' });
  return { log, calls: () => calls };
}

const messages = Array.from({ length: 30 }, (_, i) => ({ key: `dossier-${String.fromCharCode(97 + (i % 26))}${i}`, value: JSON.stringify({ i }) }));

describe('KafkaEventLog appends', () => {
  it('sends again the messages of a partition kafkajs left out of an acknowledged send, and only those', async () => {
    const { log, calls } = logWith((call) => (call === 1 ? { topic: 'statuses', partition: 1 } : undefined));
    await log.append('statuses', messages);
    await log.append('outcomes', [{ key: 'dossier-x', value: '{}' }]);
    const [first, second, third] = calls();
    expect(first).toHaveLength(messages.length);
    const leftOut = first.filter((s) => s.partition === 1).map((s) => s.key);
    expect(leftOut.length).toBeGreaterThan(0);
    // The second send carries exactly the messages of the partition left out, in their order.
    expect(second.map((s) => s.key)).toEqual(leftOut);
    expect(second.every((s) => s.topic === 'statuses' && s.partition === 1)).toBe(true);
    expect(third.map((s) => s.key)).toEqual(['dossier-x']);
    expect(calls()).toHaveLength(3);
    await log.close();
  });

  it('sends once when every partition was acknowledged', async () => {
    const { log, calls } = logWith(() => undefined);
    await log.append('statuses', messages);
    expect(calls()).toHaveLength(1);
    await log.close();
  });
});
