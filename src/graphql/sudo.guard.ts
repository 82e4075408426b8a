import { UseMiddleware, type MiddlewareInterface, type NextFn, type ResolverData } from 'type-graphql';
import { ReauthenticationRequiredError, UnauthenticatedError } from '../errors';
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
    const age = Math.floor(Date.now() / 1000) - viewer.authTime;
    if (age > this.windowSeconds) throw new ReauthenticationRequiredError(this.windowSeconds);
    return next();
  }
}

/** Marks a mutation as sudo (under `@Authorized()`): it needs a recent authentication. */
export function Sudo(): MethodDecorator {
  return UseMiddleware(SudoGuard);
}
