import { Migration } from '@mikro-orm/migrations';

/**
 * A pending registration that saw attempts with different passwords keeps none of them
 * (`registration_contested`, a nullable `password_hash`); a queued code mail carries when its
 * code dies instead of a minute count fixed when it was queued.
 */
export class Migration20261130120000_pending_registrations_and_mail_expiry extends Migration {
  override async up(): Promise<void> {
    this.addSql(`alter table "users" alter column "password_hash" drop not null;`);
    this.addSql(`alter table "users" add column "registration_contested" boolean not null default false;`);
    this.addSql(`alter table "mail_outbox" add column "expires_at" timestamptz null;`);
    this.addSql(`update "mail_outbox" set "expires_at" = "created_at" + make_interval(mins => "expires_in_minutes") where "expires_in_minutes" is not null;`);
    this.addSql(`alter table "mail_outbox" drop column "expires_in_minutes";`);
  }

  override async down(): Promise<void> {
    this.addSql(`alter table "mail_outbox" add column "expires_in_minutes" int null;`);
    this.addSql(
      `update "mail_outbox" set "expires_in_minutes" = greatest(1, ceil(extract(epoch from "expires_at" - "created_at") / 60))::int where "expires_at" is not null;`,
    );
    this.addSql(`alter table "mail_outbox" drop column "expires_at";`);
    this.addSql(`alter table "users" drop column "registration_contested";`);
    this.addSql(`update "users" set "password_hash" = '' where "password_hash" is null;`);
    this.addSql(`alter table "users" alter column "password_hash" set not null;`);
  }
}
