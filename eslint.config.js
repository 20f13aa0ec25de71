import js from '@eslint/js';
import prettier from 'eslint-config-prettier';
import globals from 'globals';
import tseslint from 'typescript-eslint';
import { importPath, libraryGraph, libraryOf } from './scripts/lib-boundaries.mjs';

/**
 * `lib-boundaries/no-cycle`: in a library's source, an import of `#app/<other>` when <other>
 * already reaches this library (no-restricted-imports sees one file, not the graph).
 * test/architecture/boundaries.spec.ts checks the same graph, and the tables' owners.
 */
const noLibraryCycle = {
  meta: {
    type: 'problem',
    docs: { description: 'Forbid import cycles between libraries' },
    schema: [],
    messages: { cycle: 'Importing #app/{{to}} closes a library import cycle: {{cycle}}. Move what both need below them (e.g. to libs/common).' },
  },
  create(context) {
    const lib = libraryOf(import.meta.dirname, context.filename);
    if (!lib) return {};
    let graph;
    const check = (node) => {
      const to = /^#app\/([^/]+)$/.exec(typeof node.source?.value === 'string' ? node.source.value : '')?.[1];
      if (!to || to === lib) return;
      graph ??= libraryGraph(import.meta.dirname, { file: context.filename, text: context.sourceCode.text });
      const back = importPath(graph.edges, to, lib);
      if (back) context.report({ node: node.source, messageId: 'cycle', data: { to, cycle: [lib, ...back].join(' -> ') } });
    };
    return { ImportDeclaration: check, ExportNamedDeclaration: check, ExportAllDeclaration: check, ImportExpression: check };
  },
};

export default tseslint.config(
  { ignores: ['dist/**', 'node_modules/**', 'coverage/**', 'data/**', '**/*.js', '**/*.mjs'] },
  js.configs.recommended,
  ...tseslint.configs.recommendedTypeChecked,
  {
    plugins: { 'lib-boundaries': { rules: { 'no-cycle': noLibraryCycle } } },
    languageOptions: {
      globals: { ...globals.node },
      parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname },
    },
    rules: {
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/require-await': 'error',
      '@typescript-eslint/switch-exhaustiveness-check': ['error', { considerDefaultExhaustiveForUnions: true }],
      '@typescript-eslint/no-explicit-any': 'error',
      '@typescript-eslint/consistent-type-imports': ['error', { fixStyle: 'inline-type-imports', disallowTypeAnnotations: false }],
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/no-extraneous-class': 'off',
      '@typescript-eslint/unbound-method': 'off',
      eqeqeq: ['error', 'always'],
      'lib-boundaries/no-cycle': 'error',
      'no-restricted-imports': [
        'error',
        { patterns: [{ group: ['**/libs/*/src/**', '../../libs/**', '../../../libs/**'], message: 'Import a library through its #app/<lib> entry.' }] },
      ],
    },
  },
  {
    files: ['**/*.spec.ts', '**/*.e2e-spec.ts', 'test/**/*.ts', 'bench/**/*.ts'],
    rules: {
      '@typescript-eslint/no-unsafe-member-access': 'off',
      '@typescript-eslint/no-unsafe-assignment': 'off',
      '@typescript-eslint/no-unsafe-argument': 'off',
      '@typescript-eslint/no-unsafe-call': 'off',
      '@typescript-eslint/no-unsafe-return': 'off',
      '@typescript-eslint/no-non-null-assertion': 'off',
    },
  },
  prettier,
);
