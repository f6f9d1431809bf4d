/**
 * The kernel's TCP counters (Linux, /proc/net/netstat and /proc/net/snmp, what `nstat` reads) that say whether
 * connections waited on the listen queue: a full accept queue drops the SYN (ListenOverflows, ListenDrops), and the
 * client retransmits it after 1, 3, 7 s. They are the network namespace's, not one process's: other programs on the
 * machine count in them too.
 */
import fs from 'node:fs';

/** The counters read, by nstat name. */
export const LISTEN_COUNTERS = [
  'TcpExtListenOverflows',
  'TcpExtListenDrops',
  'TcpExtTCPReqQFullDrop',
  'TcpExtTCPReqQFullDoCookies',
  'TcpExtSyncookiesSent',
  'TcpExtTCPSynRetrans',
  'TcpExtTCPTimeouts',
  'TcpExtTCPBacklogDrop',
  'TcpExtTCPRcvQDrop',
  'TcpExtTCPZeroWindowDrop',
  'TcpExtTCPAbortOnData',
  'TcpExtTCPAbortOnClose',
  'TcpEstabResets',
  'TcpOutRsts',
  'TcpRetransSegs',
  'TcpActiveOpens',
  'TcpPassiveOpens',
] as const;
export type ListenCounters = Record<(typeof LISTEN_COUNTERS)[number], number>;

function parse(file: string, into: Record<string, number>): void {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch {
    return; // not Linux: the counters stay 0
  }
  const lines = text.trim().split('\n');
  for (let i = 0; i + 1 < lines.length; i += 2) {
    const names = lines[i]!.split(/\s+/);
    const values = lines[i + 1]!.split(/\s+/);
    const prefix = names[0]!.replace(/:$/, '');
    for (let k = 1; k < names.length; k++) into[`${prefix}${names[k]}`] = Number(values[k]);
  }
}

/** The counters now (0 where the kernel has none). */
export function listenCounters(): ListenCounters {
  const all: Record<string, number> = {};
  parse('/proc/net/netstat', all);
  parse('/proc/net/snmp', all);
  return Object.fromEntries(LISTEN_COUNTERS.map((k) => [k, all[k] ?? 0])) as ListenCounters;
}

/** b − a for every counter. */
export function counterDelta(a: ListenCounters, b: ListenCounters): ListenCounters {
  return Object.fromEntries(LISTEN_COUNTERS.map((k) => [k, b[k] - a[k]])) as ListenCounters;
}

/**
 * The kernel's softirq threads (`ksoftirqd/N`): their nice values and CPU seconds so far. Loopback packets are handed
 * over in the NET_RX softirq; under heavy traffic the kernel leaves that work to these threads, and a packet then
 * waits until its CPU's thread is scheduled. Reniced (e.g. to 19 by a script that lowers "every other thread") on a
 * box whose cores are taken by higher-priority processes, they run seconds apart: connections wait without any event
 * loop being late.
 */
export function softirqThreads(): { nice: number[]; cpuSeconds: number } {
  const nice: number[] = [];
  let ticks = 0;
  let names: string[] = [];
  try {
    names = fs.readdirSync('/proc').filter((d) => /^\d+$/.test(d));
  } catch {
    return { nice, cpuSeconds: 0 };
  }
  for (const pid of names) {
    let stat: string;
    try {
      stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    } catch {
      continue;
    }
    const close = stat.lastIndexOf(')');
    const comm = stat.slice(stat.indexOf('(') + 1, close);
    if (!comm.startsWith('ksoftirqd/')) continue;
    // Fields after "comm)": state is field 3; utime 14, stime 15, nice 19 (1-based, man proc).
    const f = stat.slice(close + 2).split(' ');
    ticks += Number(f[11]) + Number(f[12]);
    nice.push(Number(f[16]));
  }
  return { nice, cpuSeconds: ticks / 100 };
}
