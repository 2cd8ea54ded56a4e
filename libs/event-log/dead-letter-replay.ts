import { DlqHeaders } from '@motlan/events/topics.js';
import type { EventLog } from './event-log.port.js';

export interface DeadLetterReplayTopics {
  /** The dead-letter topic read. */
  dlq: string;
  /** Where its messages go back to. */
  main: string;
  /** The replay's own consumer group: it remembers how far replays got. */
  group: string;
}

export interface ReplayedMessage {
  key: string;
  reason: string;
}

/**
 * Sends every dead letter not replayed before back to its topic (once the cause is fixed), then
 * returns. Its own consumer group remembers how far it got, so running it twice does not send
 * anything twice; a message replayed but still refused comes back to the dead-letter topic with
 * its new reason. Shared by the dossier relay and the registry-event relay.
 */
export async function replayDeadLettersOf(
  log: EventLog,
  topics: DeadLetterReplayTopics,
  onMessage?: (progress: ReplayedMessage) => void,
): Promise<{ replayed: number }> {
  await log.ensureTopics([topics.dlq, topics.main], 3);
  const ends = new Map((await log.endOffsets(topics.dlq)).map((p) => [p.partition, BigInt(p.offset)]));
  const committed = new Map((await log.committedOffsets(topics.group, topics.dlq)).map((p) => [p.partition, BigInt(p.offset)]));
  // "-1": nothing committed yet, the group starts at the beginning.
  const startOf = (partition: number) => {
    const offset = committed.get(partition) ?? -1n;
    return offset < 0n ? 0n : offset;
  };
  const remaining = new Set([...ends].filter(([partition, end]) => end > startOf(partition)).map(([partition]) => partition));
  let replayed = 0;
  if (remaining.size === 0) return { replayed };
  let done!: () => void;
  const finished = new Promise<void>((resolve) => (done = resolve));
  const consumer = await log.consume({ group: topics.group, topics: [topics.dlq], fromBeginning: true }, async (message) => {
    const end = ends.get(message.partition) ?? 0n;
    if (BigInt(message.offset) < end) {
      const { [DlqHeaders.reason]: reason = '', ...rest } = message.headers ?? {};
      const headers = Object.fromEntries(Object.entries(rest).filter(([name]) => !name.startsWith('motlan-dlq-')));
      await log.append(topics.main, [
        { key: message.key, value: message.value, headers: { ...headers, 'motlan-replayed-from': `${message.partition}:${message.offset}` } },
      ]);
      replayed++;
      onMessage?.({ key: message.key, reason });
    }
    if (BigInt(message.offset) + 1n >= end) {
      remaining.delete(message.partition);
      if (remaining.size === 0) done();
    }
  });
  await finished;
  await consumer.stop();
  return { replayed };
}
