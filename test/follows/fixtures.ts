/** What the follow tests share: a known creator (one who has opened a room), viewers, and notice collectors. */
import type { Notice, Room } from '@hawker/protocol';
import { api, type ClientSocket, devToken } from '../../harness/clients.ts';
import type { Reachable } from '../../harness/commerce.ts';

export type ErrorBody = { error: { code: string; message: string; details?: unknown } };

/** A creator token; the creator becomes known (followable) once they open a room. */
export function creatorToken(node: Reachable, userId = 'c1', name = 'Creator'): Promise<string> {
  return devToken(node.url, { userId, name, role: 'creator' });
}

export function viewerToken(node: Reachable, userId: string): Promise<string> {
  return devToken(node.url, { userId, name: userId, role: 'viewer' });
}

/** Opens a room: scheduled for `scheduledAt` when given (followers get a live.scheduled notice), else ready to go live. */
export async function openRoom(node: Reachable, token: string, title: string, scheduledAt?: number): Promise<Room> {
  const res = await api<Room>(node.url, 'POST', '/api/rooms', token, { title, ...(scheduledAt ? { scheduledAt } : {}) });
  if (res.status !== 201) throw new Error(`room: ${res.status} ${JSON.stringify(res.body)}`);
  return res.body;
}

export async function follow(node: Reachable, token: string, creatorId: string): Promise<void> {
  const res = await api(node.url, 'PUT', `/api/follows/${creatorId}`, token);
  if (res.status !== 200) throw new Error(`follow: ${res.status} ${JSON.stringify(res.body)}`);
}

/** Every notice:new a socket receives, in order. */
export function collect(socket: ClientSocket): Notice[] {
  const got: Notice[] = [];
  socket.on('notice:new', (n) => got.push(n));
  return got;
}
