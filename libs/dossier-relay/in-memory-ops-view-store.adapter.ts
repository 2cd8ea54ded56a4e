import { InMemoryPublishedViewStore } from '@motlan/projection/published-view.js';
import type { OpsView, OpsViewStore } from './ops-view-store.port.js';

/** The embedded profile's ops view: one process runs both roles, so memory is shared enough. */
export class InMemoryOpsViewStore extends InMemoryPublishedViewStore<OpsView> implements OpsViewStore {}
