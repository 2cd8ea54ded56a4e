// Lint, including the import boundaries of the architecture (see docs/architecture.md):
// - libs never import apps; apps never import each other;
// - only adapter files (*.adapter.ts, *.client.ts, *.server.ts, main/cli/bench/test code) talk to
//   ioredis, kafkajs or @grpc/grpc-js: business code depends on ports.
import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import globals from 'globals';

const infrastructureClients = ['ioredis', 'kafkajs', '@grpc/grpc-js', '@grpc/proto-loader'];

export default tseslint.config(
  { ignores: ['dist/**', 'node_modules/**', 'libs/contracts/generated/**', 'coverage/**', '.data/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: { globals: { ...globals.node } },
    rules: {
      '@typescript-eslint/no-explicit-any': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/consistent-type-imports': 'off',
    },
  },
  {
    files: ['libs/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            { group: ['**/apps/**', '@motlan/../apps/**'], message: 'libs must not import apps.' },
            {
              group: infrastructureClients,
              message: 'Business code depends on ports; only *.adapter.ts / *.client.ts / *.server.ts files use infrastructure clients.',
            },
          ],
        },
      ],
    },
  },
  {
    files: ['apps/gateway/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            { group: ['**/registry-sim/**', '**/launcher/**'], message: 'apps must not import each other.' },
            {
              group: infrastructureClients,
              message: 'Business code depends on ports; only *.adapter.ts / *.client.ts / *.server.ts files use infrastructure clients.',
            },
          ],
        },
      ],
    },
  },
  {
    files: ['apps/registry-sim/**/*.ts'],
    rules: {
      'no-restricted-imports': ['error', { patterns: [{ group: ['**/gateway/**', '**/launcher/**'], message: 'apps must not import each other.' }] }],
    },
  },
  {
    // The template registry adapter is what registry operators copy: besides the contract it may use
    // only the two small helpers its README names, never another app or the gateway's libs; its
    // records/ core (what an operator replaces) knows nothing of gRPC.
    files: ['apps/adapter-template/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            { group: ['**/gateway/**', '**/registry-sim/**', '**/launcher/**'], message: 'apps must not import each other.' },
            {
              group: ['@motlan/*', '!@motlan/contracts', '!@motlan/identifiers', '!@motlan/logging'],
              message: 'The template adapter uses only @motlan/contracts, @motlan/identifiers and @motlan/logging (see its README).',
            },
          ],
        },
      ],
    },
  },
  {
    files: ['apps/adapter-template/src/records/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            { group: ['**/gateway/**', '**/registry-sim/**', '**/launcher/**'], message: 'apps must not import each other.' },
            {
              group: ['@motlan/*', '!@motlan/contracts', '!@motlan/identifiers', '!@motlan/logging'],
              message: 'The template adapter uses only @motlan/contracts, @motlan/identifiers and @motlan/logging (see its README).',
            },
            {
              group: [...infrastructureClients, '@nestjs/microservices'],
              message: 'records/ is what operators replace: it knows nothing of gRPC (grpc/ maps to and from the contract).',
            },
          ],
        },
      ],
    },
  },
  {
    // The /ops page's browser modules (type-checked by tsconfig.ops-page.json): browser globals, no Node ones.
    files: ['apps/gateway/src/ops-page/web/**/*.ts'],
    languageOptions: {
      globals: {
        ...Object.fromEntries(
          Object.keys(globals.node)
            .filter((name) => !(name in globals.browser))
            .map((name) => [name, 'off']),
        ),
        ...globals.browser,
      },
    },
    rules: {
      // The page types the API's answers with the server's types-only modules (*.types.ts): their
      // imports are erased, so no server code reaches the browser. Anything else of libs/ or the
      // gateway would be code the browser cannot load.
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            { regex: '^@motlan/(?!.*\\.types\\.js$)', message: 'The /ops page imports only the types-only modules of libs/ (*.types.js).' },
            { group: ['../**'], message: 'The /ops page is its own bundle: it imports only web/ files and the types-only modules of libs/.' },
          ],
        },
      ],
    },
  },
  {
    // Shared by the server and the /ops page's browser build (tsconfig.ops-page.json): types only,
    // importing only other types-only modules, so the page's type check never pulls in server code.
    files: ['libs/**/*.types.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        { patterns: [{ regex: '^(?!.*\\.types\\.js$)', message: 'A types-only module imports only other types-only modules (*.types.js).' }] },
      ],
    },
  },
  {
    files: ['**/*.cjs'],
    languageOptions: { sourceType: 'commonjs' },
    rules: { '@typescript-eslint/no-require-imports': 'off' },
  },
  {
    // Adapters, servers and composition roots are where infrastructure clients belong.
    files: ['**/*.adapter.ts', '**/*.client.ts', '**/*.server.ts', '**/grpc-contracts.ts', '**/*.spec.ts', 'test/**/*.ts'],
    rules: { 'no-restricted-imports': 'off' },
  },
);
