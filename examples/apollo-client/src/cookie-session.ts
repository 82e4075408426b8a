import { print } from 'graphql';
import { CookieLogoutDocument, CookieRefreshDocument, type CookieRefreshMutation, type TokenFieldsFragment } from './generated/graphql';
import { refreshDue } from './token-store';
import type { SessionEndedHandler } from './refresher';

/** The header that asks Girok to keep the refresh token in its HttpOnly cookie (browser mode). */
export const COOKIE_DELIVERY: Readonly<Record<string, string>> = { 'x-token-delivery': 'cookie' };

/** What a browser tab holds, in memory only: the access token and whose it is. The refresh token is in the cookie. */
export interface AccessGrant {
  accessToken: string;
  /** Epoch milliseconds after which the access token is refreshed before a request is sent. */
  refreshAt: number;
  user: { id: string; email: string };
}

const LOCK_NAME = 'girok-refresh';
const CHANNEL_NAME = 'girok-session';

// The two browser APIs used, typed here so the module also type-checks (and runs) outside a browser.
interface Channel {
  postMessage(message: AccessGrant): void;
  addEventListener(type: 'message', listener: (event: { data: AccessGrant }) => void): void;
}
interface LockManager {
  request<T>(name: string, callback: () => Promise<T>): Promise<T>;
}
const web = globalThis as unknown as { BroadcastChannel?: new (name: string) => Channel; navigator?: { locks?: LockManager } };

/**
 * A browser session in cookie mode. The access token lives in this tab's memory; the refresh
 * token lives in an HttpOnly cookie that script cannot read, so an XSS bug cannot carry the
 * session away. Tabs share the cookie, so a refresh takes a Web Lock (one tab at a time) and
 * tells the other tabs the new access token over a BroadcastChannel; a tab that was waiting and
 * has heard of a fresh token uses it instead of refreshing again. (Two tabs that do refresh at
 * once are still safe: the server's grace window gives both the same successor.)
 */
export class CookieSession {
  private grant: AccessGrant | null = null;
  private inFlight: Promise<AccessGrant | null> | null = null;
  private readonly channel: Channel | null;

  constructor(
    private readonly uri: string,
    private readonly fetchImpl: typeof fetch = (input, init) => fetch(input, init),
    private readonly onSessionEnded: SessionEndedHandler = () => {},
  ) {
    this.channel = web.BroadcastChannel ? new web.BroadcastChannel(CHANNEL_NAME) : null;
    this.channel?.addEventListener('message', (event) => {
      this.grant = event.data;
    });
  }

  /** The grant this tab holds, or null when signed out. */
  get current(): AccessGrant | null {
    return this.grant;
  }

  /** Takes the answer of a sign-in (login, verifyEmail; sent with COOKIE_DELIVERY): the cookie is already set. */
  signedIn(token: TokenFieldsFragment, now = Date.now()): AccessGrant {
    this.grant = { accessToken: token.accessToken, refreshAt: refreshDue(token.expiresIn, now), user: token.user };
    return this.grant;
  }

  /** After a reload: a silent refresh through the cookie. The grant, or null when there is no live session. */
  resume(): Promise<AccessGrant | null> {
    return this.refresh();
  }

  /** An access token to send: the one held, refreshed first when it is due; null when signed out. */
  async accessToken(now = Date.now()): Promise<string | null> {
    const grant = this.grant;
    if (!grant) return null;
    if (now < grant.refreshAt) return grant.accessToken;
    return (await this.refresh())?.accessToken ?? null;
  }

  /** A new access token through the cookie; one request per tab at a time, one tab at a time. */
  refresh(): Promise<AccessGrant | null> {
    this.inFlight ??= this.refreshAcrossTabs().finally(() => {
      this.inFlight = null;
    });
    return this.inFlight;
  }

  /** Ends the session on the server; the server clears the cookie. */
  async logout(): Promise<void> {
    this.grant = null;
    await this.post('CookieLogout', print(CookieLogoutDocument));
  }

  private async refreshAcrossTabs(): Promise<AccessGrant | null> {
    const before = this.grant;
    const run = async (): Promise<AccessGrant | null> => {
      const heard = this.grant;
      if (heard && heard !== before && Date.now() < heard.refreshAt) return heard;
      return this.exchange();
    };
    const locks = web.navigator?.locks;
    return locks ? locks.request(LOCK_NAME, run) : run();
  }

  private async exchange(): Promise<AccessGrant | null> {
    const body = (await this.post('CookieRefresh', print(CookieRefreshDocument))) as {
      data?: CookieRefreshMutation | null;
      errors?: { extensions?: { code?: string } }[];
    };
    if (body.data?.refreshToken) {
      const grant = this.signedIn(body.data.refreshToken);
      this.channel?.postMessage(grant);
      return grant;
    }
    const code = body.errors?.[0]?.extensions?.code ?? 'UNAUTHENTICATED';
    // A rate limit or a server fault is not the end of the session: keep the grant, fail this call.
    if (code === 'RATE_LIMITED' || code === 'INTERNAL_SERVER_ERROR') throw new Error(`refresh failed: ${code}`);
    const hadSession = this.grant !== null;
    this.grant = null;
    if (hadSession) this.onSessionEnded(code);
    return null;
  }

  // Outside the Apollo link chain, so a refresh never waits on a refresh.
  private async post(operationName: string, query: string): Promise<unknown> {
    const response = await this.fetchImpl(this.uri, {
      method: 'POST',
      credentials: 'include',
      headers: { 'content-type': 'application/json', ...COOKIE_DELIVERY },
      body: JSON.stringify({ operationName, query }),
    });
    return response.json();
  }
}
