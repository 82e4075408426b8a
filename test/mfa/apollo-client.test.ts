import { MeDocument, createGirokClient, signInWithPassword, type MfaMethod } from '../../examples/apollo-client/src';
import { createVerifiedUser } from '../support/flows';
import { startTestServer, type TestServer } from '../support/server';
import { enrollTotp } from './support';

let server: TestServer;
beforeAll(async () => {
  server = await startTestServer();
});
afterAll(() => server?.close());

describe('Apollo Client example with two-step verification', () => {
  it('answers MFA_REQUIRED by asking for a code, again after a wrong one, then signs in', async () => {
    const { email, password, token } = await createVerifiedUser(server);
    const { app } = await enrollTotp(server, token.accessToken);
    const girok = createGirokClient({ uri: server.url });
    const asked: { methods: MfaMethod[]; attemptsLeft?: number }[] = [];
    const right = await app.nextCode();
    // A wrong code: the right one with its last digit changed.
    const wrong = right.slice(0, 5) + String((Number(right[5]) + 1) % 10);

    await signInWithPassword(girok, { email, password }, async (methods, attemptsLeft) => {
      asked.push({ methods, attemptsLeft });
      return asked.length === 1 ? wrong : right;
    });

    expect(asked).toEqual([
      { methods: ['TOTP', 'RECOVERY_CODE'], attemptsLeft: undefined },
      { methods: ['TOTP', 'RECOVERY_CODE'], attemptsLeft: 4 },
    ]);
    const { data } = await girok.client.query({ query: MeDocument, fetchPolicy: 'network-only' });
    expect(data?.me?.email).toBe(email);
  });

  it('signs in without asking when the account has no second factor', async () => {
    const { email, password } = await createVerifiedUser(server);
    const girok = createGirokClient({ uri: server.url });
    const ask = jest.fn<Promise<string>, [MfaMethod[], number?]>();
    await signInWithPassword(girok, { email, password }, ask);
    expect(ask).not.toHaveBeenCalled();
    expect(girok.store.get()?.accessToken).toBeTruthy();
  });
});
