export { createGirokClient, type GirokClient, type GirokClientOptions } from './client';
export { Refresher, type SessionEndedHandler } from './refresher';
export { watchSecurityEvents, type SecurityEvent } from './security-events';
export { MemoryTokenStore, tokenPair, type TokenPair, type TokenStore } from './token-store';
export * from './generated/graphql';
