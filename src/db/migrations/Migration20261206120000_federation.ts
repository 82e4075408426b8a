import { Migration } from '@mikro-orm/migrations';

/**
 * Federated sign-in: the identities an account signs in with (one account per provider
 * subject, one identity per provider and account), the flows in progress (state stored as
 * SHA-256 with its nonce and PKCE verifier, 10 minutes, single use, and the SHA-256 of the
 * cookie that binds the flow to the browser that went to the provider), and the tickets a
 * finished flow hands back to the app (SHA-256, 60 seconds, single use).
 */
export class Migration20261206120000_federation extends Migration {
  override async up(): Promise<void> {
    this.addSql(
      `create table "federated_identities" ("id" uuid not null, "user_id" uuid not null references "users" ("id") on update cascade on delete cascade, "provider" varchar(64) not null, "subject" varchar(255) not null, "email" varchar(254) null, "created_at" timestamptz not null default now(), constraint "federated_identities_pkey" primary key ("id"));`,
    );
    this.addSql(`create unique index "federated_identities_provider_subject_unique" on "federated_identities" ("provider", "subject");`);
    this.addSql(`create unique index "federated_identities_user_id_provider_unique" on "federated_identities" ("user_id", "provider");`);
    this.addSql(
      `create table "oauth_states" ("id" uuid not null, "state_hash" bytea not null, "provider" varchar(64) not null, "nonce" varchar(128) not null, "code_verifier" varchar(128) not null, "redirect_url" text not null, "link_user_id" uuid null references "users" ("id") on update cascade on delete cascade, "binding_hash" bytea null, "created_at" timestamptz not null default now(), "expires_at" timestamptz not null, "consumed_at" timestamptz null, constraint "oauth_states_pkey" primary key ("id"));`,
    );
    this.addSql(`create unique index "oauth_states_state_hash_unique" on "oauth_states" ("state_hash");`);
    this.addSql(`create index "oauth_states_expires_at_index" on "oauth_states" ("expires_at");`);
    this.addSql(
      `create table "oauth_tickets" ("id" uuid not null, "ticket_hash" bytea not null, "user_id" uuid not null references "users" ("id") on update cascade on delete cascade, "created_at" timestamptz not null default now(), "expires_at" timestamptz not null, "consumed_at" timestamptz null, constraint "oauth_tickets_pkey" primary key ("id"));`,
    );
    this.addSql(`create unique index "oauth_tickets_ticket_hash_unique" on "oauth_tickets" ("ticket_hash");`);
    this.addSql(`create index "oauth_tickets_expires_at_index" on "oauth_tickets" ("expires_at");`);
  }

  override async down(): Promise<void> {
    this.addSql(`drop table if exists "oauth_tickets" cascade;`);
    this.addSql(`drop table if exists "oauth_states" cascade;`);
    this.addSql(`drop table if exists "federated_identities" cascade;`);
  }
}
