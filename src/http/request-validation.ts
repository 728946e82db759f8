import { type ArgumentMetadata, ValidationPipe, type ValidationError } from '@nestjs/common';
import { Transform } from 'class-transformer';
import type { FieldProblem } from '../connectors/domain/connector.errors';
import { memoizeValidationMetadata } from './validation-metadata';

// Before the first validation: the rules of a DTO class are looked up once, not per object.
memoizeValidationMetadata();

/** The request did not pass its dialect's DTO validation. Each dialect renders it its own way. */
export class RequestValidationError extends Error {
  constructor(readonly problems: FieldProblem[]) {
    super(problems.map((p) => `${p.field}: ${p.reason}`).join('; ') || 'invalid request');
  }
}

/** class-validator's tree of errors as a flat list of `field: reason`, nested fields dotted. */
export function flattenValidationErrors(errors: ValidationError[], parent = ''): FieldProblem[] {
  const out: FieldProblem[] = [];
  for (const e of errors) {
    const field = parent ? `${parent}.${e.property}` : e.property;
    for (const [constraint, message] of Object.entries(e.constraints ?? {})) {
      if (constraint === 'whitelistValidation') {
        out.push({ field, reason: 'is not a known field' });
        continue;
      }
      // class-validator starts most messages with the property name: the field says it already.
      const reason = message.startsWith(`${e.property} `)
        ? message.slice(e.property.length + 1)
        : message;
      out.push({ field: field || 'body', reason });
    }
    if (e.children?.length) out.push(...flattenValidationErrors(e.children, field));
  }
  return out;
}

const FREE_FORM = Symbol('free-form properties');

/**
 * Marks a DTO property as a free-form JSON object (Coco `config`, generic `data`): the validation
 * pipe checks that it is an object and hands it over exactly as parsed. class-transformer would
 * otherwise walk it, costing time quadratic in its size and silently dropping keys that shadow
 * Object.prototype (`constructor`, `toString`).
 */
export function FreeFormObject(): PropertyDecorator {
  return (target, property) => {
    const owner = target.constructor;
    const list =
      (Reflect.getMetadata(FREE_FORM, owner) as Array<string | symbol> | undefined) ?? [];
    Reflect.defineMetadata(FREE_FORM, [...list, property], owner);
  };
}

const isPlainObject = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);

/**
 * Nest's ValidationPipe, refusing up front a body that is not a JSON object (an array, a string),
 * and passing free-form objects through untouched (see FreeFormObject).
 */
class DialectValidationPipe extends ValidationPipe {
  override async transform(value: unknown, metadata: ArgumentMetadata): Promise<unknown> {
    if (metadata.type !== 'body') return super.transform(value, metadata);
    if (!isPlainObject(value)) {
      throw new RequestValidationError([{ field: 'body', reason: 'must be a JSON object' }]);
    }
    const freeForm =
      (metadata.metatype &&
        (Reflect.getMetadata(FREE_FORM, metadata.metatype) as string[] | undefined)) ||
      [];
    const held: Record<string, unknown> = {};
    const light: Record<string, unknown> = { ...value };
    for (const key of freeForm) {
      // Only well-formed objects are held back; anything else is left for the validators to refuse.
      if (isPlainObject(value[key])) {
        held[key] = value[key];
        light[key] = {};
      }
    }
    const result = (await super.transform(light, metadata)) as Record<string, unknown>;
    return Object.assign(result, held);
  }
}

/**
 * The pipe every dialect uses: unknown fields and wrong types are refused (400), nothing is
 * coerced silently.
 */
export function dialectValidationPipe(
  options: { forbidUnknownFields?: boolean } = {},
): ValidationPipe {
  return new DialectValidationPipe({
    transform: true,
    whitelist: true,
    forbidNonWhitelisted: options.forbidUnknownFields ?? true,
    forbidUnknownValues: true,
    validationError: { target: false, value: false },
    exceptionFactory: (errors) => {
      const problems = flattenValidationErrors(errors);
      return new RequestValidationError(
        problems.length ? problems : [{ field: 'body', reason: 'must be a JSON object' }],
      );
    },
  });
}

/**
 * The pipe the Cohere and generic controllers give their `@Body` and `@Query` parameters (Coco
 * keeps unknown fields: its own). Only there: a route's other parameters (the actor, the id, the
 * conditions) take no pipe, so Nest hands them over without a promise.
 */
export const DIALECT_VALIDATION = dialectValidationPipe();

/**
 * A query number as clients write it: decimal digits, optionally signed and with a fraction (the
 * old Python SDK typed `limit` as a float and sends `10.0`). Anything else (`abc`, `1e3`, `0x10`,
 * a repeated parameter) is left as it is for the validators to refuse; an empty value is absent.
 */
export const QueryNumber = (): PropertyDecorator =>
  Transform(({ value }: { value: unknown }) => {
    if (value === '') return undefined;
    return typeof value === 'string' && /^[+-]?\d+(\.\d+)?$/.test(value) ? Number(value) : value;
  });
