import { SignJWT } from 'jose';
import { io as ioClient } from 'socket.io-client';
import { expect, it } from 'vitest';
import { api } from '../../harness/clients.ts';
import { startNode } from '../../harness/node.ts';
import { useTeardown } from '../../harness/teardown.ts';

const t = useTeardown();

it('a node refuses tokens without exp or longer-lived than TOKEN_MAX_LIFETIME_S on REST and sockets, and its dev signer will not mint them', async () => {
  const node = t.add(await startNode({ TOKEN_MAX_LIFETIME_S: '3600' }));
  const key = new TextEncoder().encode(node.node.ctx.config.JWT_SECRET);
  const now = Math.floor(Date.now() / 1000);
  const claims = { name: 'Ann', role: 'viewer' };
  const forever = await new SignJWT(claims).setProtectedHeader({ alg: 'HS256' }).setSubject('u1').setIssuedAt().sign(key);
  const tooLong = await new SignJWT(claims)
    .setProtectedHeader({ alg: 'HS256' })
    .setSubject('u1')
    .setIssuedAt()
    .setExpirationTime(now + 7200)
    .sign(key);

  for (const [what, token, rule] of [
    ['no exp', forever, /no exp claim/],
    ['two hours', tooLong, /longer than TOKEN_MAX_LIFETIME_S=3600 s/],
  ] as const) {
    const rest = await api<{ error: { code: string; message: string } }>(node.url, 'GET', '/api/rooms', token);
    expect([what, rest.status, rest.body.error.code]).toEqual([what, 401, 'UNAUTHENTICATED']);
    expect(rest.body.error.message).toMatch(rule);

    const socket = t.add(ioClient(node.url, { auth: { token }, transports: ['websocket'], reconnection: false, forceNew: true }));
    const refused = await new Promise<{ data?: { code: string; message: string } }>((resolve, reject) => {
      socket.once('connect', () => reject(new Error(`${what}: the socket connected`)));
      socket.once('connect_error', (err) => resolve(err as never));
    });
    expect([what, refused.data?.code]).toEqual([what, 'UNAUTHENTICATED']);
    expect(refused.data?.message).toMatch(rule);
  }

  // The dev signer: above the setting is refused (400 naming it); at it or by default, a token this node accepts.
  const body = { userId: 'u1', name: 'Ann', role: 'viewer' };
  const long = await api<{ error: { code: string; message: string; details: unknown } }>(node.url, 'POST', '/api/dev/tokens', undefined, {
    ...body,
    ttlS: 7200,
  });
  expect(long.status).toBe(400);
  expect(long.body.error).toMatchObject({ code: 'BAD_REQUEST', details: { limit: 'TOKEN_MAX_LIFETIME_S', max: 3600 } });
  expect(long.body.error.message).toMatch(/TOKEN_MAX_LIFETIME_S=3600 s/);
  for (const ttl of [3600, undefined]) {
    const minted = await api<{ token: string; expiresAt: number }>(node.url, 'POST', '/api/dev/tokens', undefined, { ...body, ttlS: ttl });
    expect(minted.status).toBe(201);
    expect(minted.body.expiresAt).toBeLessThanOrEqual(Date.now() + 3600_000);
    expect((await api(node.url, 'GET', '/api/rooms', minted.body.token)).status).toBe(200);
  }
});
