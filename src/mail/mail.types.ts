import type { Locale } from '../config';

/** Mails that carry a code; each is dropped, never sent, once its code has expired. */
export const CODE_MAIL_KINDS = ['verification-code', 'verification-code-contested', 'password-reset-code', 'login-code', 'email-change-code'] as const;
/** Mails that tell the reader something happened. */
export const NOTICE_MAIL_KINDS = [
  'registration-attempt',
  'password-changed',
  'mfa-enabled',
  'mfa-disabled',
  'email-changed',
  'email-change-attempt',
  'account-deleted',
  'passkey-added',
  'identity-linked',
  'identity-unlinked',
] as const;
export const MAIL_KINDS = [...CODE_MAIL_KINDS, ...NOTICE_MAIL_KINDS] as const;

export type CodeMailKind = (typeof CODE_MAIL_KINDS)[number];
export type NoticeMailKind = (typeof NOTICE_MAIL_KINDS)[number];
export type MailKind = CodeMailKind | NoticeMailKind;

export function isCodeMailKind(kind: string): kind is CodeMailKind {
  return (CODE_MAIL_KINDS as readonly string[]).includes(kind);
}

/** A mail as the renderer needs it: the words come from the kind and the locale. */
export type MailMessage =
  { kind: CodeMailKind; to: string; locale: Locale; code: string; expiresInMinutes: number } | { kind: NoticeMailKind; to: string; locale: Locale };

/** A mail as it is queued: a code mail carries when its code dies. */
export type QueuedMail =
  { kind: CodeMailKind; to: string; locale: Locale; code: string; expiresAt: Date } | { kind: NoticeMailKind; to: string; locale: Locale };
