import { UseMiddleware, type MiddlewareInterface, type NextFn, type ResolverData } from 'type-graphql';
import { ReauthenticationRequiredError, UnauthenticatedError } from '../errors';
import type { Viewer } from '../viewer/viewer';
import type { RequestContext } from './context';

/**
 * Sudo mode: the session must have authenticated (signed in or `reauthenticate`d) within
 * REAUTH_WINDOW seconds, by its access token's `auth_time`; else REAUTHENTICATION_REQUIRED.
 * createApp hands the instance with the window to the schema's container.
 */
export class SudoGuard implements MiddlewareInterface<RequestContext> {
  constructor(private readonly windowSeconds: number) {}

  async use({ context }: ResolverData<RequestContext>, next: NextFn): Promise<unknown> {
    const viewer = await context.viewer();
    if (!viewer) throw new UnauthenticatedError();
    assertRecentAuthentication(viewer, this.windowSeconds);
    return next();
  }
}

/** REAUTHENTICATION_REQUIRED unless the viewer authenticated within `windowSeconds` (for a mutation sudo only with some arguments). */
export function assertRecentAuthentication(viewer: Viewer, windowSeconds: number): void {
  const age = Math.floor(Date.now() / 1000) - viewer.authTime;
  if (age > windowSeconds) throw new ReauthenticationRequiredError(windowSeconds);
}

/** Marks a mutation as sudo (under `@Authorized()`): it needs a recent authentication. */
export function Sudo(): MethodDecorator {
  return UseMiddleware(SudoGuard);
}
