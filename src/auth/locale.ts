import { registerEnumType } from 'type-graphql';

/** Languages the mails are written in. */
export enum LocaleArg {
  en = 'en',
  ko = 'ko',
}

registerEnumType(LocaleArg, { name: 'Locale', description: 'Language of the mails sent to this address.' });
