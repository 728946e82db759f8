// @ts-check
import eslint from '@eslint/js';
import prettier from 'eslint-config-prettier';
import globals from 'globals';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  {
    ignores: [
      'dist/',
      'coverage/',
      'data/',
      'node_modules/',
      'jest.config.js',
      'eslint.config.mjs',
      'test/jest-transformer.js',
      // plain ES module run by node in its own process (the OAuth tests' authorization server)
      'test/oauth/oidc-server.mjs',
      'dist-bench/',
      'scripts/*.js',
    ],
  },
  eslint.configs.recommended,
  ...tseslint.configs.recommendedTypeChecked,
  prettier,
  {
    languageOptions: {
      globals: { ...globals.node, ...globals.jest },
      parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname },
    },
    rules: {
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/switch-exhaustiveness-check': 'error',
      '@typescript-eslint/no-unused-vars': [
        'error',
        { argsIgnorePattern: '^_', varsIgnorePattern: '^_' },
      ],
    },
  },
  {
    // The domain and the secrets never depend on Nest, TypeORM, HTTP or a dialect.
    files: [
      'src/connectors/domain/**/*.ts',
      'src/connectors/connectors.service.ts',
      'src/secrets/**/*.ts',
    ],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              group: ['@nestjs/*', 'typeorm', 'fastify', 'pg'],
              message: 'the domain knows no framework',
            },
            {
              group: ['**/dialects/**', '**/http/**', '**/persistence/**'],
              message: 'the domain knows no adapter',
            },
          ],
        },
      ],
    },
  },
  {
    // Tests talk to HTTP responses, whose bodies are untyped JSON.
    files: ['test/**/*.ts', 'src/**/*.spec.ts'],
    rules: {
      '@typescript-eslint/no-unsafe-member-access': 'off',
      '@typescript-eslint/no-unsafe-assignment': 'off',
      '@typescript-eslint/no-unsafe-argument': 'off',
      '@typescript-eslint/no-unsafe-call': 'off',
      '@typescript-eslint/no-unsafe-return': 'off',
    },
  },
);
