import { RefreshToken } from './refresh-token.entity';
import { Session } from './session.entity';

export const sessionEntities = [Session, RefreshToken];
