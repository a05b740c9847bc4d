import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vite';

const root = fileURLToPath(new URL('.', import.meta.url));

/**
 * The package build: ESM, one file per source module (a bundler keeps only what a host imports), React, the SDK and
 * the small dependencies left external.
 */
export default defineConfig({
  root,
  oxc: { jsx: { runtime: 'automatic' } },
  build: {
    outDir: `${root}dist`,
    emptyOutDir: true,
    target: 'es2022',
    minify: false,
    lib: { entry: `${root}src/index.ts`, formats: ['es'] },
    rolldownOptions: {
      external: [
        /^react($|\/)/,
        /^react-dom($|\/)/,
        '@run-ledger/client',
        '@tanstack/react-virtual',
        'big.js',
        'markdown-it',
      ],
      output: { preserveModules: true, preserveModulesRoot: `${root}src`, entryFileNames: '[name].js' },
    },
  },
});
