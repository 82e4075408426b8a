import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ConfigError, loadConfig } from '../../src/config';

const dataDir = mkdtempSync(join(tmpdir(), 'girok-realtime-config-'));
afterAll(() => rmSync(dataDir, { recursive: true, force: true }));
const load = (env: Record<string, string> = {}) => loadConfig({ DATA_DIR: dataDir, ...env });

function failure(env: Record<string, string>): ConfigError {
  try {
    load(env);
  } catch (error) {
    if (error instanceof ConfigError) return error;
    throw error;
  }
  throw new Error('loadConfig accepted a bad environment');
}

describe('realtime settings', () => {
  it('has defaults, and a channel named after the token issuer', () => {
    const config = load();
    expect(config.realtime).toMatchObject({ enabled: true, initTimeout: 3, maxMessageBytes: 16384, maxSocketsPerUser: 16, maxSubscriptionsPerSocket: 5 });
    expect(config.realtime.channel).toMatch(/^girok_events_[0-9a-f]{16}$/);
    expect(load({ JWT_ISSUER: 'another' }).realtime.channel).not.toBe(config.realtime.channel);
    expect(load({ REALTIME_CHANNEL: 'my_events' }).realtime.channel).toBe('my_events');
  });

  it('reads CORS_ORIGINS and PUBLIC_URL', () => {
    const config = load({ CORS_ORIGINS: 'https://app.example.com, http://localhost:5173', PUBLIC_URL: 'https://auth.example.com/' });
    expect(config.http.corsOrigins).toEqual(['https://app.example.com', 'http://localhost:5173']);
    expect(config.http.publicOrigin).toBe('https://auth.example.com');
  });

  it.each([
    ['CORS_ORIGINS', 'https://app.example.com/path', /exact origins like/],
    ['CORS_ORIGINS', 'app.example.com', /exact origins like/],
    ['PUBLIC_URL', 'ftp://auth.example.com', /http:\/\/ or https:\/\//],
    ['REALTIME_CHANNEL', 'Events; drop table users', /lowercase letters/],
    ['REALTIME_MAX_SOCKETS_PER_USER', '0', /from 1 to/],
  ])('stops boot on %s=%s, naming it', (name, value, message) => {
    const error = failure({ [name]: value });
    expect(error.message).toContain(name);
    expect(error.message).toMatch(message);
  });
});
