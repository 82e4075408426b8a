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
const EVENT_TYPES = [...EVENT_TYPES_BEFORE, 'passkey_added', 'passkey_used', 'passkey_removed', 'identity_linked', 'identity_unlinked'];

function inList(column: string, values: string[]): string {
  return `"${column}" in (${values.map((v) => `'${v}'`).join(', ')})`;
}

/**
 * The event types of passkeys and federated identities, ahead of both migrations that bring
 * their tables, so either can land first.
 */
export class Migration20261206100000_sign_in_methods extends Migration {
  override async up(): Promise<void> {
    this.addSql(`alter table "security_events" drop constraint if exists "security_events_type_check";`);
    this.addSql(`alter table "security_events" add constraint "security_events_type_check" check (${inList('type', EVENT_TYPES)});`);
  }

  override async down(): Promise<void> {
    this.addSql(`alter table "security_events" drop constraint if exists "security_events_type_check";`);
    this.addSql(`alter table "security_events" add constraint "security_events_type_check" check (${inList('type', EVENT_TYPES_BEFORE)});`);
  }
}
