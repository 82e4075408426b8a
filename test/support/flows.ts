import { randomBytes } from 'node:crypto';
import { codeIn, type TestServer } from './server';

export const TOKEN_FIELDS = 'accessToken refreshToken tokenType expiresIn user { id email emailVerified createdAt }';

export const REGISTER = `mutation Register($input: RegisterInput!) {
  register(input: $input) { email codeExpiresAt resendAvailableAt }
}`;
export const RESEND = `mutation Resend($email: String!) {
  resendVerificationCode(email: $email) { email codeExpiresAt resendAvailableAt }
}`;
export const VERIFY = `mutation Verify($input: VerifyEmailInput!) { verifyEmail(input: $input) { ${TOKEN_FIELDS} } }`;
export const LOGIN = `mutation Login($input: LoginInput!) { login(input: $input) { ${TOKEN_FIELDS} } }`;
export const REFRESH = `mutation Refresh($token: String!) { refreshToken(refreshToken: $token) { ${TOKEN_FIELDS} } }`;
export const LOGOUT = `mutation Logout($token: String!) { logout(refreshToken: $token) }`;
export const ME = `query Me { me { id email emailVerified createdAt } }`;

export const PASSWORD = 'correct horse battery staple';

export interface TokenPayload {
  accessToken: string;
  refreshToken: string;
  tokenType: string;
  expiresIn: number;
  user: { id: string; email: string; emailVerified: boolean; createdAt: string };
}

/** An address no other test uses. */
export function uniqueEmail(label = 'user'): string {
  return `${label}-${randomBytes(4).toString('hex')}@example.test`;
}

export function bearer(token: string): Record<string, string> {
  return { authorization: `Bearer ${token}` };
}

/** Registers and returns the code that arrived at the SMTP server. */
export async function registerAndReadCode(server: TestServer, email: string, password = PASSWORD): Promise<string> {
  const earlier = new Set(server.smtp.messages);
  const response = await server.gql(REGISTER, { input: { email, password } });
  if (response.errors) throw new Error(`register failed: ${JSON.stringify(response.errors)}`);
  const mail = await server.smtp.waitFor((m) => m.to === email.trim().toLowerCase() && !earlier.has(m));
  return codeIn(mail);
}

/** A verified account with a live session, made through the API as a person would. */
export async function createVerifiedUser(
  server: TestServer,
  email = uniqueEmail(),
  password = PASSWORD,
): Promise<{ email: string; password: string; token: TokenPayload }> {
  const code = await registerAndReadCode(server, email, password);
  const response = await server.gql<{ verifyEmail: TokenPayload }>(VERIFY, { input: { email, code } });
  if (!response.data?.verifyEmail) throw new Error(`verify failed: ${JSON.stringify(response.errors)}`);
  return { email, password, token: response.data.verifyEmail };
}

export const REQUEST_RESET = `mutation RequestReset($email: String!) { requestPasswordReset(email: $email) }`;
export const RESET = `mutation Reset($input: ResetPasswordInput!) { resetPassword(input: $input) { ${TOKEN_FIELDS} } }`;
export const CHANGE = `mutation Change($input: ChangePasswordInput!) { changePassword(input: $input) { ${TOKEN_FIELDS} } }`;
export const SESSIONS = `query Sessions { sessions { id current userAgent ip createdAt lastUsedAt expiresAt } }`;

/** Logs in again as an existing account: a second session. */
export async function login(
  server: import('./server').TestServer,
  email: string,
  password = PASSWORD,
  headers: Record<string, string> = {},
): Promise<TokenPayload> {
  const response = await server.gql<{ login: TokenPayload }>(LOGIN, { input: { email, password } }, headers);
  if (!response.data?.login) throw new Error(`login failed: ${JSON.stringify(response.errors)}`);
  return response.data.login;
}

/**
 * Proves that no mail is still on its way: queues one more mail (a registration of a fresh
 * address) and waits until it arrives. The outbox sends in the order rows were committed, so
 * any mail an earlier call queued has arrived before it; what has not, never will.
 */
export async function sendSentinelMail(server: TestServer): Promise<void> {
  const sentinel = uniqueEmail('sentinel');
  const response = await server.gql(REGISTER, { input: { email: sentinel, password: PASSWORD } });
  if (response.errors) throw new Error(`sentinel register failed: ${JSON.stringify(response.errors)}`);
  await server.smtp.waitFor((m) => m.to === sentinel);
}
