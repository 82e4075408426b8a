import type { CodegenConfig } from '@graphql-codegen/cli';

/**
 * Typed operations for the Apollo Client example, from the committed schema.graphql.
 * `npm run codegen` writes them; `npm run codegen:check` fails when they are stale.
 */
const config: CodegenConfig = {
  schema: 'schema.graphql',
  documents: 'examples/apollo-client/src/**/*.graphql',
  generates: {
    'examples/apollo-client/src/generated/graphql.ts': {
      plugins: ['typescript-operations', 'typed-document-node'],
      config: {
        scalars: { DateTimeISO: 'string' },
        useTypeImports: true,
        enumsAsTypes: true,
        skipTypename: true,
      },
    },
  },
};

export default config;
