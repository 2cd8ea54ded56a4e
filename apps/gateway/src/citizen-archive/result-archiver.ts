import { Logger } from '@nestjs/common';
import type { CitizenArchiveIntake } from '@motlan/citizen-archive/citizen-archive-intake.js';
import { DossierStatusMessage } from '@motlan/dossier-relay/dossier-status.js';
import type { EventLog, RunningConsumer } from '@motlan/event-log/event-log.port.js';
import { parseJsonMessage } from '@motlan/events/message-validation.js';
import { Topics } from '@motlan/events/topics.js';

/** TrangThaiHoSo 10: result returned. */
export const RESULT_RETURNED = 10;

export interface ResultArchiverStats {
  /** Results put into citizens' archives (one per citizen linked to the dossier). */
  archived: number;
  /** Statuses 10 with results whose dossier no citizen is linked to (no lookup or prefill named it). */
  unlinked: number;
  /** Messages that are not a valid status: the portal delivery dead-letters them; here they are passed over. */
  invalid: number;
}

/**
 * A worker-role job: follows the dossier statuses the communes report (the relay's topic, in a
 * consumer group of its own, beside the portal delivery), and archives the electronic results a
 * status 10 returns in the archive of each citizen the dossier concerns. The status carries no
 * citizen id (the portal contract names only the subject type), so "the citizens the dossier
 * concerns" are those whose own records the commune read with this X-Dossier-Id (lookups and
 * prefill, linked when their evidence was archived). At least once: a store failure throws, and the
 * log hands the same status again; archiving is idempotent per dossier and sequence.
 */
export class ResultArchiver {
  private readonly logger = new Logger('CitizenArchiveResults');
  private consumer?: RunningConsumer;
  readonly stats: ResultArchiverStats = { archived: 0, unlinked: 0, invalid: 0 };

  constructor(
    private readonly log: EventLog,
    private readonly intake: CitizenArchiveIntake,
    private readonly group: string,
  ) {}

  async start(): Promise<void> {
    await this.log.ensureTopics([Topics.dossierSync], 3);
    this.consumer = await this.log.consume({ group: this.group, topics: [Topics.dossierSync], fromBeginning: true }, async (message) => {
      const parsed = parseJsonMessage(DossierStatusMessage, message.value, { allowUnknownProperties: true });
      if (!parsed.ok) {
        this.stats.invalid++;
        return;
      }
      const status = parsed.message;
      if (status.status !== RESULT_RETURNED || !status.resultDocuments?.length || status.subjectType !== 'citizen') return;
      const archived = await this.intake.archiveResult({
        dossierId: status.dossierId,
        communeCode: status.communeCode,
        procedureCode: status.procedureCode,
        sequence: status.sequence,
        acceptedAt: status.acceptedAt,
        documents: status.resultDocuments,
      });
      if (archived > 0) this.stats.archived += archived;
      else this.stats.unlinked++;
    });
    this.logger.log('archiving returned results into citizens’ archives');
  }

  async stop(): Promise<void> {
    await this.consumer?.stop();
    this.consumer = undefined;
  }
}
