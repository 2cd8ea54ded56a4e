import { PublishedViewStore } from '@motlan/projection/published-view.js';
import type { OpsLag } from './sync-ops.types.js';
import type { CommuneFigures } from './sync-figures.js';

export type { GroupLagView } from './sync-ops.types.js';

/**
 * What the ops API of the dossier relay shows, as a worker computed it: the lag of the consumer
 * groups (with history) and the figures of every commune that reported something. A process of
 * the `api` role runs neither the figures nor the lag monitor; it reads the view the workers
 * publish here every lag interval.
 */
export interface OpsView {
  version: 1;
  /** When the worker took it (ISO): an `api` process shows data this old. */
  publishedAt: string;
  lag: OpsLag;
  communes: CommuneFigures[];
}

/**
 * Where workers publish the ops view and `api` processes read it (production: one Redis key; the
 * embedded profile runs both roles in one process: memory). Every worker computes the same view
 * from the same topics and offsets, so the last one published wins. `read` gives undefined when
 * what is stored is not a view either.
 */
export abstract class OpsViewStore extends PublishedViewStore<OpsView> {}

export function encodeOpsView(view: OpsView): string {
  return JSON.stringify(view);
}

const isObject = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value);

/**
 * The view in `text`, or undefined when it is not one. It was written by a worker of this build,
 * so the check is of its frame (version, arrays where arrays belong): enough that a key written by
 * another version or by hand is ignored rather than served as a broken answer.
 */
export function decodeOpsView(text: string): OpsView | undefined {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch {
    return undefined;
  }
  if (!isObject(raw) || raw.version !== 1 || typeof raw.publishedAt !== 'string' || !Array.isArray(raw.communes)) return undefined;
  if (!isObject(raw.lag) || !Array.isArray(raw.lag.groups) || typeof raw.lag.evaluatedAt !== 'string' || !isObject(raw.lag.settings)) return undefined;
  if (!raw.lag.groups.every((g) => isObject(g) && typeof g.group === 'string' && Array.isArray(g.partitions) && Array.isArray(g.history))) return undefined;
  if (!raw.communes.every((c) => isObject(c) && typeof c.communeCode === 'string' && Array.isArray(c.pendingPartitions))) return undefined;
  return raw as unknown as OpsView;
}
