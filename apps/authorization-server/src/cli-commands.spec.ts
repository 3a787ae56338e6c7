import { ClientRegistrationService } from './clients/client-registration.service.js';
import { type CliServices, USAGE, failureMessage, parseCommandLine, runCommand } from './cli-commands.js';
import { type TokenPath, buildTokenPath } from './token/testing/token-path.js';

describe('command line', () => {
  let t: TokenPath;
  let app: CliServices;

  beforeAll(async () => {
    t = await buildTokenPath();
    const get = (type: unknown) => (type === ClientRegistrationService ? t.clients : t.users);
    app = { get } as unknown as CliServices;
  });

  /** What `npm run cli -- create-client ...args` prints, or the message it fails with. */
  async function createClient(...args: string[]): Promise<Record<string, unknown>> {
    return (await runCommand(app, parseCommandLine(['create-client', ...args]))) as Record<string, unknown>;
  }
  const failure = (promise: Promise<unknown>) => promise.then(() => 'no failure', failureMessage);

  describe('create-client --security-event-endpoint', () => {
    it('registers the endpoint', async () => {
      const client = await createClient(
        '--grant-types',
        'client_credentials',
        '--security-event-endpoint',
        'https://app.example/events',
      );
      expect(client).toMatchObject({ security_event_endpoint: 'https://app.example/events' });
      const stored = await t.clients.findById(client.client_id as string);
      expect(stored?.security_event_endpoint).toBe('https://app.example/events');
    });

    it('refuses what the admin API refuses, with the same message', async () => {
      const refused = async (endpoint: string) => {
        const args = ['--grant-types', 'client_credentials', '--security-event-endpoint', endpoint];
        const fromCli = await failure(createClient(...args));
        const dto = { grant_types: ['client_credentials'], security_event_endpoint: endpoint };
        expect(fromCli).toBe(await failure(t.clients.create(dto)));
        return fromCli;
      };
      expect(await refused('http://app.example/events')).toBe(
        'security_event_endpoint must use https (http only on a loopback host, with SECURITY_EVENTS_ALLOW_HTTP=true)',
      );
      expect(await refused('/events')).toBe('security_event_endpoint must be an absolute https URL');
      expect(await refused('https://u:p@app.example/events')).toBe(
        'security_event_endpoint must not contain credentials',
      );
    });

    it('refuses what the admin API body validation refuses, with its message', async () => {
      const args = ['--grant-types', 'client_credentials', '--security-event-endpoint', 'https://app.example/\u0001'];
      expect(await failure(createClient(...args))).toBe('security_event_endpoint must not contain control characters');
    });

    it('is in the usage text', () => {
      expect(USAGE).toContain('[--security-event-endpoint URL]');
      expect(() => parseCommandLine(['nope'])).toThrow(USAGE);
    });
  });
});
