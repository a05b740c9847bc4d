/** One jest project per test tier: unit (*.spec.ts[x]), int (*.int-spec.ts, real PostgreSQL), e2e (test/*.e2e-spec.ts, real socket; test/browser: real Chromium). */
const moduleNameMapper = {
  '^@ledger/(contract|domain|event-store|projections|pricing|otel|config|database|runtime|replay|async|operations|money)$': '<rootDir>/libs/$1/src',
  // The SDK by its package name, as a workspace user imports it.
  '^@run-ledger/client$': '<rootDir>/libs/client/src',
  // The React package likewise.
  '^@run-ledger/react$': '<rootDir>/libs/react/src',
};
// One ts-jest configuration for every file: with a second entry (another tsconfig for the .tsx files) ts-jest reused
// the first one it built when both kinds ran in one project, leaving JSX untransformed. It transpiles only
// (isolatedModules: true); the browser code is type-checked by tsconfig.web.json.
const transform = { '^.+\\.tsx?$': ['ts-jest', { tsconfig: '<rootDir>/tsconfig.json' }] };
const base = {
  rootDir: __dirname,
  testEnvironment: 'node',
  moduleNameMapper,
  transform,
  moduleFileExtensions: ['ts', 'tsx', 'js', 'json'],
};

module.exports = {
  testTimeout: 60000,
  globalSetup: '<rootDir>/test/support/global-setup.mjs',
  globalTeardown: '<rootDir>/test/support/global-teardown.mjs',
  projects: [
    { ...base, displayName: 'unit', testMatch: ['<rootDir>/{apps,libs}/**/*.spec.{ts,tsx}'] },
    { ...base, displayName: 'int', testMatch: ['<rootDir>/{apps,libs,test}/**/*.int-spec.ts'] },
    { ...base, displayName: 'e2e', testMatch: ['<rootDir>/test/**/*.e2e-spec.ts'] },
  ],
};
