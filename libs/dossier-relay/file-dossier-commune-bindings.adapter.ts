import path from 'node:path';
import { AppendOnlyLines } from '@motlan/files/append-only-lines.js';
import { DossierBindingUnavailableError, DossierCommuneBindings, parseBinding, type DossierCommuneBinding } from './dossier-commune-bindings.port.js';

/** `<data dir>/dossier-bindings/bindings.jsonl`: the embedded profile's dossier → commune bindings. */
export function embeddedDossierBindingsFile(dataDir: string): string {
  return path.join(dataDir, 'dossier-bindings', 'bindings.jsonl');
}

interface Held {
  binding: DossierCommuneBinding;
  /** Settles once the line that set it is on disk; callers that find it wait for that. */
  written: Promise<void>;
}

/**
 * The embedded profile's bindings: held in memory, every change appended to a file (fsynced before
 * it counts) and read back at start, so a restart keeps them. One process owns the file, as it
 * owns the embedded sync log; the Map makes bind-if-absent atomic within it. An append-only file
 * rather than a rewritten JSON document: a binding is written for every new dossier.
 */
export class FileDossierCommuneBindings extends DossierCommuneBindings {
  private readonly bindings = new Map<string, Held>();
  private readonly lines: AppendOnlyLines;

  constructor(private readonly options: { file: string }) {
    super();
    this.lines = new AppendOnlyLines(options.file);
  }

  /** Reads the saved bindings (the last line of a dossier wins). */
  async load(): Promise<void> {
    const written = Promise.resolve();
    for (const line of await this.lines.readLines()) {
      const parsed = parseLine(line);
      if (parsed) this.bindings.set(parsed.dossierId, { binding: parsed.binding, written });
    }
  }

  async bindIfAbsent(dossierId: string, binding: DossierCommuneBinding): Promise<DossierCommuneBinding> {
    const existing = this.bindings.get(dossierId);
    if (existing) {
      await existing.written;
      return existing.binding;
    }
    await this.set(dossierId, binding, 'bind');
    return binding;
  }

  async rebind(dossierId: string, binding: DossierCommuneBinding): Promise<DossierCommuneBinding | null> {
    const previous = this.bindings.get(dossierId);
    if (previous) await previous.written;
    await this.set(dossierId, binding, 'rebind');
    return previous?.binding ?? null;
  }

  async get(dossierId: string): Promise<DossierCommuneBinding | null> {
    const held = this.bindings.get(dossierId);
    if (!held) return null;
    await held.written;
    return held.binding;
  }

  async close(): Promise<void> {
    await this.lines.close();
  }

  async onModuleDestroy(): Promise<void> {
    await this.close();
  }

  /**
   * In the Map at once (so a racing call finds it and waits), then on disk. A failed write takes
   * it out again and every waiter is refused: nothing is accepted on a binding that is not durable.
   */
  private async set(dossierId: string, binding: DossierCommuneBinding, kind: 'bind' | 'rebind'): Promise<void> {
    const before = this.bindings.get(dossierId);
    const written = this.lines.append(JSON.stringify({ kind, dossierId, ...binding })).catch((error: Error) => {
      if (this.bindings.get(dossierId) === held) {
        if (before) this.bindings.set(dossierId, before);
        else this.bindings.delete(dossierId);
      }
      throw new DossierBindingUnavailableError(`dossier bindings could not be saved: ${error.message}`);
    });
    const held: Held = { binding, written };
    this.bindings.set(dossierId, held);
    await written;
  }
}

function parseLine(line: string): { dossierId: string; binding: DossierCommuneBinding } | null {
  const binding = parseBinding(line);
  if (!binding) return null;
  const { dossierId } = JSON.parse(line) as { dossierId?: unknown };
  return typeof dossierId === 'string' ? { dossierId, binding } : null;
}
