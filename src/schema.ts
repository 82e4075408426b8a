import 'reflect-metadata';
import { lexicographicSortSchema, printSchema, type GraphQLSchema } from 'graphql';
import { buildSchema } from 'type-graphql';
import { AuthResolver } from './auth/auth.resolver';
import { authChecker } from './auth/current-user';
import { SecurityEventResolver } from './security/security-event.resolver';
import { SessionResolver } from './sessions/session.resolver';
import { UserResolver } from './users/user.resolver';

export const resolvers = [AuthResolver, SessionResolver, UserResolver, SecurityEventResolver] as const;

/** The schema from the resolvers. */
export function createSchema(): Promise<GraphQLSchema> {
  return buildSchema({
    resolvers,
    authChecker,
    // Values are checked by the services, which name the field in BAD_USER_INPUT.
    validate: false,
  });
}

/** The text of the committed `schema.graphql`: sorted, so it diffs cleanly. */
export function printSchemaFile(schema: GraphQLSchema): string {
  return `# Generated from the resolvers by \`npm run schema\`; do not edit.\n\n${printSchema(lexicographicSortSchema(schema))}\n`;
}
