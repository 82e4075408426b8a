import WebSocket from 'ws';
import { createGirokClient, tokenPair, watchSecurityEvents, type SecurityEvent } from '../../examples/apollo-client/src';
import { createVerifiedUser, login, LOGOUT, PASSWORD } from '../support/flows';
import { startTestServer, type TestServer } from '../support/server';
import { socketUrl, until } from './socket';

let server: TestServer;
beforeAll(async () => {
  server = await startTestServer();
});
afterAll(() => server?.close());

describe('Apollo Client example: securityEvents over a split link', () => {
  it('shows a login from elsewhere, then a notice when its own session is revoked', async () => {
    const user = await createVerifiedUser(server);
    const girok = createGirokClient({ uri: server.url, wsUrl: socketUrl(server.url), webSocketImpl: WebSocket });
    girok.store.set(tokenPair(user.token));
    const events: SecurityEvent[] = [];
    let signedOut = false;
    const stop = watchSecurityEvents(girok.client, { onEvent: (event) => events.push(event), onSignedOut: () => (signedOut = true) });
    try {
      // A readiness point: the subscription runs on the server before anything happens.
      await until(() => server.app.realtime!.counts().subscriptions > 0, 5000, 'the subscription never started');
      await login(server, user.email, PASSWORD, { 'user-agent': 'AnotherBrowser/1' });
      await until(() => events.some((e) => e.userAgent === 'AnotherBrowser/1'), 5000, 'the login elsewhere never arrived');

      await server.gql(LOGOUT, { token: user.token.refreshToken });
      await until(() => signedOut, 5000, 'the revoked session was never noticed');
      expect(events.at(-1)?.type).toBe('SESSION_REVOKED');
    } finally {
      stop();
      await girok.client.clearStore();
      girok.client.stop();
    }
  });
});
