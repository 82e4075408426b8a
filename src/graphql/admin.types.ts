import { Field, ObjectType } from 'type-graphql';
import type { UserPage } from '../admin/admin.service';
import { User } from '../users/user.entity';
import type { ViewerUser } from '../viewer/viewer';
import { PageInfo } from './security-event.types';

@ObjectType()
export class UserEdge {
  @Field({ description: 'Pass as `after` to continue past this account.' })
  cursor!: string;

  @Field(() => User)
  node!: ViewerUser;
}

@ObjectType({ description: 'A page of accounts, oldest first.' })
export class UserConnection implements UserPage {
  @Field(() => [UserEdge])
  edges!: UserEdge[];

  @Field(() => PageInfo)
  pageInfo!: PageInfo;
}
