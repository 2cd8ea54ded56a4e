import { accessLogStoreContract } from '../../test/support/access-log-store-contract.js';
import { InMemoryAccessLogStore } from './in-memory-access-log-store.adapter.js';

describe('InMemoryAccessLogStore', () => {
  accessLogStoreContract(async (options) => {
    const store = new InMemoryAccessLogStore(options);
    return { store, close: async () => undefined, refusalCitizens: async () => store.size().refusalCitizens };
  });
});
