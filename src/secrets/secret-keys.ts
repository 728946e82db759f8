/** The name rule now lives with the value rule in secret-rule.ts (one place for the whole rule). */
export { isSecretKey } from './secret-rule';
