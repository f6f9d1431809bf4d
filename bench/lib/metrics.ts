/**
 * A node's Prometheus counters, read from its GET /metrics (the benches print what the node says it did: tick
 * fan-out, stock-step retries). Only plain `name{label="v",...} value` lines; HELP/TYPE comments are skipped.
 */
export interface Sample {
  name: string;
  labels: Record<string, string>;
  value: number;
}

/** Parses Prometheus text exposition into samples whose metric name starts with `prefix`. */
export function parseMetrics(text: string, prefix = ''): Sample[] {
  const out: Sample[] = [];
  for (const m of text.matchAll(/^([a-zA-Z_:][\w:]*)(?:\{([^}]*)\})? (\S+)$/gm)) {
    const [, name, labelText, value] = m as unknown as [string, string, string | undefined, string];
    if (!name.startsWith(prefix)) continue;
    const labels: Record<string, string> = {};
    for (const l of (labelText ?? '').matchAll(/(\w+)="((?:[^"\\]|\\.)*)"/g)) labels[l[1]!] = l[2]!;
    out.push({ name, labels, value: Number(value) });
  }
  return out;
}

/** The samples of `url`'s /metrics whose names start with `prefix`. */
export async function readMetrics(url: string, prefix: string): Promise<Sample[]> {
  return parseMetrics(await (await fetch(`${url}/metrics`)).text(), prefix);
}

/** `hawker_ticks_<field>_total{event}` as event -> field -> value (server/kernel/ticks.ts's TickCost). */
export async function tickCosts(url: string): Promise<Record<string, Record<string, number>>> {
  const out: Record<string, Record<string, number>> = {};
  for (const s of await readMetrics(url, 'hawker_ticks_')) {
    const field = /^hawker_ticks_(\w+)_total$/.exec(s.name)?.[1];
    if (field && s.labels.event) (out[s.labels.event] ??= {})[field] = s.value;
  }
  return out;
}
