import { GraphQLError, Kind, OperationTypeNode, type SelectionSetNode, type ValidationContext, type ValidationRule } from 'graphql';
import { AUTH_MUTATIONS } from './rate-limit.policy';

/**
 * One request, one attempt: a mutation holding more than one auth field (aliased `login`s,
 * `login` beside `verifyEmail`, …) is refused before any resolver runs, so a single HTTP
 * request cannot carry a batch of guesses.
 */
export const oneAuthMutationRule: ValidationRule = (context) => ({
  OperationDefinition(node) {
    if (node.operation !== OperationTypeNode.MUTATION) return false;
    const count = countAuthFields(node.selectionSet, context, new Set());
    if (count > 1) {
      context.reportError(
        new GraphQLError(`A request may hold one sign-in mutation; this one holds ${count}`, {
          nodes: node,
          extensions: { code: 'BAD_USER_INPUT', reason: 'ONE_AUTH_MUTATION' },
        }),
      );
    }
    return false;
  },
  FragmentDefinition: () => false,
});

function countAuthFields(selectionSet: SelectionSetNode, context: ValidationContext, seen: Set<string>): number {
  let count = 0;
  for (const selection of selectionSet.selections) {
    if (selection.kind === Kind.FIELD) {
      if (AUTH_MUTATIONS.has(selection.name.value)) count++;
    } else if (selection.kind === Kind.INLINE_FRAGMENT) {
      count += countAuthFields(selection.selectionSet, context, seen);
    } else {
      const name = selection.name.value;
      const fragment = context.getFragment(name);
      // A cycle or an unknown fragment is reported by graphql-js's own rules.
      if (!fragment || seen.has(name)) continue;
      seen.add(name);
      count += countAuthFields(fragment.selectionSet, context, seen);
    }
  }
  return count;
}
