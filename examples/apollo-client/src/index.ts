export { createGirokClient, type GirokClient, type GirokClientOptions } from './client';
export { Refresher, type SessionEndedHandler } from './refresher';
export { watchSecurityEvents, type SecurityEvent } from './security-events';
export { MemoryTokenStore, refreshDue, tokenPair, type TokenPair, type TokenStore } from './token-store';
export * from './generated/graphql';
export { createBrowserClient, type BrowserClient, type BrowserClientOptions } from './browser-client';
export { COOKIE_DELIVERY, CookieSession, type AccessGrant } from './cookie-session';
export { signInWithPassword, type AskForCode, type MfaMethod } from './sign-in';
export { addPasskey, signInWithPasskey } from './passkeys';
