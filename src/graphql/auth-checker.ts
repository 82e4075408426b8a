import { createParameterDecorator, type AuthChecker } from 'type-graphql';
import { UnauthenticatedError } from '../errors';
import type { Viewer } from '../viewer/viewer';
import type { RequestContext } from './context';

/** The single authChecker: `@Authorized()` means a live access token whose session is not revoked. */
export const authChecker: AuthChecker<RequestContext> = async ({ context }) => {
  if (!(await context.viewer())) throw new UnauthenticatedError();
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
