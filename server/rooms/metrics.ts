import { Gauge, type Registry } from 'prom-client';
import type { HawkerContext } from '../kernel/context.ts';
import { roomIdOfChannel } from '../kernel/channels.ts';

/**
 * Rooms and viewers on this node, read at scrape time from Socket.IO's local channels (no Redis round trip): rooms
 * with at least one connection here, and the connections in them (a connection in two rooms counts twice). Sum over
 * nodes for the deployment; the presence domain's viewer counts are the room-level figure shown to people.
 */
export function registerRoomMetrics(registry: Registry, io: HawkerContext['io']): void {
  const scan = () => {
    let rooms = 0;
    let viewers = 0;
    for (const [channel, sockets] of io.of('/').adapter.rooms) {
      if (roomIdOfChannel(channel) === null) continue;
      rooms += 1;
      viewers += sockets.size;
    }
    return { rooms, viewers };
  };
  new Gauge({
    name: 'hawker_rooms_active',
    help: 'Rooms with at least one connection on this node',
    registers: [registry],
    collect() {
      this.set(scan().rooms);
    },
  });
  new Gauge({
    name: 'hawker_rooms_connections',
    help: 'Connections in rooms on this node (viewers, creators, consoles watching), summed over rooms',
    registers: [registry],
    collect() {
      this.set(scan().viewers);
    },
  });
}
