import { Migration } from '@mikro-orm/migrations';

export class Migration20261124141734_outbox extends Migration {
  override async up(): Promise<void> {
    this.addSql(
      `create table "mail_outbox" ("id" uuid not null, "kind" varchar(32) not null, "recipient" varchar(254) not null, "locale" varchar(8) not null, "code_sealed" bytea null, "expires_in_minutes" int null, "status" varchar(16) not null default 'pending', "attempts" int not null default 0, "next_attempt_at" timestamptz not null default now(), "claimed_by" uuid null, "last_error" text null, "created_at" timestamptz not null default now(), "settled_at" timestamptz null, constraint "mail_outbox_pkey" primary key ("id"));`,
    );
    this.addSql(`create index "mail_outbox_status_next_attempt_at_index" on "mail_outbox" ("status", "next_attempt_at");`);
  }

  override async down(): Promise<void> {
    this.addSql(`drop table if exists "mail_outbox" cascade;`);
  }
}
