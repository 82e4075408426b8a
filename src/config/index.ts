export type * from './config';
export { ConfigError } from './errors';
export { DEFAULT_LOCALE, LOCALES, isLocale, matchLocale, type Locale } from './locales';
export { loadConfig, readEnvironment } from './reader';
