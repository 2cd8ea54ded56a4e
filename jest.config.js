// Jest runs in native ESM mode (NestJS 12 ships ESM only): see package.json "test:jest".
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
  },
  // Decorator metadata polyfill, as main.ts files import it in production.
  setupFiles: ['reflect-metadata'],
  testTimeout: 30000,
};
