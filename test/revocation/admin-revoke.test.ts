import { io as ioClient } from 'socket.io-client';
import { expect, it } from 'vitest';
import type { RevokeSessionsResult, SessionRevoked } from '@hawker/protocol';
import { api, call, connect, ok, type ClientSocket } from '../../harness/clients.ts';
import { liveRoom, tokenFor } from '../../harness/live.ts';
import { twoNodes, waitFor } from '../../harness/node.ts';
import { useTeardown } from '../../harness/teardown.ts';

const t = useTeardown();

/** The error a handshake is refused with (`connect_error` data), or 'connected'. */
async function handshake(url: string, token: string): Promise<string> {
  const socket = ioClient(url, { auth: { token }, transports: ['websocket'], reconnection: false, forceNew: true, timeout: 60_000 });
  try {
    return await new Promise<string>((resolve) => {
      socket.once('connect', () => resolve('connected'));
      socket.once('connect_error', (err: Error & { data?: { code?: string } }) => resolve(err.data?.code ?? err.message));
    });
  } finally {
    socket.disconnect();
  }
}

/** How a socket's session ended: the push it got first, and when it was disconnected. */
function watchEnd(socket: ClientSocket) {
  const end: { revoked?: SessionRevoked; pushAt?: number; reason?: string; at?: number } = {};
  socket.on('session:revoked', (p) => {
    end.revoked = p;
    end.pushAt = performance.now();
  });
  socket.on('disconnect', (reason) => {
    end.reason = reason;
    end.at = performance.now();
  });
  return end;
}

it("an admin's sign-out-everywhere cuts the user's open sockets on both nodes within 1 s and refuses every older token", async () => {
  const [a, b] = await twoNodes(t);
  const admin = await tokenFor(a.url, 'root', 'admin');
  const room = t.add(await liveRoom(a.url));
  const old = await tokenFor(a.url, 'u1', 'creator');
  const onA = t.add(await connect(a.url, old));
  const onB = t.add(await connect(b.url, old));
  ok(await call(onB, 'room:join', { roomId: room.roomId }));
  const endA = watchEnd(onA);
  const endB = watchEnd(onB);
  // Someone else's connection stays.
  const bystander = t.add(await connect(b.url, await tokenFor(b.url, 'u2')));
  expect((await api(a.url, 'GET', '/api/orders', old)).status).toBe(200);

  // Only admins sign people out.
  const self = await api(a.url, 'POST', '/api/users/u1/revoke', old);
  expect(self).toMatchObject({ status: 403, body: { error: { code: 'FORBIDDEN' } } });
  expect(onA.connected && onB.connected).toBe(true);

  const res = await api<RevokeSessionsResult>(a.url, 'POST', '/api/users/u1/revoke', admin);
  const answeredAt = performance.now();
  expect(res.status).toBe(200);
  expect(res.body.userId).toBe('u1');

  await waitFor('both sockets cut', () => endA.at !== undefined && endB.at !== undefined);
  for (const end of [endA, endB]) {
    expect(end.revoked).toEqual({ reason: 'signedOut', message: expect.stringMatching(/sign in again/) });
    expect(end.reason).toBe('io server disconnect');
    expect(end.pushAt!).toBeLessThanOrEqual(end.at!); // told, then cut
    expect(end.at! - answeredAt).toBeLessThan(1_000);
  }
  expect(bystander.connected).toBe(true);

  // The old token: refused by REST and handshakes on both nodes.
  for (const url of [a.url, b.url]) {
    expect(await api(url, 'GET', '/api/orders', old)).toMatchObject({ status: 401, body: { error: { code: 'UNAUTHENTICATED' } } });
    expect(await handshake(url, old)).toBe('UNAUTHENTICATED');
  }

  // A token issued after the cut-off (iat has one-second resolution: the cut-off is the next whole second) works.
  await waitFor('the cut-off passed', () => Date.now() >= res.body.revokedBefore, 5_000, 20);
  const fresh = await tokenFor(b.url, 'u1', 'creator');
  for (const url of [a.url, b.url]) {
    expect((await api(url, 'GET', '/api/orders', fresh)).status).toBe(200);
    expect(await handshake(url, fresh)).toBe('connected');
  }
});
