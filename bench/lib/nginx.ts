/**
 * The documented nginx in front of bench nodes (bench:scale): scripts/docker/nginx.conf itself, with only what a
 * benchmark on one machine must change (its upstream servers, a loopback listen port, files under a temp dir, one
 * worker process so its CPU is measured), so the routing measured is the routing deployments get.
 */
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { once } from 'node:events';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { ROOT, onCleanup } from './procs.ts';

export interface BenchNginx {
  /** http://127.0.0.1:<port> */
  url: string;
  /** The master and its worker processes, for CpuMeter. */
  pids: Record<string, number>;
  stop(): Promise<void>;
}

const NGINX_CANDIDATES = ['/usr/sbin/nginx', '/usr/bin/nginx'];

/**
 * The nginx binary. When it is missing and this is Debian run as root (setup's machine), Debian's nginx-light is
 * installed first, as setup installs Redis and PostgreSQL; otherwise a readable error says how to get one. Only
 * bench:scale needs nginx, so setup does not install it for everyone.
 */
function nginxBinary(): string {
  const found = () => NGINX_CANDIDATES.find((candidate) => fs.existsSync(candidate));
  const have = found();
  if (have) return have;
  const how =
    "bench:scale runs the documented nginx in front of two nodes. Install Debian's (apt-get install -y nginx-light), then run it again";
  if (process.getuid?.() !== 0 || !fs.existsSync('/usr/bin/apt-get')) throw new Error(`nginx is not installed: ${how}`);
  process.stderr.write('bench:scale: installing nginx (Debian package nginx-light; about a minute)\n');
  try {
    const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
    const apt = (args: string[]) => execFileSync('apt-get', args, { stdio: ['ignore', process.stderr, process.stderr], env });
    try {
      apt(['install', '-y', '-q', '--no-install-recommends', 'nginx-light']);
    } catch {
      apt(['update', '-q']); // a fresh machine's package lists may not be there yet
      apt(['install', '-y', '-q', '--no-install-recommends', 'nginx-light']);
    }
  } catch (err) {
    throw new Error(`nginx is not installed and installing it failed (${(err as Error).message.split('\n')[0]}): ${how}`);
  }
  const installed = found();
  if (!installed) throw new Error(`nginx-light installed, but no nginx binary at ${NGINX_CANDIDATES.join(' or ')}: ${how}`);
  return installed;
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address() as net.AddressInfo;
      srv.close(() => resolve(port));
    });
  });
}

/** scripts/docker/nginx.conf with `upstreams` (host:port) as its servers, listening on 127.0.0.1:`port`, files in `dir`. */
export function benchNginxConf(upstreams: readonly string[], port: number, dir: string): string {
  const conf = fs.readFileSync(path.join(ROOT, 'scripts/docker/nginx.conf'), 'utf8');
  const replace = (from: RegExp, to: string, text: string) => {
    if (!from.test(text)) throw new Error(`scripts/docker/nginx.conf changed: ${from} not found; update bench/lib/nginx.ts`);
    return text.replace(from, to);
  };
  let out = replace(/(\s*server app\d+:\d+;)+/, upstreams.map((u) => `\n    server ${u};`).join(''), conf);
  out = replace(/listen 80;/, `listen 127.0.0.1:${port};`, out);
  out = replace(/^worker_processes auto;/m, `worker_processes 1;\npid ${dir}/nginx.pid;\nerror_log ${dir}/error.log warn;`, out);
  const temp = ['client_body', 'proxy', 'fastcgi', 'uwsgi', 'scgi'].map((k) => `  ${k}_temp_path ${dir}/${k};`).join('\n');
  out = replace(/^http \{/m, `http {\n  access_log off;\n${temp}`, out);
  return out;
}

/** Starts nginx (foreground, as a child) in front of `upstreams`; stopped at the end of the run. */
export async function startNginx(upstreams: readonly string[]): Promise<BenchNginx> {
  const bin = nginxBinary();
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'hawker-bench-nginx-'));
  onCleanup(() => fs.rmSync(dir, { recursive: true, force: true }));
  const port = await freePort();
  const confPath = path.join(dir, 'nginx.conf');
  fs.writeFileSync(confPath, benchNginxConf(upstreams, port, dir));
  try {
    execFileSync(bin, ['-t', '-q', '-p', dir, '-c', confPath], { stdio: 'pipe' });
  } catch (err) {
    throw new Error(`nginx refused the bench configuration (${confPath}): ${(err as { stderr?: Buffer }).stderr?.toString().trim()}`);
  }
  const child: ChildProcess = spawn(bin, ['-p', dir, '-c', confPath, '-g', 'daemon off;'], { stdio: ['ignore', 'inherit', 'inherit'] });
  const stop = async () => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    const exited = once(child, 'exit');
    child.kill('SIGQUIT'); // graceful: workers finish their connections
    const timer = setTimeout(() => child.kill('SIGKILL'), 5_000);
    await exited;
    clearTimeout(timer);
  };
  onCleanup(stop);
  // Ready when it answers: a request through it to a node's /healthz.
  const url = `http://127.0.0.1:${port}`;
  const until = Date.now() + 15_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`nginx exited at start (code ${child.exitCode}); see ${dir}/error.log`);
    const ok = await fetch(`${url}/healthz`).then(
      (r) => r.ok,
      () => false,
    );
    if (ok) break;
    if (Date.now() > until) throw new Error(`nginx did not answer on ${url} within 15 s; see ${dir}/error.log`);
    await new Promise((r) => setTimeout(r, 100));
  }
  const pids: Record<string, number> = { nginx: child.pid! };
  const workers = execFileSync('pgrep', ['-P', String(child.pid)], { encoding: 'utf8' })
    .trim()
    .split('\n')
    .filter(Boolean);
  workers.forEach((pid, i) => {
    pids[`nginx worker ${i}`] = Number(pid);
  });
  return { url, pids, stop };
}
