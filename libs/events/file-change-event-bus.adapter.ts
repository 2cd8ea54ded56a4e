import { Logger } from '@nestjs/common';
import { appendFile, mkdir, open, stat } from 'node:fs/promises';
import path from 'node:path';
import { ChangeEventPublisher, ChangeEventSubscriber, type ChangeEventHandler } from './change-event-bus.port.js';
import { parseRegistryChangeEvent, type RegistryChangeEvent } from './registry-change-event.js';
import { Topics } from './topics.js';

interface FileBusLine {
  topic: string;
  key: string | null;
  value: string;
}

/**
 * Embedded-profile event bus between the simulator and gateway processes: an append-only
 * JSON-lines file in the data directory, one line per message with its topic and key, so the same
 * validation and dead-letter rules apply as on Kafka. Subscribers start at the end of the file
 * (the embedded cache starts empty, older events cannot matter) and follow it.
 */
export class FileChangeEventPublisher extends ChangeEventPublisher {
  constructor(private readonly file: string) {
    super();
  }

  async publish(registry: string, event: RegistryChangeEvent): Promise<void> {
    await appendLine(this.file, { topic: Topics.registryChanges(registry), key: event.data.subjectId, value: JSON.stringify(event) });
  }

  async close(): Promise<void> {}
}

export class FileChangeEventSubscriber extends ChangeEventSubscriber {
  private readonly logger = new Logger(FileChangeEventSubscriber.name);
  private timer?: NodeJS.Timeout;
  private offset = 0;
  private remainder = '';
  private reading = false;

  constructor(
    private readonly file: string,
    private readonly dlqFile: string,
    private readonly pollMs = 100,
  ) {
    super();
  }

  async start(registries: string[], handler: ChangeEventHandler): Promise<void> {
    const topics = new Map(registries.map((r) => [Topics.registryChanges(r), r]));
    await mkdir(path.dirname(this.file), { recursive: true });
    this.offset = await stat(this.file).then((s) => s.size, () => 0);
    this.timer = setInterval(() => void this.poll(topics, handler), this.pollMs);
    this.timer.unref();
  }

  private async poll(topics: Map<string, string>, handler: ChangeEventHandler): Promise<void> {
    if (this.reading) return;
    this.reading = true;
    try {
      const size = await stat(this.file).then((s) => s.size, () => 0);
      if (size <= this.offset) return;
      const handle = await open(this.file, 'r');
      const buffer = Buffer.alloc(size - this.offset);
      await handle.read(buffer, 0, buffer.length, this.offset);
      await handle.close();
      this.offset = size;
      const lines = (this.remainder + buffer.toString('utf8')).split('\n');
      this.remainder = lines.pop() ?? '';
      for (const line of lines) if (line.trim()) await this.deliver(line, topics, handler);
    } catch (error) {
      this.logger.warn({ reason: (error as Error).message }, 'reading the event file failed');
    } finally {
      this.reading = false;
    }
  }

  private async deliver(line: string, topics: Map<string, string>, handler: ChangeEventHandler): Promise<void> {
    let message: FileBusLine;
    try {
      message = JSON.parse(line) as FileBusLine;
    } catch {
      return this.deadLetter({ topic: 'unknown', key: null, value: line }, 'line is not a JSON message envelope');
    }
    const registry = topics.get(message.topic);
    if (!registry) return; // another topic: not ours
    const parsed = parseRegistryChangeEvent(message.value, message.key);
    if (!parsed.ok) return this.deadLetter(message, parsed.reason);
    try {
      await handler(registry, parsed.event);
      this.stats.processed++;
    } catch (error) {
      this.stats.handlerErrors++;
      this.logger.warn({ reason: (error as Error).message }, 'change event handler failed');
    }
  }

  private async deadLetter(message: FileBusLine, reason: string): Promise<void> {
    this.stats.deadLettered++;
    await appendLine(this.dlqFile, { topic: Topics.registryChangesDlq, key: message.key, value: message.value, reason, sourceTopic: message.topic } as FileBusLine);
  }

  async close(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
  }
}

async function appendLine(file: string, line: FileBusLine): Promise<void> {
  await mkdir(path.dirname(file), { recursive: true });
  await appendFile(file, JSON.stringify(line) + '\n', 'utf8');
}
