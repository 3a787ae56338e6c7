import { once } from 'node:events';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { JWK } from 'jose';

/** A real JWKS endpoint on 127.0.0.1 for specs: its keys can change and it counts its fetches. */
export interface JwksTestServer {
  uri: string;
  keys: JWK[];
  fetches: number;
  /** 'ok' serves the keys; 'error' answers 500; 'hang' never answers. */
  mode: 'ok' | 'error' | 'hang';
  close(): Promise<void>;
}

export async function startJwksServer(keys: JWK[]): Promise<JwksTestServer> {
  const server = createServer((_req, res) => {
    state.fetches += 1;
    if (state.mode === 'hang') return;
    res.statusCode = state.mode === 'ok' ? 200 : 500;
    res.setHeader('Content-Type', 'application/json');
    res.end(JSON.stringify(state.mode === 'ok' ? { keys: state.keys } : { error: 'unavailable' }));
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as AddressInfo;
  const state: JwksTestServer = {
    uri: `http://127.0.0.1:${port}/.well-known/jwks.json`,
    keys,
    fetches: 0,
    mode: 'ok',
    close: async () => {
      server.closeAllConnections();
      server.close();
      await once(server, 'close');
    },
  };
  return state;
}
