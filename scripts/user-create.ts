import 'reflect-metadata';
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import type { EntityManager } from '@mikro-orm/postgresql';
import { Writable } from 'node:stream';
import { createApp } from '../src/app';
import { checkPassword } from '../src/auth/password-policy';
import { PasswordHasher } from '../src/auth/passwords';
import { parseEmail } from '../src/auth/validation';
import { ConfigError, loadConfig } from '../src/config';
import { ClientError } from '../src/errors';
import { User } from '../src/users/user.entity';

/** Thrown when the address already belongs to a verified account. */
export class UserExistsError extends Error {}

/**
 * Creates a verified account with the server's own email and password rules and hasher. A
 * pending (unverified) registration for the address is taken over: new password, verified.
 */
export async function createVerifiedAccount(em: EntityManager, hasher: PasswordHasher, input: { email: string; password: string }): Promise<User> {
  const email = parseEmail(input.email);
  const passwordHash = await hasher.hash(checkPassword(input.password, email));
  return em.transactional(async (tx) => {
    const existing = await tx.findOne(User, { email });
    if (existing?.emailVerified) throw new UserExistsError(`${email} already has a verified account`);
    const user = existing ?? tx.create(User, { email, passwordHash } as User);
    user.passwordHash = passwordHash;
    user.emailVerified = true;
    return user;
  });
}

const USAGE = 'usage: npm run user:create -- --email <address> (--password <password> | --password-stdin)';

async function main(): Promise<void> {
  const { values } = parseArgs({ options: { email: { type: 'string' }, password: { type: 'string' }, 'password-stdin': { type: 'boolean' } } });
  // --password-stdin keeps the password out of the shell history and the process list.
  const password = values['password-stdin'] ? readFileSync(0, 'utf8').replace(/\r?\n$/, '') : values.password;
  if (!values.email || !password) throw new UsageError(USAGE);

  const config = loadConfig();
  // The app's own composition root: same database (embedded or DATABASE_URL), migrations and rules.
  const app = await createApp(config, { logStream: new Writable({ write: (_chunk, _encoding, done) => done() }) });
  try {
    const user = await createVerifiedAccount(app.orm.em.fork(), new PasswordHasher(config.argon2), { email: values.email, password });
    console.log(`created verified user ${user.email} (id ${user.id})`);
  } finally {
    await app.close();
  }
}

class UsageError extends Error {}

if (require.main === module) {
  main().catch((error) => {
    if (error instanceof ClientError) console.error(`${error.extensions.field ?? 'input'}: ${error.message}`);
    else if (error instanceof ConfigError || error instanceof UserExistsError || error instanceof UsageError) console.error(error.message);
    else console.error('user:create failed:', error instanceof Error ? error.message : error);
    process.exit(error instanceof UsageError ? 2 : 1);
  });
}
