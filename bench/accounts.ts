import { randomBytes } from 'node:crypto';
import type { SmtpCapture } from '../test/support/smtp';

export const PASSWORD = 'correct horse battery staple';
export const TOKEN_FIELDS = 'accessToken refreshToken user { id }';
export const REGISTER = 'mutation Register($input: RegisterInput!) { register(input: $input) { email } }';
export const VERIFY = `mutation Verify($input: VerifyEmailInput!) { verifyEmail(input: $input) { ${TOKEN_FIELDS} } }`;
export const LOGIN = `mutation Login($input: LoginInput!) { login(input: $input) { ${TOKEN_FIELDS} } }`;
export const REFRESH = `mutation Refresh($token: String!) { refreshToken(refreshToken: $token) { ${TOKEN_FIELDS} } }`;
export const ME = 'query Me { me { id email emailVerified createdAt } }';

export interface Tokens {
  accessToken: string;
  refreshToken: string;
}

export interface Account {
  email: string;
  tokens: Tokens;
}

/** A prefix that keeps this run's addresses apart from any earlier run on the same database. */
export const RUN_ID = randomBytes(4).toString('hex');

/** One GraphQL call; throws on any error, since setup must be clean for the figures to mean anything. */
export async function gql<T>(url: string, query: string, variables: Record<string, unknown>): Promise<T> {
  const response = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ query, variables }),
  });
  const body = (await response.json()) as { data?: T; errors?: unknown[] };
  if (!response.ok || body.errors || !body.data) throw new Error(`${query.split('(')[0]} failed (${response.status}): ${JSON.stringify(body.errors ?? body)}`);
  return body.data;
}

/** Verified accounts made as a person would: register, read the code from the mail, verify. */
export async function createVerifiedAccounts(url: string, smtp: SmtpCapture, count: number): Promise<Account[]> {
  return inBatches(count, 4, async (i) => {
    const email = `bench-${RUN_ID}-user${i}@example.test`;
    await gql(url, REGISTER, { input: { email, password: PASSWORD } });
    const mail = await smtp.waitFor((m) => m.to === email, 30_000);
    const code = /\b(\d{6})\b/.exec(mail.text)?.[1];
    if (!code) throw new Error(`no code in the mail to ${email}`);
    const data = await gql<{ verifyEmail: Tokens }>(url, VERIFY, { input: { email, code } });
    return { email, tokens: data.verifyEmail };
  });
}

/** `count` fresh sessions by password login, spread over the accounts. */
export async function startSessions(url: string, accounts: Account[], count: number): Promise<Tokens[]> {
  return inBatches(count, 8, async (i) => {
    const { email } = accounts[i % accounts.length];
    return (await gql<{ login: Tokens }>(url, LOGIN, { input: { email, password: PASSWORD } })).login;
  });
}

async function inBatches<T>(count: number, width: number, work: (i: number) => Promise<T>): Promise<T[]> {
  const results: T[] = new Array(count);
  let next = 0;
  const lane = async () => {
    while (next < count) {
      const i = next++;
      results[i] = await work(i);
    }
  };
  await Promise.all(Array.from({ length: Math.min(width, count) }, lane));
  return results;
}
