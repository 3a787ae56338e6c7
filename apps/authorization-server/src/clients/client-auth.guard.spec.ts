import { jest } from '@jest/globals';
import type { ExecutionContext } from '@nestjs/common';
import type { Request } from 'express';
import { InvalidClientError, InvalidRequestError } from '#oauth';
import type { ClientEntity } from '#persistence';
import { type RegisteredClient, type TokenPath, buildTokenPath, refusalOf } from '../token/testing/token-path.js';
import { ClientAuthGuard } from './client-auth.guard.js';

const CHALLENGE = 'Basic realm="oauth", charset="UTF-8"';
const FAILED = 'client authentication failed';

type TestRequest = { headers: Record<string, string>; body: Record<string, string>; client?: ClientEntity };

const basic = (id: string, secret: string) =>
  'Basic ' + Buffer.from(`${encodeURIComponent(id)}:${encodeURIComponent(secret)}`).toString('base64');

describe(ClientAuthGuard.name, () => {
  let t: TokenPath;
  let basicClient: RegisteredClient;
  let postClient: RegisteredClient;
  let publicClient: RegisteredClient;

  beforeEach(async () => {
    t = await buildTokenPath();
    basicClient = await t.registerClient({ grant_types: ['client_credentials'] });
    postClient = await t.registerClient({
      grant_types: ['client_credentials'],
      token_endpoint_auth_method: 'client_secret_post',
    });
    publicClient = await t.registerClient({
      grant_types: ['authorization_code', 'refresh_token'],
      redirect_uris: ['https://app.test/callback'],
      token_endpoint_auth_method: 'none',
    });
  });
  afterEach(() => jest.restoreAllMocks());

  /** Runs the guard on a request; answers the request, with the authenticated client on it. */
  async function authenticate(headers: Record<string, string>, body: Record<string, string> = {}) {
    const req: TestRequest = { headers, body: { grant_type: 'client_credentials', ...body } };
    const context = { switchToHttp: () => ({ getRequest: () => req as unknown as Request }) } as ExecutionContext;
    await t.clientAuth.canActivate(context);
    return req;
  }

  async function invalidClient(work: Promise<unknown>, description = FAILED): Promise<InvalidClientError> {
    const error = await refusalOf(work);
    expect(error).toBeInstanceOf(InvalidClientError);
    expect((error as InvalidClientError).status).toBe(401);
    expect((error as InvalidClientError).description).toBe(description);
    return error as InvalidClientError;
  }

  describe('HTTP Basic (client_secret_basic)', () => {
    it('authenticates the client with its secret', async () => {
      const req = await authenticate({ authorization: basic(basicClient.client.client_id, basicClient.secret!) });
      expect(req.client!.client_id).toBe(basicClient.client.client_id);
    });

    it('refuses a wrong secret: 401 invalid_client with the Basic challenge', async () => {
      const error = await invalidClient(authenticate({ authorization: basic(basicClient.client.client_id, 'wrong') }));
      expect(error.headers['WWW-Authenticate']).toBe(CHALLENGE);
    });

    it('refuses a malformed header (not base64, no colon, empty secret) with the challenge', async () => {
      for (const header of ['Basic !!!', `Basic ${Buffer.from('no-colon').toString('base64')}`, basic('id', '')]) {
        const error = await invalidClient(authenticate({ authorization: header }), 'malformed HTTP Basic credentials');
        expect(error.headers['WWW-Authenticate']).toBe(CHALLENGE);
      }
    });

    it('refuses another scheme', async () => {
      await invalidClient(authenticate({ authorization: 'Bearer abc' }), 'unsupported client authentication scheme');
    });

    it('refuses the secret of a client_secret_post client: a client uses the method it registered', async () => {
      await invalidClient(authenticate({ authorization: basic(postClient.client.client_id, postClient.secret!) }));
    });
  });

  describe('form parameters (client_secret_post)', () => {
    it('authenticates the client with client_id and client_secret', async () => {
      const req = await authenticate({}, { client_id: postClient.client.client_id, client_secret: postClient.secret! });
      expect(req.client!.client_id).toBe(postClient.client.client_id);
    });

    it('refuses a wrong secret: 401 invalid_client without a Basic challenge', async () => {
      const error = await invalidClient(
        authenticate({}, { client_id: postClient.client.client_id, client_secret: 'wrong' }),
      );
      expect(error.headers).not.toHaveProperty('WWW-Authenticate');
    });

    it('refuses the secret of a client_secret_basic client sent in the form', async () => {
      await invalidClient(
        authenticate({}, { client_id: basicClient.client.client_id, client_secret: basicClient.secret! }),
      );
    });
  });

  it('refuses two methods at once (Basic and client_secret in the form): invalid_request', async () => {
    const error = await refusalOf(
      authenticate(
        { authorization: basic(basicClient.client.client_id, basicClient.secret!) },
        { client_secret: basicClient.secret! },
      ),
    );
    expect(error).toBeInstanceOf(InvalidRequestError);
    expect((error as InvalidRequestError).description).toBe('the client used more than one authentication method');
  });

  describe('public clients (none)', () => {
    it('are identified by client_id alone', async () => {
      const req = await authenticate({}, { client_id: publicClient.client.client_id });
      expect(req.client!.client_id).toBe(publicClient.client.client_id);
    });

    it('may never present a secret', async () => {
      await invalidClient(authenticate({}, { client_id: publicClient.client.client_id, client_secret: 'anything' }));
    });

    it('a confidential client cannot pass as one by sending client_id alone', async () => {
      await invalidClient(authenticate({}, { client_id: basicClient.client.client_id }));
    });
  });

  it('refuses a request without client authentication', async () => {
    const error = await invalidClient(authenticate({}), 'client authentication is required');
    expect(error.headers).not.toHaveProperty('WWW-Authenticate');
  });

  it('refuses an unknown client like a wrong secret, and counts no failure for it', async () => {
    await invalidClient(authenticate({ authorization: basic('no-such-client', 'secret') }));
    expect(t.repos.auditEvents.events).toEqual([]);
  });

  it('does not look up a client_id holding a control character', async () => {
    const lookup = jest.spyOn(t.repos.clients, 'findWithSecretHash');
    await invalidClient(authenticate({}, { client_id: 'client\u0000', client_secret: 'secret' }));
    expect(lookup).not.toHaveBeenCalled();
  });

  it("reads today's secret: after a rotation the old secret is refused and the new one accepted", async () => {
    const { client_id } = basicClient.client;
    const secret = await t.clients.rotateSecret(client_id);

    await invalidClient(authenticate({ authorization: basic(client_id, basicClient.secret!) }));
    await expect(authenticate({ authorization: basic(client_id, secret) })).resolves.toHaveProperty('client');
  });

  it('refuses a deleted client', async () => {
    const { client_id } = basicClient.client;
    await authenticate({ authorization: basic(client_id, basicClient.secret!) });
    await t.clients.delete(client_id);

    await invalidClient(authenticate({ authorization: basic(client_id, basicClient.secret!) }));
  });

  it('records one audit event when a registered client fails five times within a minute', async () => {
    const { client_id } = basicClient.client;
    for (let i = 0; i < 6; i += 1) await invalidClient(authenticate({ authorization: basic(client_id, 'wrong') }));

    expect(t.repos.auditEvents.events).toEqual([
      expect.objectContaining({ action: 'client.authentication_failures', target_id: client_id, actor: 'system' }),
    ]);
  });
});
