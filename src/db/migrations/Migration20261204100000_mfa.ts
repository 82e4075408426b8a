import { Migration } from '@mikro-orm/migrations';

const EVENT_TYPES_BEFORE = [
  'registered',
  'email_verified',
  'login_succeeded',
  'login_failed',
  'refresh_reuse_detected',
  'session_revoked',
  'password_changed',
  'password_reset',
  'code_locked_out',
];
const EVENT_TYPES_MFA = ['mfa_enabled', 'mfa_disabled', 'recovery_code_used', 'recovery_codes_regenerated', 'mfa_failed', 'reauthenticated'];

function typeCheck(types: string[]): string {
  return `alter table "security_events" add constraint "security_events_type_check" check ("type" in (${types.map((t) => `'${t}'`).join(', ')}));`;
}

/**
 * The second factor: a TOTP factor per account (its secret sealed under ENCRYPTION_KEY, the
 * last accepted time step so a code works once), hashed single-use recovery codes, and the
 * tickets of sign-ins waiting for their second factor. Sessions remember how they were
 * authenticated (`amr`) and when (`auth_time`), so a refresh keeps both.
 */
export class Migration20261204100000_mfa extends Migration {
  override async up(): Promise<void> {
    this.addSql(
      `create table "mfa_totp_factors" ("user_id" uuid not null references "users" ("id") on update cascade on delete cascade, "secret_sealed" bytea not null, "confirmed_at" timestamptz null, "last_step" bigint not null default 0, "created_at" timestamptz not null default now(), constraint "mfa_totp_factors_pkey" primary key ("user_id"));`,
    );
    this.addSql(
      `create table "mfa_recovery_codes" ("id" uuid not null, "user_id" uuid not null references "users" ("id") on update cascade on delete cascade, "code_hash" bytea not null, "created_at" timestamptz not null default now(), "used_at" timestamptz null, constraint "mfa_recovery_codes_pkey" primary key ("id"));`,
    );
    this.addSql(`create index "mfa_recovery_codes_user_id_index" on "mfa_recovery_codes" ("user_id");`);
    this.addSql(
      `create table "mfa_tickets" ("id" uuid not null, "token_hash" bytea not null, "user_id" uuid not null references "users" ("id") on update cascade on delete cascade, "amr" varchar(64) not null, "attempts" int not null default 0, "created_at" timestamptz not null default now(), "expires_at" timestamptz not null, "consumed_at" timestamptz null, constraint "mfa_tickets_pkey" primary key ("id"));`,
    );
    this.addSql(`create unique index "mfa_tickets_token_hash_unique" on "mfa_tickets" ("token_hash");`);
    this.addSql(`create index "mfa_tickets_user_id_index" on "mfa_tickets" ("user_id");`);
    this.addSql(`create index "mfa_tickets_expires_at_index" on "mfa_tickets" ("expires_at");`);
    // Sessions opened before this migration signed in with a password.
    this.addSql(`alter table "sessions" add column "amr" varchar(64) not null default 'pwd';`);
    this.addSql(`alter table "sessions" add column "auth_time" timestamptz not null default now();`);
    this.addSql(`update "sessions" set "auth_time" = "created_at";`);
    this.addSql(`alter table "security_events" drop constraint if exists "security_events_type_check";`);
    this.addSql(typeCheck([...EVENT_TYPES_BEFORE, ...EVENT_TYPES_MFA]));
  }

  override async down(): Promise<void> {
    this.addSql(`delete from "security_events" where "type" in (${EVENT_TYPES_MFA.map((t) => `'${t}'`).join(', ')});`);
    this.addSql(`alter table "security_events" drop constraint if exists "security_events_type_check";`);
    this.addSql(typeCheck(EVENT_TYPES_BEFORE));
    this.addSql(`alter table "sessions" drop column "auth_time", drop column "amr";`);
    this.addSql(`drop table if exists "mfa_tickets" cascade;`);
    this.addSql(`drop table if exists "mfa_recovery_codes" cascade;`);
    this.addSql(`drop table if exists "mfa_totp_factors" cascade;`);
  }
}
