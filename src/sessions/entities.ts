import { Session } from './session.entity';

export const sessionEntities = [Session];
