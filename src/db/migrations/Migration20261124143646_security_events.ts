import { Migration } from '@mikro-orm/migrations';

export class Migration20261124143646_security_events extends Migration {
  override async up(): Promise<void> {
    this.addSql(
      `create table "security_events" ("id" bigserial primary key, "user_id" uuid not null, "type" text check ("type" in ('registered', 'email_verified', 'login_succeeded', 'login_failed', 'refresh_reuse_detected', 'session_revoked', 'password_changed', 'password_reset', 'code_locked_out')) not null, "created_at" timestamptz not null default now(), "ip" varchar(64) null, "user_agent" varchar(512) null, "session_id" uuid null);`,
    );
    this.addSql(`create index "security_events_user_id_id_index" on "security_events" ("user_id", "id");`);

    this.addSql(
      `alter table "security_events" add constraint "security_events_user_id_foreign" foreign key ("user_id") references "users" ("id") on update cascade on delete cascade;`,
    );
  }

  override async down(): Promise<void> {
    this.addSql(`drop table if exists "security_events" cascade;`);
  }
}
