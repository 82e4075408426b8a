import { readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import { codegen } from '@graphql-codegen/core';
import * as typedDocumentNode from '@graphql-codegen/typed-document-node';
import * as typescriptOperations from '@graphql-codegen/typescript-operations';
import { parse } from 'graphql';

const ROOT = resolve(__dirname, readdirSync(resolve(__dirname, '..')).includes('package.json') ? '..' : '../..');
const SCHEMA = join(ROOT, 'schema.graphql');
const OPERATIONS_DIR = join(ROOT, 'examples/apollo-client/src');
const OUTPUT = join(OPERATIONS_DIR, 'generated/graphql.ts');

/**
 * Typed operations for the Apollo Client example from the committed schema.graphql, with
 * graphql-codegen's own core and plugins (the same output as its CLI with these plugins,
 * without the CLI's network loaders, which this project never uses).
 */
export async function generateOperations(): Promise<string> {
  const documents = readdirSync(OPERATIONS_DIR)
    .filter((file) => file.endsWith('.graphql'))
    .sort()
    .map((file) => ({ location: relative(ROOT, join(OPERATIONS_DIR, file)), document: parse(readFileSync(join(OPERATIONS_DIR, file), 'utf8')) }));
  return codegen({
    filename: OUTPUT,
    schema: parse(readFileSync(SCHEMA, 'utf8')),
    documents,
    plugins: [{ 'typescript-operations': {} }, { 'typed-document-node': {} }],
    pluginMap: { 'typescript-operations': typescriptOperations, 'typed-document-node': typedDocumentNode },
    config: { scalars: { DateTimeISO: 'string', JSON: 'unknown' }, useTypeImports: true, enumsAsTypes: true, skipTypename: true },
  });
}

if (require.main === module) {
  const check = process.argv.includes('--check');
  generateOperations().then(
    (output) => {
      const current = readFileSync(OUTPUT, 'utf8');
      if (current === output) return;
      if (check) {
        console.error(`${relative(ROOT, OUTPUT)} is stale: run \`npm run codegen\``);
        process.exit(1);
      }
      writeFileSync(OUTPUT, output);
      console.log(`wrote ${relative(ROOT, OUTPUT)}`);
    },
    (error) => {
      console.error('codegen failed:', error instanceof Error ? error.message : error);
      process.exit(1);
    },
  );
}
