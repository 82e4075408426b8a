import { Field, ObjectType } from 'type-graphql';
import type { TimelinePage } from '../security/timeline';
import { SecurityEvent } from '../security/security-event.entity';

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
export class SecurityEventConnection implements TimelinePage {
  @Field(() => [SecurityEventEdge])
  edges!: SecurityEventEdge[];

  @Field(() => PageInfo)
  pageInfo!: PageInfo;
}
