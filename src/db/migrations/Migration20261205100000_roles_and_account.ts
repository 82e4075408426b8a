import { Migration } from '@mikro-orm/migrations';

// Every event type known when this runs, the second factor's included (its migration sorts
// before this one), so whichever order the branches merge in, the check accepts them all.
const EVENT_TYPES = [
  'registered',
  'email_verified',
  'login_succeeded',
  'login_failed',
  'refresh_reuse_detected',
  'session_revoked',
  'password_changed',
  'password_reset',
  'code_locked_out',
  'mfa_enabled',
  'mfa_disabled',
  'recovery_code_used',
  'recovery_codes_regenerated',
  'mfa_failed',
  'reauthenticated',
  'email_changed',
  'roles_changed_by_admin',
  'disabled_by_admin',
  'enabled_by_admin',
];
const EVENT_TYPES_BEFORE = EVENT_TYPES.slice(0, 9);
const CODE_PURPOSES = ['email_verification', 'password_reset', 'login', 'email_change'];

function inList(column: string, values: string[]): string {
  return `"${column}" in (${values.map((v) => `'${v}'`).join(', ')})`;
}

/**
 * Roles and administration, passwordless login and email change: `users.roles` (the closed
 * list is ROLES), `users.disabled`, the address an email change waits to confirm, two more
 * code purposes and the event types of admin actions and email changes.
 */
export class Migration20261205100000_roles_and_account extends Migration {
  override async up(): Promise<void> {
    this.addSql(
      `alter table "users" add column "roles" text[] not null default '{}', add column "disabled" boolean not null default false, add column "pending_email" varchar(254) null;`,
    );
    // The admin list pages by creation time.
    this.addSql(`create index "users_created_at_id_index" on "users" ("created_at", "id");`);
    this.addSql(`alter table "codes" drop constraint if exists "codes_purpose_check";`);
    this.addSql(`alter table "codes" add constraint "codes_purpose_check" check (${inList('purpose', CODE_PURPOSES)});`);
    this.addSql(`alter table "security_events" drop constraint if exists "security_events_type_check";`);
    this.addSql(`alter table "security_events" add constraint "security_events_type_check" check (${inList('type', EVENT_TYPES)});`);
  }

  override async down(): Promise<void> {
    this.addSql(`delete from "security_events" where not (${inList('type', EVENT_TYPES_BEFORE)});`);
    this.addSql(`alter table "security_events" drop constraint if exists "security_events_type_check";`);
    this.addSql(`alter table "security_events" add constraint "security_events_type_check" check (${inList('type', EVENT_TYPES_BEFORE)});`);
    this.addSql(`delete from "codes" where "purpose" in ('login', 'email_change');`);
    this.addSql(`alter table "codes" drop constraint if exists "codes_purpose_check";`);
    this.addSql(`alter table "codes" add constraint "codes_purpose_check" check (${inList('purpose', CODE_PURPOSES.slice(0, 2))});`);
    this.addSql(`drop index if exists "users_created_at_id_index";`);
    this.addSql(`alter table "users" drop column "roles", drop column "disabled", drop column "pending_email";`);
  }
}
