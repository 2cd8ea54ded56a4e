import { accessLogStoreContract } from '../../test/support/access-log-store-contract.js';
import { InMemoryAccessLogStore } from './in-memory-access-log-store.adapter.js';

describe('InMemoryAccessLogStore', () => {
  accessLogStoreContract(async (options) => ({ store: new InMemoryAccessLogStore(options), close: async () => undefined }));
});
