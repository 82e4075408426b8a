import { createParameterDecorator, type AuthChecker } from 'type-graphql';
import { ForbiddenError, UnauthenticatedError } from '../errors';
import type { Viewer } from '../viewer/viewer';
import type { RequestContext } from './context';

/**
 * The single authChecker: `@Authorized()` means a live access token whose session is not
 * revoked; `@Authorized('admin')` also needs that role on the account as the database holds it
 * now (loaded with the viewer), so a revoked role holds at the next request whatever the
 * token's `roles` claim says.
 */
export const authChecker: AuthChecker<RequestContext> = async ({ context }, roles) => {
  const viewer = await context.viewer();
  if (!viewer) throw new UnauthenticatedError();
  if (roles.length > 0 && !roles.some((role) => viewer.user.roles.includes(role))) throw new ForbiddenError(`This needs the ${roles.join(' or ')} role`);
  return true;
};

/** Injects the viewer of an `@Authorized()` resolver. */
export function CurrentViewer() {
  return createParameterDecorator<RequestContext>(async ({ context }): Promise<Viewer> => {
    const viewer = await context.viewer();
    if (!viewer) throw new UnauthenticatedError();
    return viewer;
  });
}
