import { Migration } from '@mikro-orm/migrations';

/**
 * Passkeys: each credential (its id unique across every account, its COSE public key, the
 * authenticator's sign counter, transports, backup state, a name), and the WebAuthn challenges
 * waiting for their answer: single use (taken by one DELETE … RETURNING), found by a random id,
 * bound to an account, a pending second factor, or nobody (a discoverable sign-in).
 */
export class Migration20261206110000_passkeys extends Migration {
  override async up(): Promise<void> {
    this.addSql(
      `create table "passkeys" ("id" uuid not null, "user_id" uuid not null references "users" ("id") on update cascade on delete cascade, "credential_id" varchar(1400) not null, "public_key" bytea not null, "counter" bigint not null default 0, "transports" varchar(255) not null default '', "device_type" varchar(16) not null, "backed_up" boolean not null default false, "aaguid" varchar(36) null, "name" varchar(64) null, "created_at" timestamptz not null default now(), "last_used_at" timestamptz null, constraint "passkeys_pkey" primary key ("id"));`,
    );
    this.addSql(`create unique index "passkeys_credential_id_unique" on "passkeys" ("credential_id");`);
    this.addSql(`create index "passkeys_user_id_index" on "passkeys" ("user_id");`);
    this.addSql(
      `create table "webauthn_challenges" ("id" uuid not null, "purpose" varchar(16) not null, "challenge" varchar(128) not null, "user_id" uuid null references "users" ("id") on update cascade on delete cascade, "user_bound" boolean not null default false, "ticket_id" uuid null references "mfa_tickets" ("id") on update cascade on delete cascade, "created_at" timestamptz not null default now(), "expires_at" timestamptz not null, constraint "webauthn_challenges_pkey" primary key ("id"), constraint "webauthn_challenges_purpose_check" check ("purpose" in ('registration', 'authentication')));`,
    );
    this.addSql(`create index "webauthn_challenges_user_id_index" on "webauthn_challenges" ("user_id");`);
    this.addSql(`create index "webauthn_challenges_ticket_id_index" on "webauthn_challenges" ("ticket_id");`);
    this.addSql(`create index "webauthn_challenges_expires_at_index" on "webauthn_challenges" ("expires_at");`);
  }

  override async down(): Promise<void> {
    this.addSql(`drop table if exists "webauthn_challenges" cascade;`);
    this.addSql(`drop table if exists "passkeys" cascade;`);
  }
}
