import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vite';

const root = fileURLToPath(new URL('.', import.meta.url));
const repo = fileURLToPath(new URL('../..', import.meta.url));

/** The dashboard: built into <repo>/dist/web, which the ledger serves at `/`. */
export default defineConfig({
  root,
  base: './',
  resolve: {
    alias: {
      '@run-ledger/react': `${repo}libs/react/src/index.ts`,
      '@run-ledger/client': `${repo}libs/client/src/index.ts`,
      '@ledger/contract': `${repo}libs/contract/src/index.ts`,
    },
  },
  oxc: { jsx: { runtime: 'automatic' } },
  build: {
    outDir: `${repo}dist/web`,
    emptyOutDir: true,
    target: 'es2022',
    sourcemap: false,
    reportCompressedSize: false,
    chunkSizeWarningLimit: 600,
  },
});
