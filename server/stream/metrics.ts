import { Counter, Gauge, type Registry } from 'prom-client';
import type { MediaService } from '../../media/mediaService.ts';
import type { GraceEvent, RoomMedia, RoomMediaStatsData } from '../../media/roomMedia.ts';

/**
 * Media metrics on the node's registry. Totals are read from memory at scrape time; per-room bitrates and loss come
 * from one `stats()` snapshot per room per scrape (worker round trips, so taken once and shared by every gauge).
 * Returns a function that detaches the event counters from the pool and the service, for the domain's close().
 */
export function registerMediaMetrics(registry: Registry, service: MediaService): () => void {
  // prom-client calls every metric's collect() in one synchronous pass, then awaits them: the gauges of one scrape
  // share the snapshot in flight, and the next scrape takes a fresh one.
  let pending: Promise<RoomMediaStatsData[]> | undefined;
  const roomStats = (): Promise<RoomMediaStatsData[]> => {
    if (!pending) {
      // A room closing mid-scrape is left out of this scrape rather than failing it.
      const taking = Promise.all(service.list().map((r) => r.stats().catch(() => undefined))).then((all) =>
        all.filter((s) => s !== undefined),
      );
      pending = taking;
      void taking.then(() => (pending = undefined));
    }
    return pending;
  };

  const total = (name: string, help: string, pick: (t: ReturnType<MediaService['totals']>) => number) =>
    new Gauge({
      name,
      help,
      registers: [registry],
      collect() {
        this.set(pick(service.totals()));
      },
    });
  total('hawker_media_rooms', 'Rooms with media on this node', (t) => t.rooms);
  total('hawker_media_routers', 'mediasoup routers (origin and viewer routers) of all rooms', (t) => t.routers);
  total('hawker_media_transports', 'WebRTC transports of all rooms', (t) => t.transports);
  total('hawker_media_producers', 'Published tracks', (t) => t.producers);
  total(
    'hawker_media_publishers_held',
    'Publishers whose connection dropped, their media held for STREAM_RECONNECT_GRACE_MS',
    (t) => t.held,
  );
  new Gauge({
    name: 'hawker_media_workers_alive',
    help: 'mediasoup workers alive',
    registers: [registry],
    collect() {
      this.set(service.pool.health().alive);
    },
  });
  new Gauge({
    name: 'hawker_media_worker_consumers',
    help: 'Consumers per mediasoup worker (mediasoup suggests about 500 per worker)',
    labelNames: ['worker'],
    registers: [registry],
    collect() {
      this.reset();
      for (const [worker, n] of service.totals().consumersPerWorker) this.set({ worker: String(worker) }, n);
    },
  });

  new Gauge({
    name: 'hawker_media_worker_stalled_requests',
    help: 'Requests to a mediasoup worker past MEDIASOUP_REQUEST_TIMEOUT_MS and still unanswered (above 0: the worker takes no new viewers)',
    labelNames: ['worker'],
    registers: [registry],
    collect() {
      this.reset();
      for (const w of service.pool.workers) this.set({ worker: String(w.index) }, w.stalled);
    },
  });

  const perRoom = (name: string, help: string, pick: (s: RoomMediaStatsData) => number) =>
    new Gauge({
      name,
      help,
      labelNames: ['room'],
      registers: [registry],
      async collect() {
        const rooms = await roomStats();
        this.reset();
        for (const s of rooms) this.set({ room: s.roomId }, pick(s));
      },
    });
  perRoom('hawker_media_room_bitrate_in_bps', "Bits/s arriving from the room's creator", (s) => s.bitrateIn);
  perRoom('hawker_media_room_bitrate_out_bps', "Bits/s sent to the room's viewers", (s) => s.bitrateOut);
  perRoom('hawker_media_room_loss_in_ratio', "Worst packet loss fraction on the creator's uplink", (s) => s.lossIn);
  perRoom('hawker_media_room_loss_out_ratio', 'Worst packet loss fraction towards a viewer', (s) => s.lossOut);
  perRoom('hawker_media_room_consumers', 'Consumers in the room', (s) => s.consumers);
  perRoom('hawker_media_room_keyframe_requests', "Keyframe requests (PLI+FIR) sent to the room's current producers", (s) =>
    s.producers.reduce((n, p) => n + p.keyFrameRequests, 0),
  );

  const deaths = new Counter({ name: 'hawker_media_worker_deaths_total', help: 'mediasoup workers that died', registers: [registry] });
  const onDied = () => deaths.inc();
  service.pool.on('workerdied', onDied);
  const grace = new Counter({
    name: 'hawker_media_publisher_grace_total',
    help: 'Publisher reconnect grace periods: started, then resumed, or closed (expired, mediaFailed, superseded, roomClosed)',
    labelNames: ['event'],
    registers: [registry],
  });
  const onRoom = (room: RoomMedia) => room.on('grace', (event: GraceEvent) => grace.inc({ event }));
  service.on('room', onRoom);
  return () => {
    service.pool.off('workerdied', onDied);
    service.off('room', onRoom);
  };
}
