import type { DialectDefinition } from '../http/dialect';
import { cocoDialect } from './coco/coco.module';
import { cohereDialect } from './cohere/cohere.module';
import { genericDialect } from './generic/generic.module';

/** Every dialect the gateway speaks. Order matters only for which one owns a path first. */
export const DIALECTS: DialectDefinition[] = [cohereDialect, genericDialect, cocoDialect];
