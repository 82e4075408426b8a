import { startTestServer, type TestServer } from '../support/server';
import { LOGIN, createVerifiedUser } from '../support/flows';

// ASVS 14.3.2: no cache keeps what /graphql answers.
let server: TestServer;
beforeAll(async () => {
  server = await startTestServer();
});
afterAll(() => server?.close());

describe('GraphQL answers', () => {
  it('carry Cache-Control: no-store, with a token in them or an error', async () => {
    const { email, password } = await createVerifiedUser(server);
    const token = await server.gql(LOGIN, { input: { email, password } });
    expect(token.data?.login.accessToken).toBeTruthy();
    const refused = await server.gql(LOGIN, { input: { email, password: 'not it at all' } });
    const malformed = await server.gql('{ nope }');
    for (const answer of [token, refused, malformed]) expect(answer.headers.get('cache-control')).toBe('no-store');
  });
});
