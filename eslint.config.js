// Flat ESLint config: typescript-eslint, React hooks, TanStack Query, and import zones that
// enforce the folder rules of docs/design.md §Layout (README.md's layout table).
import js from '@eslint/js'
import tanstackQuery from '@tanstack/eslint-plugin-query'
import prettier from 'eslint-config-prettier'
import importX from 'eslint-plugin-import-x'
import reactHooks from 'eslint-plugin-react-hooks'
import globals from 'globals'
import tseslint from 'typescript-eslint'

const nodeBuiltins = ['node:*', 'fs', 'child_process', 'net', 'os', 'path', 'crypto', 'stream']

/** `no-restricted-imports` for one folder: packages it must not import. */
function bannedPackages(...names) {
  return {
    'no-restricted-imports': [
      'error',
      {
        patterns: names.map((group) => ({
          group: [group],
          message: `not allowed in this folder (docs/design.md §Layout)`,
        })),
      },
    ],
  }
}

export default tseslint.config(
  {
    ignores: [
      '**/*.d.ts',
      'out/**',
      'dist/**',
      'node_modules/**',
      'test-results/**',
      'playwright-report/**',
    ],
  },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    files: ['**/*.{ts,tsx}'],
    plugins: { 'import-x': importX },
    settings: {
      'import-x/resolver': { node: { extensions: ['.ts', '.tsx', '.js', '.mjs', '.cjs'] } },
    },
    rules: {
      eqeqeq: ['error', 'smart'],
      curly: ['error', 'multi-line'],
      'no-restricted-syntax': [
        'error',
        { selector: 'ExportDefaultDeclaration', message: 'named exports only' },
      ],
      'max-lines': ['warn', { max: 400, skipBlankLines: true, skipComments: true }],
      'max-lines-per-function': ['warn', { max: 80, skipBlankLines: true, skipComments: true }],
      '@typescript-eslint/no-unused-vars': [
        'error',
        { argsIgnorePattern: '^_', varsIgnorePattern: '^_' },
      ],
      '@typescript-eslint/consistent-type-imports': 'error',
      'import-x/no-restricted-paths': [
        'error',
        {
          zones: [
            {
              target: './contract',
              from: ['./main', './labsim', './preload', './renderer', './test'],
              message: 'contract imports zod only',
            },
            {
              target: './main/engine',
              from: [
                './main/ssh',
                './main/app',
                './main/ipc',
                './main/web',
                './main/cli',
                './main/service',
                './main/store',
                './labsim',
              ],
              message: 'engine reaches hosts only through ports',
            },
            {
              target: './main/host',
              from: [
                './main/ssh',
                './main/engine',
                './main/app',
                './main/ipc',
                './main/web',
                './main/cli',
                './main/service',
                './main/store',
                './labsim',
              ],
              message: 'host does I/O only through CommandRunner',
            },
            {
              target: './main/ssh',
              from: [
                './main/engine',
                './main/app',
                './main/ipc',
                './main/web',
                './main/cli',
                './main/service',
                './main/store',
                './labsim',
                './renderer',
              ],
              message: 'ssh knows only ssh2 and node',
            },
            {
              target: './main/service',
              from: ['./main/app', './main/ipc', './main/web', './main/cli', './labsim'],
              message: 'service is what both front doors serve: it knows neither of them',
            },
            {
              target: './main/store',
              from: [
                './main/service',
                './main/cli',
                './main/app',
                './main/ipc',
                './main/web',
                './main/ssh',
                './main/host',
                './labsim',
              ],
              message: 'store sits below service and cli: contract and engine port types only',
            },
            {
              target: './main',
              from: ['./renderer', './preload', './labsim'],
              except: [],
              message: 'main reaches labsim only over SSH (spawned as a process)',
            },
            {
              target: './labsim',
              from: ['./main', './contract', './renderer', './preload'],
              message: 'labsim stands in for a real host: it speaks only shell over SSH',
            },
            {
              target: './renderer',
              from: ['./main', './preload', './labsim'],
              message: 'renderer reaches the back end only through renderer/api',
            },
            {
              target: './preload',
              from: ['./main', './renderer', './labsim'],
              message: 'preload builds window.lab from the contract only',
            },
          ],
        },
      ],
    },
  },
  {
    files: ['contract/**/*.ts'],
    rules: bannedPackages('electron', 'ssh2', 'react', ...nodeBuiltins),
  },
  {
    files: ['main/engine/**/*.ts'],
    rules: bannedPackages(
      'electron',
      'ssh2',
      'node:fs',
      'node:child_process',
      'node:net',
      'fs',
      'child_process',
      'net',
    ),
  },
  {
    files: ['main/host/**/*.ts'],
    rules: bannedPackages('electron', 'ssh2', 'node:fs', 'node:child_process', 'node:net'),
  },
  { files: ['main/service/**/*.ts'], rules: bannedPackages('electron', 'ws') },
  { files: ['main/store/**/*.ts'], rules: bannedPackages('electron', 'ws', 'ssh2') },
  {
    files: ['main/ssh/**/*.ts', 'main/web/**/*.ts', 'main/cli/**/*.ts', 'labsim/**/*.ts'],
    rules: bannedPackages('electron'),
  },
  { files: ['renderer/**/*.{ts,tsx}'], rules: bannedPackages('electron', 'ssh2', ...nodeBuiltins) },
  { files: ['preload/**/*.ts'], rules: bannedPackages('ssh2', ...nodeBuiltins) },
  {
    files: ['main/**/*.ts'],
    ignores: ['main/cli/**'],
    rules: {
      'no-restricted-properties': [
        'error',
        ...[
          'readFileSync',
          'writeFileSync',
          'existsSync',
          'execSync',
          'spawnSync',
          'mkdirSync',
          'readdirSync',
          'statSync',
        ].map((property) => ({ property, message: 'main never blocks: use the async API' })),
      ],
    },
  },
  {
    files: ['renderer/**/*.{ts,tsx}'],
    plugins: { 'react-hooks': reactHooks, '@tanstack/query': tanstackQuery },
    languageOptions: { globals: globals.browser },
    rules: {
      'react-hooks/rules-of-hooks': 'error',
      'react-hooks/exhaustive-deps': 'warn',
      '@tanstack/query/exhaustive-deps': 'error',
      '@tanstack/query/prefer-query-options': 'error',
    },
  },
  { files: ['**/*.{js,mjs,cjs}'], languageOptions: { globals: globals.node } },
  { files: ['*.config.ts'], rules: { 'no-restricted-syntax': 'off' } },
  // A describe block is a table of cases, not a function to keep short.
  { files: ['test/**/*.ts'], rules: { 'max-lines-per-function': 'off' } },
  // Playwright fixtures are taken by destructuring; `({}, testInfo)` is its idiom.
  { files: ['test/e2e/**/*.spec.ts'], rules: { 'no-empty-pattern': 'off' } },
  { files: ['**/*.cjs'], rules: { '@typescript-eslint/no-require-imports': 'off' } },
  prettier,
)
