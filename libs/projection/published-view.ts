/**
 * A store of one published view (production: one Redis key; embedded: memory). Workers publish,
 * `api` processes read; every worker computes the same state from the same topics, so the last
 * one published wins.
 */
export abstract class PublishedViewStore<View> {
  abstract publish(view: View): Promise<void>;
  /** Undefined when nothing was published; rejects when the store cannot answer. */
  abstract read(): Promise<View | undefined>;
  abstract close(): Promise<void>;
}

/** The embedded profile's view: one process runs both roles, so memory is shared enough. */
export class InMemoryPublishedViewStore<View> extends PublishedViewStore<View> {
  private view?: View;
  async publish(view: View): Promise<void> {
    this.view = view;
  }
  async read(): Promise<View | undefined> {
    return this.view;
  }
  async close(): Promise<void> {}
}

/**
 * The fields of a published view's JSON (written by a worker, maybe of another version, or by
 * hand): undefined unless it is an object of version 1 with its `publishedAt`.
 */
export function parsePublishedView(text: string): (Record<string, unknown> & { version: 1; publishedAt: string }) | undefined {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch {
    return undefined;
  }
  if (typeof raw !== 'object' || raw === null) return undefined;
  const v = raw as Record<string, unknown>;
  if (v.version !== 1 || typeof v.publishedAt !== 'string') return undefined;
  return v as Record<string, unknown> & { version: 1; publishedAt: string };
}
