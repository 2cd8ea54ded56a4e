import { ConsumerGroups, DlqHeaders, Topics } from '@motlan/events/topics.js';
import { EventLog } from '@motlan/event-log/event-log.port.js';

export const DLQ_REPLAY_GROUP = `${ConsumerGroups.portalSync}-dlq-replay`;

export interface ReplayProgress {
  dossierId: string;
  reason: string;
}

/**
 * Sends every dead-lettered status not replayed before back to the sync topic (once the cause is
 * fixed: the portal accepts it again, the message was corrected upstream), then returns. Its own
 * consumer group remembers how far it got, so running it twice does not send anything twice; a
 * status replayed but still refused comes back to the dead-letter topic with its new reason.
 */
export async function replayDeadLetters(log: EventLog, onMessage?: (progress: ReplayProgress) => void): Promise<{ replayed: number }> {
  await log.ensureTopics([Topics.dossierSyncDlq, Topics.dossierSync], 3);
  const ends = new Map((await log.endOffsets(Topics.dossierSyncDlq)).map((p) => [p.partition, BigInt(p.offset)]));
  const committed = new Map((await log.committedOffsets(DLQ_REPLAY_GROUP, Topics.dossierSyncDlq)).map((p) => [p.partition, BigInt(p.offset)]));
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
  const consumer = await log.consume({ group: DLQ_REPLAY_GROUP, topics: [Topics.dossierSyncDlq], fromBeginning: true }, async (message) => {
    const end = ends.get(message.partition) ?? 0n;
    if (BigInt(message.offset) < end) {
      const { [DlqHeaders.reason]: reason = '', ...rest } = message.headers ?? {};
      const headers = Object.fromEntries(Object.entries(rest).filter(([name]) => !name.startsWith('motlan-dlq-')));
      await log.append(Topics.dossierSync, [
        { key: message.key, value: message.value, headers: { ...headers, 'motlan-replayed-from': `${message.partition}:${message.offset}` } },
      ]);
      replayed++;
      onMessage?.({ dossierId: message.key, reason });
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
