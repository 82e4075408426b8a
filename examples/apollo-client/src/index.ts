export { createGirokClient, type GirokClient, type GirokClientOptions } from './client';
export { Refresher, type SessionEndedHandler } from './refresher';
export { MemoryTokenStore, tokenPair, type TokenPair, type TokenStore } from './token-store';
export * from './generated/graphql';
export { signInWithPassword, type AskForCode, type MfaMethod } from './sign-in';
