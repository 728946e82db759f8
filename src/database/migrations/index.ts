import { InitialSchema1795317055146 } from './1795317055146-InitialSchema';

/** Every migration, in order. Committed; run at start under an advisory lock and by the CLI. */
export const MIGRATIONS = [InitialSchema1795317055146];
