import { CombinedGraphQLErrors } from '@apollo/client';
import { createBrowserClient } from '../src/browser-client';
import { LoginDocument, MeDocument, RegisterDocument, VerifyEmailDocument } from '../src/generated/graphql';
import type { AccessGrant } from '../src/cookie-session';
import { addPasskey, signInWithPasskey } from '../src/passkeys';

/**
 * The example single-page app: register, enter the mailed code, see `me`, stay signed in across
 * a reload (a silent refresh through the HttpOnly cookie), refresh once across tabs, log out;
 * add a passkey, and sign in with it (alone, or after the password when the server asks).
 * The access token lives in memory only.
 */
const uri = document.querySelector<HTMLMetaElement>('meta[name="girok-url"]')!.content;
const { client, session } = createBrowserClient({ uri, onSessionEnded: () => show('signin', 'Your session has ended; sign in again.') });

const $ = <T extends HTMLElement>(id: string) => document.getElementById(id) as T;
let pendingEmail = '';

function show(view: 'signin' | 'verify' | 'home', status: string): void {
  for (const id of ['signin', 'verify', 'home']) $(id).hidden = id !== view;
  $('status').textContent = status;
}

function fields(form: HTMLFormElement): Record<string, string> {
  return Object.fromEntries([...new FormData(form)].map(([key, value]) => [key, typeof value === 'string' ? value : '']));
}

function messageOf(error: unknown): string {
  if (CombinedGraphQLErrors.is(error)) return error.errors.map((e) => e.message).join('; ');
  return error instanceof Error ? error.message : String(error);
}

async function showHome(grant: AccessGrant | null): Promise<void> {
  if (!grant) return show('signin', 'Signed out.');
  const { data } = await client.query({ query: MeDocument, fetchPolicy: 'network-only' });
  if (!data?.me) return show('signin', 'Your session has ended; sign in again.');
  $('me-email').textContent = data.me.email;
  $('expires').textContent = new Date(session.current?.refreshAt ?? Date.now()).toLocaleTimeString();
  show('home', 'Signed in.');
}

function on(id: string, event: 'submit' | 'click', handler: (target: HTMLFormElement) => Promise<void>): void {
  $(id).addEventListener(event, (e) => {
    e.preventDefault();
    handler(e.currentTarget as HTMLFormElement).catch((error: unknown) => {
      $('status').textContent = messageOf(error);
    });
  });
}

on('register-form', 'submit', async (form) => {
  const { email, password } = fields(form);
  await client.mutate({ mutation: RegisterDocument, variables: { input: { email, password } } });
  pendingEmail = email;
  $('verify-email').textContent = email;
  show('verify', 'Code sent.');
});

on('verify-form', 'submit', async (form) => {
  const { data } = await client.mutate({ mutation: VerifyEmailDocument, variables: { input: { email: pendingEmail, code: fields(form).code } } });
  await showHome(session.signedIn(data!.verifyEmail));
});

on('login-form', 'submit', async (form) => {
  const { email, password } = fields(form);
  try {
    const { data } = await client.mutate({ mutation: LoginDocument, variables: { input: { email, password } } });
    await showHome(session.signedIn(data!.login));
  } catch (error) {
    // An account with a passkey asks for it after the password: the mfaToken binds the two.
    const second = CombinedGraphQLErrors.is(error) ? error.errors.find((e) => e.extensions?.code === 'MFA_REQUIRED') : undefined;
    if (!(second?.extensions?.methods as string[] | undefined)?.includes('PASSKEY')) throw error;
    $('status').textContent = 'Confirm with your passkey…';
    await showHome(session.signedIn(await signInWithPasskey(client, { mfaToken: second!.extensions!.mfaToken as string })));
  }
});

// No email: the browser offers the passkeys it holds for this site (discoverable credentials).
on('passkey-signin', 'click', async () => showHome(session.signedIn(await signInWithPasskey(client))));

on('add-passkey', 'click', async () => {
  await addPasskey(client, 'Example app');
  $('status').textContent = 'Passkey added.';
});

on('refresh', 'click', async () => {
  // Null means the session ended, and onSessionEnded has already said so.
  const grant = await session.refresh();
  if (grant) await showHome(grant);
});
on('reload-me', 'click', async () => showHome(session.current));
on('logout', 'click', async () => {
  await session.logout();
  await client.clearStore();
  show('signin', 'Signed out.');
});

session.resume().then(showHome, (error: unknown) => show('signin', messageOf(error)));
