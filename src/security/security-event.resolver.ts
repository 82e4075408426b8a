import { Arg, Ctx, Field, FieldResolver, Int, ObjectType, Resolver, Root } from 'type-graphql';
import type { RequestContext } from '../context';
import { BadUserInputError, ForbiddenError } from '../errors';
import { User } from '../users/user.entity';
import { SecurityEvent } from './security-event.entity';

@ObjectType()
export class SecurityEventEdge {
  @Field({ description: 'Pass as `after` to continue past this event.' })
  cursor!: string;

  @Field(() => SecurityEvent)
  node!: SecurityEvent;
}

@ObjectType()
export class PageInfo {
  @Field()
  hasNextPage!: boolean;

  @Field(() => String, { nullable: true })
  endCursor!: string | null;
}

@ObjectType({ description: 'A page of the security timeline, newest first.' })
export class SecurityEventConnection {
  @Field(() => [SecurityEventEdge])
  edges!: SecurityEventEdge[];

  @Field(() => PageInfo)
  pageInfo!: PageInfo;
}

const MAX_PAGE = 100;

@Resolver(() => User)
export class SecurityEventResolver {
  @FieldResolver(() => SecurityEventConnection, { description: 'Your own security timeline: only the account holder can read it.' })
  async securityEvents(
    @Root() user: User,
    @Ctx() ctx: RequestContext,
    @Arg('first', () => Int, { nullable: true, defaultValue: 20 }) first: number,
    @Arg('after', () => String, { nullable: true }) after?: string | null,
  ): Promise<SecurityEventConnection> {
    const viewer = await ctx.viewer();
    if (viewer?.user.id !== user.id) throw new ForbiddenError('Only the account holder can read its security events');
    if (!Number.isInteger(first) || first < 1 || first > MAX_PAGE) throw new BadUserInputError('first', `first must be from 1 to ${MAX_PAGE}`);
    const before = after == null ? null : decodeCursor(after);
    const rows = await ctx.em.find(
      SecurityEvent,
      { user: user.id, ...(before ? { id: { $lt: before } } : {}) },
      { orderBy: { id: 'desc' }, limit: first + 1 },
    );
    const page = rows.slice(0, first);
    const edges = page.map((node) => ({ cursor: encodeCursor(node.id), node }));
    return { edges, pageInfo: { hasNextPage: rows.length > first, endCursor: edges.at(-1)?.cursor ?? null } };
  }
}

function encodeCursor(id: string): string {
  return Buffer.from(`se:${id}`).toString('base64url');
}

function decodeCursor(cursor: string): string {
  const match = /^se:(\d{1,19})$/.exec(Buffer.from(cursor, 'base64url').toString('utf8'));
  if (!match) throw new BadUserInputError('after', 'after is not a cursor from this list');
  return match[1];
}
