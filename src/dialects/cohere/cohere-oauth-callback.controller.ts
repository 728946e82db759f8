import { Controller, Get, Query, Req, Res, UseFilters } from '@nestjs/common';
import { ApiExcludeEndpoint } from '@nestjs/swagger';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { type CallbackOutcome, OAuthService } from '../../oauth/oauth.service';
import { CohereExceptionFilter } from './cohere-exception.filter';
import { requestContextOf } from '../../audit/request-context';

const ESCAPES: Record<string, string> = {
  '&': '&amp;',
  '<': '&lt;',
  '>': '&gt;',
  '"': '&quot;',
  "'": '&#39;',
};
const escapeHtml = (text: string) => text.replace(/[&<>"']/g, (c) => ESCAPES[c] ?? c);

function page(title: string, message: string): string {
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>${escapeHtml(title)}</title></head>
<body><h1>${escapeHtml(title)}</h1><p>${escapeHtml(message)}</p><p>You can close this window.</p></body></html>
`;
}

/** One value of a query parameter; repeated or non-string values count as absent. */
function single(query: Record<string, unknown>, name: string): string | undefined {
  const v = query[name];
  return typeof v === 'string' ? v : undefined;
}

/**
 * The OAuth callback (RFC 6749 §4.1.2), where the authorization server sends the user's browser:
 * no API key (the flow's state names the key that started it). It answers a browser, so with a
 * redirect to `after_token_redirect` or a small HTML page, never JSON. Nothing it answers carries
 * the code, a token or the state.
 */
@Controller(['v1/connectors/oauth', 'cohere/v1/connectors/oauth'])
@UseFilters(CohereExceptionFilter)
export class CohereOAuthCallbackController {
  constructor(private readonly oauth: OAuthService) {}

  @Get('token')
  @ApiExcludeEndpoint()
  async callback(
    @Query() query: Record<string, unknown>,
    @Req() request: FastifyRequest,
    @Res() reply: FastifyReply,
  ): Promise<void> {
    const outcome = await this.oauth.complete(
      {
        state: single(query, 'state'),
        code: single(query, 'code'),
        error: single(query, 'error'),
      },
      // For the audit entry of the grant: this request, acting for the key that started the flow.
      requestContextOf(request),
    );
    void reply
      .header('cache-control', 'no-store')
      .header('referrer-policy', 'no-referrer')
      .header('x-content-type-options', 'nosniff');
    respond(reply, outcome);
  }
}

function respond(reply: FastifyReply, outcome: CallbackOutcome): void {
  const html = (status: number, body: string) =>
    void reply.status(status).type('text/html; charset=utf-8').send(body);
  switch (outcome.kind) {
    case 'invalid_state':
      return html(
        400,
        page(
          'Authorization failed',
          'This authorization link is invalid, has expired or was already used. Start the authorization again.',
        ),
      );
    case 'connected':
      if (outcome.afterTokenRedirect) {
        return redirect(reply, outcome.afterTokenRedirect, {
          status: 'success',
          connector_id: outcome.connectorId,
        });
      }
      return html(200, page('Connected', `The connector ${outcome.connectorId} is connected.`));
    case 'failed':
      if (outcome.afterTokenRedirect) {
        return redirect(reply, outcome.afterTokenRedirect, {
          status: 'error',
          connector_id: outcome.connectorId,
          error: outcome.error,
        });
      }
      return html(
        400,
        page(
          'Authorization failed',
          `The connector ${outcome.connectorId} could not be connected: ${outcome.error}.`,
        ),
      );
  }
}

function redirect(reply: FastifyReply, target: string, add: Record<string, string>): void {
  const url = new URL(target);
  for (const [k, v] of Object.entries(add)) url.searchParams.set(k, v);
  void reply.status(302).header('location', url.toString()).send();
}
