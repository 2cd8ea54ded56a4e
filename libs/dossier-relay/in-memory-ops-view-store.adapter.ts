import { OpsViewStore, type OpsView } from './ops-view-store.port.js';

/** The embedded profile's ops view: one process runs both roles, so memory is shared enough. */
export class InMemoryOpsViewStore extends OpsViewStore {
  private view?: OpsView;

  async publish(view: OpsView): Promise<void> {
    this.view = view;
  }

  async read(): Promise<OpsView | undefined> {
    return this.view;
  }

  async close(): Promise<void> {}
}
