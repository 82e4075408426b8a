import type { Locale } from '../config';

/** Every mail the product sends, one variant per kind; rendering needs nothing else. */
export type MailMessage =
  | { kind: 'verification-code'; to: string; locale: Locale; code: string; expiresInMinutes: number }
  | { kind: 'password-reset-code'; to: string; locale: Locale; code: string; expiresInMinutes: number }
  | { kind: 'registration-attempt'; to: string; locale: Locale }
  | { kind: 'password-changed'; to: string; locale: Locale };

export type MailKind = MailMessage['kind'];
