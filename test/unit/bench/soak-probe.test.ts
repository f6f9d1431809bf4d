import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { startProbe, type ProbeRecord, type ProbeSummary } from '../../../bench/soak/probe.ts';
import { stalledDuring } from '../../../bench/soak/stallRecorder.ts';

/**
 * The soak's /healthz probe must say where a slow probe's time went (bench/soak/probe.ts): whether it reused its
 * kept-alive connection or had to open one, and who closed the old one. Real HTTP servers on loopback, no timing.
 */
const servers: http.Server[] = [];
afterEach(async () => {
  for (const s of servers.splice(0)) {
    s.closeAllConnections();
    await new Promise((r) => s.close(r));
  }
});

async function serve(handler: http.RequestListener): Promise<string> {
  const server = http.createServer(handler);
  servers.push(server);
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

/** Probes `url` until `n` probes have ended. */
function probeUntil(url: string, n: number): Promise<ProbeSummary> {
  return new Promise((resolve) => {
    let seen = 0;
    const probe = startProbe(url, 1, (_r: ProbeRecord) => {
      if (++seen === n) queueMicrotask(() => resolve(probe.stop()));
    });
  });
}

describe('soak probe', () => {
  it('reuses its kept-alive connection: only the first probe opens one', async () => {
    const url = await serve((_req, res) => res.end('{"ok":true}'));
    const s = await probeUntil(url, 5);
    expect(s.records.slice(0, 5).map((r) => r.newConnection)).toEqual([true, false, false, false, false]);
    expect(s.connectionsOpened).toBe(1);
    expect(s.records.every((r) => Number.isFinite(r.ms) && r.waitMs !== undefined)).toBe(true);
  });

  it('counts each probe that had to open a new connection, and why the old one went (Connection: close)', async () => {
    const url = await serve((_req, res) => {
      res.setHeader('Connection', 'close');
      res.end('{"ok":true}');
    });
    const s = await probeUntil(url, 4);
    expect(s.records.slice(0, 4).map((r) => r.newConnection)).toEqual([true, true, true, true]);
    expect(s.records.slice(0, 4).every((r) => r.connectMs !== undefined)).toBe(true);
    expect(s.connectionsOpened).toBeGreaterThanOrEqual(4);
    // undici lets a connection go itself when the answer says Connection: close (before the node's FIN arrives).
    expect(s.closedByClient + s.closedByServer).toBeGreaterThanOrEqual(3);
    expect(s.closedByError).toBe(0);
  });

  it('records a failed probe as Infinity with its reason', async () => {
    const url = await serve((_req, res) => {
      res.statusCode = 503;
      res.end();
    });
    const s = await probeUntil(url, 2);
    expect(s.records[0]!.ms).toBe(Number.POSITIVE_INFINITY);
    expect(s.records[0]!.failure).toBe('HTTP 503');
  });
});

describe('stalledDuring', () => {
  it('sums the part of each stall inside the window', () => {
    // Stalls as [end, length]: 100-150, 180-200, 400-500.
    const stalls: [number, number][] = [
      [150, 50],
      [200, 20],
      [500, 100],
    ];
    expect(stalledDuring(stalls, 120, 190)).toBe(30 + 10);
    expect(stalledDuring(stalls, 0, 1000)).toBe(170);
    expect(stalledDuring(stalls, 250, 300)).toBe(0);
  });
});
