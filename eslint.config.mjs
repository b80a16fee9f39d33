// @ts-check
import js from '@eslint/js';
import prettier from 'eslint-config-prettier';
import tseslint from 'typescript-eslint';

// ---------------------------------------------------------------------------------------------
// Layer boundaries (src/README.md). ESLint's own no-restricted-imports (the typescript-eslint
// extension, which also sees `import x = require()` and type-only imports) with regex patterns:
// no plugin and no module resolver to keep in step with TypeScript. A relative specifier leaves
// a layer when it climbs more `../` than the file is deep inside it, so the rules are generated
// per depth; `import()`, `import('x').T` types and `require()` are matched by no-restricted-syntax.

const AWS_RUNTIME = '^(@aws-sdk|@smithy|@aws-lambda-powertools)/|^aws-sdk(/|$)';
const CDKTF = '^(cdktf|constructs)(/|$)|^@cdktf/';
const MAX_DEPTH = 6;

/** `(../){n}` as a regex, anchored at the start of the specifier. */
const up = (n) => `^(\\.\\./){${n}}`;

/**
 * Rules for one layer: `folder` (from the repository root), the packages it must not import and
 * which sibling folders (of the folder's parent) it may reach. `why` ends every message.
 * @param {{ folder: string, packages: {regex: string, what: string}[], siblings: string[], extra?: string[], why: string }} layer
 */
function layerRules({ folder, packages, siblings, extra = [], why }) {
  const configs = [];
  const parent = folder.split('/').slice(0, -1).join('/') || '.';
  for (let depth = 0; depth < MAX_DEPTH; depth++) {
    const allowed = [...siblings.map((name) => `${name}(/|$)`), ...extra].join('|');
    // Climbing depth+1 levels reaches the layer's parent: anything there but an allowed sibling leaves the layer.
    const leaves = allowed ? `${up(depth + 1)}(?!${allowed})` : up(depth + 1);
    const patterns = [
      ...packages.map(({ regex, what }) => ({ regex, what })),
      {
        regex: leaves,
        what: siblings.length
          ? `code outside ${folder} other than ${siblings.map((name) => `${parent}/${name}`).join(' and ')}`
          : `code outside ${folder}`,
      },
    ];
    const message = (what) => `${folder} must not import ${what}: ${why} (layer rule, see src/README.md)`;
    const combined = patterns.map((pattern) => `(${pattern.regex})`).join('|');
    configs.push({
      name: `layers/${folder}/depth-${depth}`,
      files: [`${folder}/${'*/'.repeat(depth)}*.ts`],
      rules: {
        '@typescript-eslint/no-restricted-imports': [
          'error',
          { patterns: patterns.map(({ regex, what }) => ({ regex, message: message(what) })) },
        ],
        'no-restricted-syntax': [
          'error',
          ...[
            'ImportExpression[source.value=/RE/]',
            'TSImportType[source.value=/RE/]',
            "CallExpression[callee.name='require'][arguments.0.value=/RE/]",
          ].map((selector) => ({
            selector: selector.replace('RE', combined.replaceAll('/', '\\/')),
            message: message(patterns.map(({ what }) => what).join(' or ')),
          })),
        ],
      },
    });
  }
  return configs;
}

const SDK = { regex: AWS_RUNTIME, what: 'the AWS SDK, Smithy or Powertools' };
const CDKTF_PACKAGES = { regex: CDKTF, what: 'cdktf, constructs or @cdktf/*' };

const LAYERS = [
  {
    folder: 'src/shared',
    packages: [SDK, CDKTF_PACKAGES],
    siblings: [],
    why: 'shared code runs everywhere (synth, Lambda, CLI) and depends on no other layer',
  },
  {
    folder: 'src/constructs',
    packages: [SDK],
    siblings: ['shared'],
    why: 'constructs run at synth time, never the reconciler',
  },
  {
    folder: 'src/engine',
    packages: [CDKTF_PACKAGES],
    siblings: ['shared'],
    why: 'the engine runs in Lambda and the CLI, where cdktf is not shipped',
  },
  {
    folder: 'src/lambda',
    packages: [CDKTF_PACKAGES],
    siblings: ['shared', 'engine'],
    why: 'the Lambda bundle must not carry synth-time code',
  },
  // `--version` reads the package's own version.
  {
    folder: 'src/cli',
    packages: [CDKTF_PACKAGES],
    siblings: ['shared', 'engine'],
    extra: ['\\.\\./package\\.json$'],
    why: 'the command-line tool runs the engine, not synth-time code',
  },
  {
    folder: 'emulator',
    packages: [],
    siblings: [],
    why: 'the emulator stands in for AWS and must not share code with the product it tests',
  },
];

// src/index.ts is the npm package's synth-time entry: the constructs and the shared types.
const PACKAGE_ENTRY = {
  name: 'layers/src/index',
  files: ['src/index.ts'],
  rules: {
    '@typescript-eslint/no-restricted-imports': [
      'error',
      {
        patterns: [
          {
            regex: AWS_RUNTIME,
            message:
              'src/index.ts must not import the AWS SDK, Smithy or Powertools: the package entry is synth-time code (layer rule, see src/README.md)',
          },
          {
            regex: '^\\./(engine|lambda|cli)(/|$)',
            message:
              'src/index.ts must not import src/engine, src/lambda or src/cli: the package entry is synth-time code (layer rule, see src/README.md)',
          },
        ],
      },
    ],
  },
};

export default tseslint.config(
  {
    ignores: ['node_modules/**', 'dist/**', 'cdktf.out/**', 'coverage/**', '**/*.js', '**/*.mjs', '**/*.cjs'],
  },
  js.configs.recommended,
  ...tseslint.configs.recommendedTypeChecked,
  {
    languageOptions: {
      parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname },
    },
    rules: {
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/no-misused-promises': 'error',
      '@typescript-eslint/return-await': ['error', 'in-try-catch'],
      '@typescript-eslint/require-await': 'off',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
    },
  },
  {
    files: ['__tests__/**/*.ts', 'bench/**/*.ts'],
    rules: {
      '@typescript-eslint/no-unsafe-assignment': 'off',
      '@typescript-eslint/no-unsafe-member-access': 'off',
      '@typescript-eslint/no-unsafe-argument': 'off',
      '@typescript-eslint/no-unsafe-call': 'off',
      '@typescript-eslint/no-unsafe-return': 'off',
      '@typescript-eslint/no-non-null-assertion': 'off',
    },
  },
  ...LAYERS.flatMap(layerRules),
  PACKAGE_ENTRY,
  prettier,
);
