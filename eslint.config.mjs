import tseslint from 'typescript-eslint';

export default tseslint.config(
  { ignores: ['dist/**', 'node_modules/**', '**/dist/**', 'bin/**', '**/*.mjs', '**/*.js'] },
  ...tseslint.configs.recommended,
  {
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/no-explicit-any': 'error',
      'no-restricted-imports': ['error', { patterns: ['../../libs/*', '**/libs/*/src/*'] }],
    },
  },
  {
    // Test code may import a lib's test helpers by path (libs/*/test/…); never its src files.
    files: ['test/**/*.ts'],
    rules: { 'no-restricted-imports': ['error', { patterns: ['**/libs/*/src/*'] }] },
  },
  {
    files: ['libs/domain/**/*.ts', 'libs/contract/**/*.ts'],
    rules: {
      'no-restricted-imports': ['error', { paths: ['@nestjs/common', '@nestjs/core', 'pg', 'socket.io'] }],
    },
  },
);
