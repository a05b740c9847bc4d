/** One jest project per test tier: unit (*.spec.ts), int (*.int-spec.ts, real PostgreSQL), e2e (test/*.e2e-spec.ts, real socket). */
const moduleNameMapper = {
  '^@ledger/(contract|domain|event-store|projections|pricing|otel|config|database)$': '<rootDir>/libs/$1/src',
  // The SDK by its package name, as a workspace user imports it.
  '^@run-ledger/client$': '<rootDir>/libs/client/src',
};
const transform = { '^.+\\.ts$': ['ts-jest', { tsconfig: '<rootDir>/tsconfig.json' }] };
const base = { rootDir: __dirname, testEnvironment: 'node', moduleNameMapper, transform, moduleFileExtensions: ['ts', 'js', 'json'] };

module.exports = {
  testTimeout: 60000,
  globalSetup: '<rootDir>/test/support/global-setup.mjs',
  globalTeardown: '<rootDir>/test/support/global-teardown.mjs',
  projects: [
    { ...base, displayName: 'unit', testMatch: ['<rootDir>/{apps,libs}/**/*.spec.ts'] },
    { ...base, displayName: 'int', testMatch: ['<rootDir>/{apps,libs,test}/**/*.int-spec.ts'] },
    { ...base, displayName: 'e2e', testMatch: ['<rootDir>/test/**/*.e2e-spec.ts'] },
  ],
};
