// The direction of imports (README, Layout): commands -> steps -> the connection domain ->
// clients and storage -> http/util. Nothing imports upward, no command imports another, no cycles.
// Checked by `npm run lint` (part of `npm test`).
const base = '^src/(http|util|io|cli|crypto)/|^src/(clouds|microsoft|package-files)\\.ts$';
const clientsAndStorage = '^src/(clients|secrets|profiles|auth|destinations)/';
const domain = '^src/(connection|roles)/';

module.exports = {
  forbidden: [
    { name: 'no-cycles', severity: 'error', comment: 'Import cycles, type-only ones included.', from: { path: '^src/' }, to: { circular: true } },
    {
      name: 'nothing-imports-a-command',
      severity: 'error',
      comment: 'Only main.ts loads commands; shared code lives below them.',
      from: { path: '^src/', pathNot: '^src/(main\\.ts|commands/)' },
      to: { path: '^src/commands/' },
    },
    {
      name: 'no-command-imports-another',
      severity: 'error',
      comment: 'What two commands share belongs in steps/ or the connection domain (or commands/shared-options.ts for option definitions).',
      from: { path: '^src/commands/([^/]+)/' },
      to: { path: '^src/commands/', pathNot: ['^src/commands/$1/', '^src/commands/shared-options\\.ts$'] },
    },
    {
      name: 'steps-above-the-domain',
      severity: 'error',
      comment: 'The connection domain, clients, storage and utilities never import a step.',
      from: { path: [domain, clientsAndStorage, base] },
      to: { path: '^src/steps/' },
    },
    {
      name: 'domain-above-clients',
      severity: 'error',
      comment: 'Clients, storage and utilities never import the connection domain.',
      from: { path: [clientsAndStorage, base] },
      to: { path: domain },
    },
    {
      name: 'clients-above-utilities',
      severity: 'error',
      comment: 'http/, util/, io/, cli/ and crypto/ never import clients or storage.',
      from: { path: base },
      to: { path: clientsAndStorage },
    },
    {
      name: 'emulator-apart',
      severity: 'error',
      comment: 'The emulator of Microsoft\'s cloud is used by the sandbox command and the tests only, and uses only utilities.',
      from: { path: '^src/', pathNot: '^src/(emulator/|commands/sandbox/)' },
      to: { path: '^src/emulator/' },
    },
    {
      name: 'emulator-self-contained',
      severity: 'error',
      from: { path: '^src/emulator/' },
      to: { path: '^src/', pathNot: ['^src/emulator/', '^src/(crypto|util)/', '^src/clouds\\.ts$'] },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    enhancedResolveOptions: { extensions: ['.ts', '.js', '.cjs', '.mjs'] },
  },
};
