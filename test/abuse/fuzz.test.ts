import fc from 'fast-check';
import {
  getNamedType,
  isEnumType,
  isInputObjectType,
  isLeafType,
  isListType,
  isNonNullType,
  type GraphQLArgument,
  type GraphQLField,
  type GraphQLInputType,
  type GraphQLObjectType,
} from 'graphql';
import { ErrorCode } from '../../src/errors';
import { startTestServer, type GraphqlResponse, type TestServer } from '../support/server';

let server: TestServer;
beforeAll(async () => {
  server = await startTestServer();
});
afterAll(() => server?.close());

// The closed set a client may see, minus INTERNAL_SERVER_ERROR: hostile input is never a crash.
const KNOWN_CODES = new Set<string>([
  ...Object.values(ErrorCode).filter((code) => code !== ErrorCode.INTERNAL_SERVER_ERROR),
  'GRAPHQL_VALIDATION_FAILED',
  'GRAPHQL_PARSE_FAILED',
  'BAD_REQUEST',
]);

const hostileString = fc.oneof(
  fc.string(),
  fc.string({ unit: 'binary', maxLength: 64 }),
  fc.emailAddress(),
  fc.emailAddress().map((email) => `${email}\r\nBcc: attacker@example.test`),
  fc.emailAddress().map((email) => `  ${email.toUpperCase()}\u0000`),
  fc.constantFrom('', ' ', '\r\n', '\u0000', '000000', '123456', "' or 1=1 --", '<script>alert(1)</script>', '${jndi:ldap://x}', 'a'.repeat(43)),
  fc.string({ minLength: 250, maxLength: 3000 }),
);
const hostileValue: fc.Arbitrary<unknown> = fc.oneof(
  { weight: 8, arbitrary: hostileString },
  fc.integer(),
  fc.double(),
  fc.boolean(),
  fc.constant(null),
  fc.array(fc.string({ maxLength: 8 }), { maxLength: 3 }),
  fc.dictionary(fc.string({ maxLength: 8 }), fc.string({ maxLength: 8 }), { maxKeys: 3 }),
);

/** Mostly well-typed values with hostile contents; sometimes the wrong type altogether. */
function valueFor(type: GraphQLInputType): fc.Arbitrary<unknown> {
  const named = getNamedType(type);
  if (isInputObjectType(named)) {
    const fields = Object.fromEntries(Object.values(named.getFields()).map((field) => [field.name, valueFor(field.type)]));
    return fc.oneof({ weight: 9, arbitrary: fc.record(fields, { requiredKeys: [] }) }, hostileValue);
  }
  if (isEnumType(named)) return fc.oneof(fc.constantFrom(...named.getValues().map((v) => v.name)), hostileValue);
  if (isListType(isNonNullType(type) ? type.ofType : type)) return fc.array(hostileValue, { maxLength: 3 });
  return isLeafType(named) ? hostileValue : fc.constant(null);
}

function operationFor(field: GraphQLField<unknown, unknown>): string {
  const variables = field.args.map((arg: GraphQLArgument) => `$${arg.name}: ${arg.type.toString()}`).join(', ');
  const args = field.args.map((arg) => `${arg.name}: $${arg.name}`).join(', ');
  const named = getNamedType(field.type);
  const selection = isLeafType(named) ? '' : 'email' in (named as GraphQLObjectType).getFields() ? ' { __typename email }' : ' { __typename }';
  return `mutation${variables ? `(${variables})` : ''} { ${field.name}${args ? `(${args})` : ''}${selection} }`;
}

function assertGraphqlAnswer(response: GraphqlResponse) {
  expect([200, 400]).toContain(response.status);
  expect(response.data !== undefined || response.errors !== undefined).toBe(true);
  for (const error of response.errors ?? []) {
    expect(KNOWN_CODES).toContain(error.extensions?.code);
    expect(JSON.stringify(error)).not.toMatch(/stacktrace|node_modules|SELECT|INSERT/i);
  }
}

describe('fuzzing every mutation', () => {
  it('answers random and hostile inputs with data or a known code, writes only for accepted registrations, and stays up', async () => {
    const mutations = Object.values(server.app.schema.getMutationType()!.getFields());
    expect(mutations.length).toBeGreaterThanOrEqual(5);
    const registered = new Set<string>();
    const call = fc.oneof(
      ...mutations.map((field) =>
        fc.record(Object.fromEntries(field.args.map((arg) => [arg.name, valueFor(arg.type)])), { requiredKeys: [] }).map((variables) => ({ field, variables })),
      ),
    );

    await fc.assert(
      fc.asyncProperty(call, fc.boolean(), async ({ field, variables }, withBearer) => {
        const headers: Record<string, string> = withBearer ? { authorization: 'Bearer not.a.token' } : {};
        const response = await server.gql(operationFor(field), variables, headers);
        assertGraphqlAnswer(response);
        if (field.name === 'register' && response.data?.register) registered.add(response.data.register.email);
      }),
      { numRuns: 150 },
    );

    const health = await fetch(server.url.replace(/\/graphql$/, '/healthz'));
    expect(health.status).toBe(200);
    const rows = await server.app.orm.em.fork().getConnection().execute('select email from users');
    expect(new Set(rows.map((row) => row.email as string))).toEqual(registered);
  });

  it('answers random bodies without a server error', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.oneof(fc.string({ maxLength: 200 }), fc.json({ maxDepth: 3 }), fc.string({ unit: 'binary', maxLength: 200 })),
        fc.constantFrom('application/json', 'application/graphql-response+json', 'text/plain'),
        async (body, contentType) => {
          const response = await fetch(server.url, { method: 'POST', headers: { 'content-type': contentType, 'apollo-require-preflight': '1' }, body });
          expect(response.status).toBeLessThan(500);
        },
      ),
      { numRuns: 100 },
    );
    expect((await fetch(server.url.replace(/\/graphql$/, '/healthz'))).status).toBe(200);
  });
});
