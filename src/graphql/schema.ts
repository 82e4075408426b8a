import 'reflect-metadata';
import { lexicographicSortSchema, printSchema, type GraphQLSchema } from 'graphql';
import { buildSchema, type ContainerType, type PubSub } from 'type-graphql';
import { AccountResolver } from './account.resolver';
import { AdminResolver } from './admin.resolver';
import { AuthResolver } from './auth.resolver';
import { authChecker } from './auth-checker';
import { FederationResolver } from './federation.resolver';
import { MfaResolver } from './mfa.resolver';
import { PasskeyResolver } from './passkey.resolver';
import { RealtimeResolver } from './realtime.resolver';
import { SessionResolver } from './session.resolver';
import { UserResolver } from './user.resolver';

export const resolvers = [
  AuthResolver,
  SessionResolver,
  UserResolver,
  MfaResolver,
  RealtimeResolver,
  AdminResolver,
  AccountResolver,
  PasskeyResolver,
  FederationResolver,
] as const;

/**
 * The schema from the resolvers. type-graphql's container hands each resolver class its
 * instance from `instances` (built by createApp, services through constructors); without
 * them the schema can be printed but not run.
 */
export function createSchema(instances: readonly object[] = []): Promise<GraphQLSchema> {
  const byClass = new Map<unknown, object>(instances.map((instance) => [instance.constructor, instance]));
  const container: ContainerType = {
    get(cls) {
      const instance = byClass.get(cls);
      if (!instance) throw new Error(`no instance of ${(cls as { name?: string }).name} in this schema's container`);
      return instance;
    },
  };
  return buildSchema({
    resolvers,
    authChecker,
    container,
    // Values are checked by the services, which name the field in BAD_USER_INPUT.
    validate: false,
    pubSub: NO_TOPICS,
  });
}

/**
 * type-graphql wants a PubSub once any subscription exists; ours name their own source
 * (`subscribe`, fed by src/realtime), so a topic-based one would be a second, unused path.
 */
const NO_TOPICS: PubSub = {
  publish() {
    throw new Error('subscriptions here read their own source; nothing publishes to topics');
  },
  subscribe() {
    throw new Error('subscriptions here read their own source; there are no topics');
  },
};

/** The text of the committed `schema.graphql`: sorted, so it diffs cleanly. */
export function printSchemaFile(schema: GraphQLSchema): string {
  return `# Generated from the resolvers by \`npm run schema\`; do not edit.\n\n${printSchema(lexicographicSortSchema(schema))}\n`;
}
