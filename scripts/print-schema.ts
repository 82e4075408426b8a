import 'reflect-metadata';
import { readFileSync, writeFileSync } from 'node:fs';
import { createSchema, printSchemaFile } from '../src/graphql/schema';

/** Writes schema.graphql from the resolvers; with --check, fails if the committed file differs. */
async function main(): Promise<void> {
  const text = printSchemaFile(await createSchema());
  if (process.argv.includes('--check')) {
    const committed = readFileSync('schema.graphql', 'utf8');
    if (committed !== text) {
      console.error('schema.graphql is stale: run `npm run schema` and commit it');
      process.exit(1);
    }
    console.log('schema.graphql is current');
    return;
  }
  writeFileSync('schema.graphql', text);
  console.log('wrote schema.graphql');
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
