import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ConfigError, loadConfig } from '../../src/config';

let dataDir: string;
beforeAll(() => (dataDir = mkdtempSync(join(tmpdir(), 'girok-wc-'))));
afterAll(() => rmSync(dataDir, { recursive: true, force: true }));

const load = (env: Record<string, string>) => loadConfig({ NODE_ENV: 'test', DATA_DIR: dataDir, ...env });
const DATABASE_URL = 'postgresql://postgres@127.0.0.1:5432/girok';

describe('WEB_CONCURRENCY', () => {
  it('is 1 unless set', () => {
    expect(load({}).webConcurrency).toBe(1);
  });

  it('accepts several workers on PostgreSQL with Redis for the rate limits', () => {
    expect(load({ WEB_CONCURRENCY: '4', DATABASE_URL, REDIS_URL: 'redis://127.0.0.1:6379' }).webConcurrency).toBe(4);
    expect(load({ WEB_CONCURRENCY: '2', DATABASE_URL, RATE_LIMIT_ENABLED: 'false' }).webConcurrency).toBe(2);
  });

  it.each([
    ['not a number', { WEB_CONCURRENCY: 'many' }, /whole number/],
    ['zero', { WEB_CONCURRENCY: '0' }, /whole number/],
    ['above 1 on the embedded database', { WEB_CONCURRENCY: '2' }, /needs DATABASE_URL/],
    ['above 1 with rate limits kept in each worker', { WEB_CONCURRENCY: '2', DATABASE_URL }, /needs REDIS_URL/],
  ])('stops boot when %s', (_label, env, message) => {
    expect(() => load(env)).toThrow(ConfigError);
    expect(() => load(env)).toThrow(message);
    expect(() => load(env)).toThrow(/^WEB_CONCURRENCY: /);
  });
});
