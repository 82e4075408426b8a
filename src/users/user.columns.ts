import type { ViewerUser } from '../viewer/viewer';
import type { Locale } from '../config';

/**
 * The one list of user columns that raw SQL reads (the viewer lookup, rotation), with its
 * mapping to the read model. `u` is the alias of `users` in those queries.
 */
export const USER_COLUMNS = 'u.id, u.email, u.email_verified, u.password_hash is not null as has_password, u.locale, u.roles, u.disabled, u.created_at';

/** A row holding USER_COLUMNS. */
export interface UserRow {
  id: string;
  email: string;
  email_verified: boolean;
  has_password: boolean;
  locale: Locale;
  roles: string[];
  disabled: boolean;
  /** A Date, or the text MikroORM's driver settings make pg return for timestamptz. */
  created_at: Date | string;
}

export function toViewerUser(row: UserRow): ViewerUser {
  return {
    id: row.id,
    email: row.email,
    emailVerified: row.email_verified,
    hasPassword: row.has_password,
    locale: row.locale,
    roles: row.roles,
    disabled: row.disabled,
    createdAt: new Date(row.created_at),
  };
}

/** The read model of a loaded account; its password hash must have been loaded too. */
export function viewerUserOf(user: {
  id: string;
  email: string;
  emailVerified: boolean;
  passwordHash?: string | null;
  locale: Locale;
  roles: string[];
  disabled: boolean;
  createdAt: Date;
}): ViewerUser {
  return {
    id: user.id,
    email: user.email,
    emailVerified: user.emailVerified,
    hasPassword: user.passwordHash != null,
    locale: user.locale,
    roles: user.roles,
    disabled: user.disabled,
    createdAt: user.createdAt,
  };
}
