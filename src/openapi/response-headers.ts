import type { ApiResponseCommonMetadata } from '@nestjs/swagger';

type HeadersObject = NonNullable<ApiResponseCommonMetadata['headers']>;

/** How long to wait before sending the same request again (429 and 503 in every dialect). */
export const RETRY_AFTER_HEADERS: HeadersObject = {
  'Retry-After': {
    description: 'Seconds to wait before sending the request again, as it is',
    schema: { type: 'integer', example: 5 },
  },
};

/** The statuses every route may answer whatever it does: rate limits and an unavailable database. */
export const ALWAYS = [429, 503] as const;

/** The headers a status carries in every dialect. */
export const headersFor = (status: number): { headers?: HeadersObject } =>
  (ALWAYS as readonly number[]).includes(status) ? { headers: RETRY_AFTER_HEADERS } : {};
