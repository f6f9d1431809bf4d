/**
 * The chat benchmark's baseline: a bare Socket.IO server (same version and transport as Hawker) that broadcasts every
 * chat message to the room the moment it arrives: one packet per message per viewer. The payload has Hawker's shape
 * (`chat:batch` holding one message), so the same load processes measure both. No Redis, no rules, no history: it
 * does strictly less work per message than Hawker; only the fan-out strategy differs.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { Server } from 'socket.io';

const server = http.createServer();
const io = new Server(server, { maxHttpBufferSize: 64 * 1024 });
let seq = 0;

type Ack = (r: unknown) => void;
io.on('connection', (socket) => {
  const userId = String(socket.handshake.auth.userId ?? socket.id);
  socket.on('room:join', ({ roomId }: { roomId: string }, ack: Ack) => {
    void socket.join(`room:${roomId}`);
    ack({ ok: true, data: { roomId } });
  });
  socket.on('chat:send', ({ roomId, text }: { roomId: string; text: string }, ack: Ack) => {
    if (typeof roomId !== 'string' || typeof text !== 'string' || text.length > 200)
      return ack({ ok: false, error: { code: 'BAD_REQUEST', message: 'bad payload' } });
    const at = Date.now();
    const message = { id: `${at}-${seq++}`, roomId, userId, name: userId, role: 'viewer', text, at };
    io.to(`room:${roomId}`).emit('chat:batch', { roomId, messages: [message] });
    ack({ ok: true, data: message });
  });
});

server.listen(0, '127.0.0.1', () => {
  const { port } = server.address() as AddressInfo;
  process.send?.({ ready: true, url: `http://127.0.0.1:${port}` });
});
process.on('disconnect', () => process.exit(0));
process.on('SIGTERM', () => process.exit(0));
