import request from 'supertest';
import { type TestApp, basic, startTestApp } from './support/test-app.js';

describe('probe', () => {
  let t: TestApp;
  let admin: string;
  beforeAll(async () => {
    t = await startTestApp();
    admin = await t.adminToken();
  });
  afterAll(() => t.close());
  const show = (label: string, r: request.Response) =>
    console.log(label, r.status, JSON.stringify(r.body), r.headers['www-authenticate'] ?? '');
  it('probes', async () => {
    const a = () => ({ Authorization: `Bearer ${admin}` });
    show(
      'create',
      await request(t.http)
        .post('/admin/clients')
        .set(a())
        .send({ grant_types: ['password'] }),
    );
    show(
      'create null rotation',
      await request(t.http)
        .post('/admin/clients')
        .set(a())
        .send({ grant_types: ['password'], refresh_token_rotation: null }),
    );
    show('create null grants', await request(t.http).post('/admin/clients').set(a()).send({ grant_types: null }));
    show('create array', await request(t.http).post('/admin/clients').set(a()).send([]));
    show(
      'create str',
      await request(t.http).post('/admin/clients').set(a()).set('content-type', 'application/json').send('"x"'),
    );
    show(
      'create text',
      await request(t.http).post('/admin/clients').set(a()).set('content-type', 'text/plain').send('hello'),
    );
    const c = await request(t.http)
      .post('/admin/clients')
      .set(a())
      .send({ grant_types: ['password'], client_id: 'pc' });
    show('patch null name', await request(t.http).patch('/admin/clients/pc').set(a()).send({ client_name: null }));
    show('patch null grants', await request(t.http).patch('/admin/clients/pc').set(a()).send({ grant_types: null }));
    show('revoke null', await request(t.http).post('/admin/refresh-tokens/revoke').set(a()).send({ subject: null }));
    show('revoke none', await request(t.http).post('/admin/refresh-tokens/revoke').set(a()).send({}));
    show('week date', await request(t.http).get('/admin/refresh-tokens?issued_after=2009-W01-1').set(a()));
    show('ordinal date', await request(t.http).get('/admin/refresh-tokens?issued_after=2009-123').set(a()));
    show('audit week date', await request(t.http).get('/admin/audit-events?occurred_before=2009-W01-1').set(a()));
    show('unknown query', await request(t.http).get('/admin/refresh-tokens?foo=1').set(a()));
    show('not found route', await request(t.http).get('/admin/nope').set(a()));
    show('user null pw', await request(t.http).post('/admin/users').set(a()).send({ username: 'x', password: null }));
    const dup = await Promise.all(
      [1, 2, 3, 4].map(() =>
        request(t.http)
          .post('/admin/clients')
          .set(a())
          .send({ grant_types: ['password'], client_id: 'dup' }),
      ),
    );
    dup.forEach((r) => show('dup client', r));
    const dupu = await Promise.all(
      [1, 2, 3, 4].map(() =>
        request(t.http).post('/admin/users').set(a()).send({ username: 'dupuser', password: 'password-123' }),
      ),
    );
    dupu.forEach((r) => show('dup user', r));
    const longId = '\\'.repeat(200);
    show(
      'long',
      await request(t.http)
        .post('/admin/clients')
        .set(a())
        .send({ grant_types: ['password'], client_id: longId }),
    );
    const p1 = await request(t.http).get('/admin/clients?limit=1').set(a());
    show('p1', p1);
    show('p2', await request(t.http).get(`/admin/clients?limit=1&cursor=${p1.body.next_cursor}`).set(a()));
    show(
      'get long',
      await request(t.http)
        .get(`/admin/clients/${encodeURIComponent(longId)}`)
        .set(a()),
    );
    show('basic', await request(t.http).get('/admin/clients').set('Authorization', 'Basic abc'));
    show(
      'big',
      await request(t.http)
        .post('/admin/clients')
        .set(a())
        .send({ grant_types: ['password'], client_name: 'x'.repeat(70000) }),
    );
    void c;
    void basic;
  });
});
