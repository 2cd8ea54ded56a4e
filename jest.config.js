// Jest runs in native ESM mode (NestJS 12 ships ESM only): see package.json "test:jest".
/** ESM-only packages that CommonJS dependencies require(): compiled for Jest only (see the transform). */
const ESM_ONLY_REQUIRED = ['cookie/', 'content-disposition/'].join('|');

/** @type {import('jest').Config} */
export default {
  rootDir: '.',
  testEnvironment: 'node',
  extensionsToTreatAsEsm: ['.ts'],
  moduleFileExtensions: ['ts', 'js', 'json'],
  testMatch: ['<rootDir>/apps/**/*.spec.ts', '<rootDir>/libs/**/*.spec.ts', '<rootDir>/test/**/*.spec.ts'],
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
  // Integration suites: a real Redis and Kafka, started here unless REDIS_URL / KAFKA_BROKERS are set.
  globalSetup: '<rootDir>/test/support/global-setup.mjs',
  globalTeardown: '<rootDir>/test/support/global-teardown.mjs',
  testTimeout: 30000,
  // Client libraries (kafkajs, ioredis) keep reconnect timers alive after suites that stop their
  // servers on purpose; the global teardown stops the servers, so the run must not wait on them.
  forceExit: true,
};
