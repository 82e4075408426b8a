import 'reflect-metadata';
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { Writable } from 'node:stream';
import { createApp, type App } from '../src/app';
import { ConfigError, loadConfig } from '../src/config';
import { ClientError, EmailTakenError } from '../src/errors';
import type { ViewerUser } from '../src/viewer/viewer';

/** Thrown when the address already belongs to a verified account. */
export class UserExistsError extends Error {}

/**
 * Creates a verified account through the server's own registration (same address and password
 * rules, hasher and security timeline). A pending registration for the address is taken over.
 */
export async function createVerifiedAccount(app: App, input: { email: string; password: string; admin?: boolean }): Promise<ViewerUser> {
  let user: ViewerUser;
  try {
    user = await app.registration.createVerified(app.database.fork(), input);
  } catch (error) {
    if (error instanceof EmailTakenError) throw new UserExistsError(`${String(input.email).trim()} already has a verified account`);
    throw error;
  }
  // The first administrator has nobody to grant the role: the operator at the console does.
  return input.admin ? app.admin.setRoles(app.database.fork(), null, user.id, ['admin']) : user;
}

const USAGE = 'usage: npm run user:create -- --email <address> (--password <password> | --password-stdin) [--admin]';

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: { email: { type: 'string' }, password: { type: 'string' }, 'password-stdin': { type: 'boolean' }, admin: { type: 'boolean' } },
  });
  // --password-stdin keeps the password out of the shell history and the process list.
  const password = values['password-stdin'] ? readFileSync(0, 'utf8').replace(/\r?\n$/, '') : values.password;
  if (!values.email || !password) throw new UsageError(USAGE);

  // The app's own composition root: same database (embedded or DATABASE_URL), migrations and rules.
  const app = await createApp(loadConfig(), { logStream: new Writable({ write: (_chunk, _encoding, done) => done() }) });
  try {
    const user = await createVerifiedAccount(app, { email: values.email, password, admin: values.admin === true });
    console.log(`created verified ${user.roles.includes('admin') ? 'administrator' : 'user'} ${user.email} (id ${user.id})`);
  } finally {
    await app.close();
  }
}

class UsageError extends Error {}

if (require.main === module) {
  main().catch((error) => {
    if (error instanceof ClientError) console.error(`${typeof error.extensions.field === 'string' ? error.extensions.field : 'input'}: ${error.message}`);
    else if (error instanceof ConfigError || error instanceof UserExistsError || error instanceof UsageError) console.error(error.message);
    else console.error('user:create failed:', error instanceof Error ? error.message : error);
    process.exit(error instanceof UsageError ? 2 : 1);
  });
}
