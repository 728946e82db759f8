// A real OAuth 2.0 authorization server for the e2e tests: oidc-provider (an ES module, hence its
// own process), on 127.0.0.1 and an ephemeral port. Its clients are given as JSON in
// OIDC_CLIENTS; the test user agent logs in and consents automatically, or is refused once after
// POST /_test/deny-next. Prints {"port": N} on its first line of output.
import { createServer } from 'node:http';
import Provider from 'oidc-provider';

const clients = JSON.parse(process.env.OIDC_CLIENTS ?? '[]');
/** Access token lifetime per client id (seconds). */
const accessTtl = JSON.parse(process.env.OIDC_ACCESS_TTL ?? '{}');
let denyNext = false;

const server = createServer();
server.listen(0, '127.0.0.1', () => {
  const { port } = server.address();
  const provider = new Provider(`http://127.0.0.1:${port}`, {
    clients,
    scopes: ['openid', 'offline_access', 'drive.read', 'mail.read'],
    pkce: { required: () => true },
    features: { devInteractions: { enabled: false }, revocation: { enabled: true } },
    interactions: { url: (_ctx, interaction) => `/interaction/${interaction.uid}` },
    findAccount: (_ctx, id) => ({ accountId: id, claims: () => ({ sub: id }) }),
    issueRefreshToken: (_ctx, client) => client.grantTypeAllowed('refresh_token'),
    rotateRefreshToken: true,
    ttl: {
      AccessToken: (_ctx, _token, client) => accessTtl[client.clientId] ?? 3600,
      AuthorizationCode: 60,
      Interaction: 600,
      Session: 3600,
      Grant: 3600,
      RefreshToken: 3600,
    },
    cookies: { keys: ['oidc-test-cookie-key-0123456789'] },
  });
  provider.on('server_error', (_ctx, err) => console.error('oidc server_error', err));
  const callback = provider.callback();

  server.on('request', async (req, res) => {
    try {
      if (req.url === '/_test/deny-next' && req.method === 'POST') {
        denyNext = true;
        res.writeHead(204).end();
        return;
      }
      if (req.url?.startsWith('/interaction/')) {
        const details = await provider.interactionDetails(req, res);
        if (denyNext) {
          denyNext = false;
          await provider.interactionFinished(
            req,
            res,
            { error: 'access_denied', error_description: 'the user said no' },
            { mergeWithLastSubmission: false },
          );
          return;
        }
        if (details.prompt.name === 'login') {
          await provider.interactionFinished(
            req,
            res,
            { login: { accountId: 'test-user' } },
            { mergeWithLastSubmission: false },
          );
          return;
        }
        const grant = details.grantId
          ? await provider.Grant.find(details.grantId)
          : new provider.Grant({
              accountId: details.session.accountId,
              clientId: details.params.client_id,
            });
        const missing = details.prompt.details;
        if (missing.missingOIDCScope) grant.addOIDCScope(missing.missingOIDCScope.join(' '));
        if (missing.missingOIDCClaims) grant.addOIDCClaims(missing.missingOIDCClaims);
        for (const [indicator, scopes] of Object.entries(missing.missingResourceScopes ?? {})) {
          grant.addResourceScope(indicator, scopes.join(' '));
        }
        const grantId = await grant.save();
        await provider.interactionFinished(
          req,
          res,
          { consent: { grantId } },
          { mergeWithLastSubmission: true },
        );
        return;
      }
      callback(req, res);
    } catch (err) {
      console.error('oidc test server', err);
      if (!res.headersSent) res.writeHead(500).end();
    }
  });
  process.stdout.write(`${JSON.stringify({ port })}\n`);
});
process.on('SIGTERM', () => server.close(() => process.exit(0)));
