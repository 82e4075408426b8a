import { Migration } from '@mikro-orm/migrations';

/**
 * Refresh tokens become a counter on their session (no row per refresh): the session keeps the
 * current counter and what the grace window needs. Tokens of the old format cannot be read, so
 * the sessions that held them end here; their people sign in again. Plus the indexes the
 * periodic purge of ended rows reads.
 */
export class Migration20261130140000_refresh_counters extends Migration {
  override async up(): Promise<void> {
    this.addSql(`drop table if exists "refresh_tokens" cascade;`);
    this.addSql(`delete from "sessions";`);
    this.addSql(`alter table "sessions" add column "refresh_counter" bigint not null default 0;`);
    this.addSql(`alter table "sessions" add column "previous_counter" bigint null;`);
    this.addSql(`alter table "sessions" add column "previous_until" timestamptz null;`);
    this.addSql(`alter table "sessions" add column "previous_replaced" boolean not null default false;`);
    // What the periodic purge looks for, without scanning the tables.
    this.addSql(`create index "sessions_ended_at_index" on "sessions" ((coalesce("revoked_at", "expires_at")));`);
    this.addSql(`create index "users_unverified_created_at_index" on "users" ("created_at") where not "email_verified";`);
    this.addSql(`create index "security_events_created_at_index" on "security_events" ("created_at");`);
    this.addSql(`create index "mail_outbox_settled_at_index" on "mail_outbox" ("settled_at") where "status" <> 'pending';`);
  }

  override async down(): Promise<void> {
    this.addSql(
      `drop index "sessions_ended_at_index", "users_unverified_created_at_index", "security_events_created_at_index", "mail_outbox_settled_at_index";`,
    );
    this.addSql(`delete from "sessions";`);
    this.addSql(
      `alter table "sessions" drop column "previous_replaced", drop column "previous_until", drop column "previous_counter", drop column "refresh_counter";`,
    );
    this.addSql(
      `create table "refresh_tokens" ("id" uuid not null, "session_id" uuid not null references "sessions" ("id") on update cascade on delete cascade, "token_hash" bytea not null unique, "created_at" timestamptz not null default now(), "expires_at" timestamptz not null, "used_at" timestamptz null, "successor_sealed" bytea null, constraint "refresh_tokens_pkey" primary key ("id"));`,
    );
    this.addSql(`create index "refresh_tokens_session_id_index" on "refresh_tokens" ("session_id");`);
  }
}
