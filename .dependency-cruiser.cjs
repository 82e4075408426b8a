/**
 * The floors of docs/architecture.md, checked by `npm run lint:deps` (part of `npm test`).
 * Arrows only go down: the edges (graphql/, http/) -> features -> stores and security/ ->
 * the bottom (config/, crypto/, db/, mail/, viewer/, errors.ts).
 */
const EDGES = '^src/(graphql|http)/';
const FEATURES = '^src/(auth|mfa|passkeys|federation|account|admin|realtime|abuse|maintenance)/';
const STORES = '^src/(users|sessions|codes|security)/';
const BOTTOM = '^src/(config|crypto|db|mail|viewer|observability)/|^src/errors\\.ts$';
const TOP = '^src/(app|main|cluster|entities)\\.ts$';

module.exports = {
  forbidden: [
    {
      name: 'no-cycles',
      severity: 'error',
      comment: 'An import cycle means two rooms that cannot be understood apart.',
      from: { path: '^src/' },
      to: { circular: true },
    },
    {
      name: 'edges-are-imported-from-the-top-only',
      severity: 'error',
      comment: 'Only the composition root wires the GraphQL and HTTP edges; nothing below imports them.',
      from: { path: '^src/', pathNot: [EDGES, TOP] },
      to: { path: EDGES },
    },
    {
      name: 'the-top-is-imported-by-nobody',
      severity: 'error',
      from: { path: '^src/', pathNot: TOP },
      to: { path: TOP },
    },
    {
      name: 'stores-import-no-feature',
      severity: 'error',
      comment: 'Stores and security/ sit below the features that use them.',
      from: { path: STORES },
      to: { path: FEATURES },
    },
    {
      name: 'the-bottom-imports-only-the-bottom',
      severity: 'error',
      comment: 'config/, crypto/, db/, mail/, viewer/ and errors.ts know no feature, store or edge.',
      from: { path: BOTTOM },
      to: { path: '^src/', pathNot: BOTTOM },
    },
    {
      name: 'every-file-has-a-floor',
      severity: 'error',
      comment: 'A new folder under src/ gets a floor here and in docs/architecture.md.',
      from: { path: '^src/', pathNot: [EDGES, FEATURES, STORES, BOTTOM, TOP] },
      to: {},
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    includeOnly: '^src/',
    exclude: { path: '\\.(jsx|md)$' },
  },
};
