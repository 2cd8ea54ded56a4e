import { ConsumerGroups, Topics } from '@motlan/events/topics.js';
import { EventLog } from '@motlan/event-log/event-log.port.js';
import { replayDeadLettersOf } from '@motlan/event-log/dead-letter-replay.js';

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
export function replayDeadLetters(log: EventLog, onMessage?: (progress: ReplayProgress) => void): Promise<{ replayed: number }> {
  return replayDeadLettersOf(log, { dlq: Topics.dossierSyncDlq, main: Topics.dossierSync, group: DLQ_REPLAY_GROUP }, (m) =>
    onMessage?.({ dossierId: m.key, reason: m.reason }),
  );
}
