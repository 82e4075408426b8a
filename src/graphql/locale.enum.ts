import { registerEnumType } from 'type-graphql';
import { LOCALES, type Locale } from '../config';

/** The GraphQL `Locale` enum, one value per language in LOCALES. */
export const LocaleEnum = Object.fromEntries(LOCALES.map((locale) => [locale, locale])) as { readonly [K in Locale]: K };

registerEnumType(LocaleEnum, { name: 'Locale', description: 'Language of the mails sent to this address.' });
