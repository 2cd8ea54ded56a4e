// Jest runs in native ESM mode (NestJS 12 ships ESM only): see package.json "test:jest".
/** ESM-only packages that CommonJS dependencies require(): compiled for Jest only (see the transform). */
const ESM_ONLY_REQUIRED = ['cookie/', 'content-disposition/'].join('|');

/** What every project shares: ESM TypeScript through ts-jest, the @motlan path aliases. */
const common = {
  rootDir: '.',
  testEnvironment: 'node',
  extensionsToTreatAsEsm: ['.ts'],
  moduleFileExtensions: ['ts', 'js', 'json'],
  moduleNameMapper: {
    // "@motlan/<lib>/<file>.js" -> "libs/<lib>/<file>.ts"; relative "./x.js" -> "./x.ts"
    '^@motlan/(.*)\\.js$': '<rootDir>/libs/$1',
    '^(\\.{1,2}/.*)\\.js$': '$1',
  },
  transform: {
    '^.+\\.ts$': ['ts-jest', { useESM: true, tsconfig: '<rootDir>/tsconfig.json' }],
    [`/node_modules/(${ESM_ONLY_REQUIRED}).+\\.js$`]: '<rootDir>/test/support/esm-to-cjs.transform.cjs',
  },
  transformIgnorePatterns: [`/node_modules/(?!(${ESM_ONLY_REQUIRED}))`],
  // Decorator metadata polyfill, as main.ts files import it in production.
  setupFiles: ['reflect-metadata'],
};

/**
 * Specs that need a real Redis or Kafka: everything under test/integration, *.int.spec.ts, and the
 * Redis adapters' own specs beside their code (they are named redis-*.spec.ts).
 */
const INTEGRATION = ['<rootDir>/test/integration/**/*.spec.ts', '<rootDir>/{apps,libs}/**/*.int.spec.ts', '<rootDir>/{apps,libs}/**/redis-*.spec.ts'];

/**
 * Three projects a reader can run apart (`npm run test:unit|test:e2e|test:integration`); `npm test`
 * runs all of them. unit: specs beside the code, no servers, seconds. e2e: gateway and simulator
 * processes on the embedded profile. integration: real Redis and Kafka (started by the global setup).
 * @type {import('jest').Config}
 */
export default {
  projects: [
    {
      ...common,
      displayName: 'unit',
      // test/deploy: the Kubernetes manifests, Dockerfile, alert rules and dashboard, checked with kubectl and promtool (no servers)
      testMatch: ['<rootDir>/{apps,libs}/**/*.spec.ts', '<rootDir>/test/deploy/**/*.spec.ts'],
      testPathIgnorePatterns: ['/node_modules/', '\\.int\\.spec\\.ts$', '/redis-[^/]*\\.spec\\.ts$'],
    },
    { ...common, displayName: 'e2e', testMatch: ['<rootDir>/test/e2e/**/*.spec.ts'] },
    { ...common, displayName: 'integration', testMatch: INTEGRATION },
    // Failure tests on a three-broker Kafka cluster: minutes each and not yet reliable (docs/kafka-cluster.md),
    // so not part of `npm test`; run with `npm run test:cluster`.
    { ...common, displayName: 'cluster', testMatch: ['<rootDir>/test/cluster/**/*.spec.ts'] },
  ],
  // Integration suites: a real Redis and Kafka, started here unless REDIS_URL / KAFKA_BROKERS are set
  // (not at all when only the unit or e2e project is selected).
  globalSetup: '<rootDir>/test/support/global-setup.mjs',
  globalTeardown: '<rootDir>/test/support/global-teardown.mjs',
  testTimeout: 30000,
  // Client libraries (kafkajs, ioredis) keep reconnect timers alive after suites that stop their
  // servers on purpose; the global teardown stops the servers, so the run must not wait on them.
  forceExit: true,
};
