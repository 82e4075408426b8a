import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { createSchema, printSchemaFile } from '../src/graphql/schema';

describe('schema.graphql', () => {
  it('is the schema the resolvers build (run `npm run schema` and commit when this fails)', async () => {
    const committed = readFileSync(join(__dirname, '..', 'schema.graphql'), 'utf8');
    expect(committed).toBe(printSchemaFile(await createSchema()));
  });
});
