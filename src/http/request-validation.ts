import { type ArgumentMetadata, ValidationPipe, type ValidationError } from '@nestjs/common';
import type { FieldProblem } from '../connectors/domain/connector.errors';

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

/**
 * The pipe every dialect uses: unknown fields and wrong types are refused (400), nothing is
 * coerced silently. `forbidUnknownValues` also refuses a body that is not an object at all.
 */
/** Nest's ValidationPipe, refusing up front a body that is not a JSON object (an array, a string). */
class DialectValidationPipe extends ValidationPipe {
  override async transform(value: unknown, metadata: ArgumentMetadata): Promise<unknown> {
    if (
      metadata.type === 'body' &&
      (typeof value !== 'object' || value === null || Array.isArray(value))
    ) {
      throw new RequestValidationError([{ field: 'body', reason: 'must be a JSON object' }]);
    }
    return super.transform(value, metadata);
  }
}

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
