import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { createHash, randomBytes, randomUUID } from 'node:crypto';
import { EventEmitter } from 'node:events';
import { closeSync, openSync } from 'node:fs';
import fs from 'node:fs/promises';
import net from 'node:net';
import path from 'node:path';
import { promisify } from 'node:util';
import pg from 'pg';
import { freePort } from './localRedis.ts';
import type { Logger } from './log.ts';

/** Debian's `postgresql-15` package (installed by `npm run setup`) puts its server binaries here, outside PATH. */
export const PG_BIN_DIR = '/usr/lib/postgresql/15/bin';
/** Superuser and database that Hawker's embedded cluster is created with. */
const PG_USER = 'hawker';
const PG_DATABASE = 'hawker';
/** When root, clusters whose directory the `postgres` user cannot reach live under here instead. */
const ROOT_CLUSTERS_DIR = '/var/lib/hawker';
/** Left in `opts.dir` when the cluster lives under ROOT_CLUSTERS_DIR: its first line is the cluster directory. */
const POINTER_FILE = 'cluster-location';
/** Linux limit on a unix socket path (sun_path is 108 bytes, NUL included). */
const MAX_SOCKET_PATH = 107;
/** The log is appended to across starts; past this size it is rotated (one old copy kept) at the next start. */
const MAX_LOG_BYTES = 10 * 1024 * 1024;
const RESTART_BACKOFF_FIRST_MS = 250;
const RESTART_BACKOFF_MAX_MS = 10_000;

const execFileAsync = promisify(execFile);

/**
 * The embedded PostgreSQL could not be set up or started. `message` says what failed and what to do next; `logTail`
 * holds the last lines of the server's (or initdb's) output when there are any.
 */
export class LocalPostgresError extends Error {
  override readonly name = 'LocalPostgresError';
  constructor(
    message: string,
    readonly logTail = '',
    options?: ErrorOptions,
  ) {
    super(logTail ? `${message}. Log tail: ${logTail.split('\n').join(' | ')}` : message, options);
  }
}

/** Events of a {@link LocalPostgres}. */
export interface LocalPostgresEvents {
  /** The postmaster exited although nobody called `stop()`; a restart is scheduled. */
  crashed: [info: { pid: number; code: number | null; signal: NodeJS.Signals | null }];
  /** A postmaster is accepting connections again after `crashed` (same port, same URL). */
  restarted: [info: { pid: number; attempts: number; downMs: number }];
  /** Another `startLocalPostgres` on the same directory took the cluster over; this one no longer restarts it. */
  superseded: [info: { pid: number }];
}

/**
 * A PostgreSQL postmaster that Hawker (or a test) launched and therefore must stop. It is restarted on the same port
 * whenever it dies without `stop()` having been called, so `url` stays valid for the lifetime of this object.
 *
 * If the Node process itself is SIGKILLed the postmaster keeps running (it runs in its own session, so a terminal's
 * Ctrl-C reaches only the node, which stops it last); the next `startLocalPostgres` on the same directory finds it
 * through `postmaster.pid` and shuts it down before starting a new one.
 */
export interface LocalPostgres {
  /** `postgres://hawker:<password>@127.0.0.1:<port>/hawker`; stable across starts while the port stays free. */
  readonly url: string;
  readonly port: number;
  /** `opts.dir`, resolved. */
  readonly dir: string;
  /**
   * The cluster's PGDATA: `<dir>/pgdata`, or `/var/lib/hawker/pg-<hash>/pgdata` when running as root and the `postgres`
   * user cannot reach `dir`. Its unix socket is in here too.
   */
  readonly dataDir: string;
  /** The server's log (appended to across starts). */
  readonly logFile: string;
  /** Pid of the current postmaster (it changes when the postmaster is restarted); 0 while it is down or once stopped. */
  readonly pid: number;
  on<E extends keyof LocalPostgresEvents>(event: E, listener: (...args: LocalPostgresEvents[E]) => void): this;
  off<E extends keyof LocalPostgresEvents>(event: E, listener: (...args: LocalPostgresEvents[E]) => void): this;
  /**
   * Fast shutdown (SIGINT to the postmaster: open transactions roll back, a shutdown checkpoint is written), SIGKILL if
   * it has not exited after `timeoutMs` (default 10 s; WAL makes that safe, the next start just replays it). Stops any
   * pending restart. Idempotent.
   */
  stop(timeoutMs?: number): Promise<void>;
}

export interface LocalPostgresOptions {
  /** Where the cluster lives (created if missing); see {@link LocalPostgres.dataDir} for the root case. */
  dir: string;
  log?: Logger;
  /** Milliseconds for a started postmaster to accept connections (default 30 s; initdb on first start not counted). */
  startTimeoutMs?: number;
}

/**
 * Starts (creating it on first use) a PostgreSQL 15 cluster for Hawker's ledger, configured the way money needs it:
 * `fsync` and `synchronous_commit` forced on from the command line (so neither postgresql.conf nor ALTER SYSTEM can
 * turn them off), data checksums, UTF-8 with the C.UTF-8 locale, scram-sha-256 for every connection, listening on
 * 127.0.0.1 only (unix socket inside the data directory, not /var/run, so no system directory is needed).
 *
 * PostgreSQL refuses to run as root, so under root initdb and the postmaster run as the `postgres` user that Debian's
 * package creates; when that user cannot reach `opts.dir` (a checkout under /root, mode 700) the cluster lives in
 * `/var/lib/hawker/pg-<12 hex of sha256(opts.dir)>` and `opts.dir/cluster-location` says so.
 *
 * A postmaster left running on the same directory (its node was SIGKILLed) is shut down first, never duplicated.
 */
export async function startLocalPostgres(opts: LocalPostgresOptions): Promise<LocalPostgres> {
  const log = opts.log;
  await assertInstalled();
  const layout = await resolveLayout(path.resolve(opts.dir), log);
  // Claim the directory before stopping a stale postmaster: if that postmaster belongs to a LocalPostgres that is still
  // alive (in this process or another), it sees the claim and does not restart it behind our back.
  const token = randomUUID();
  await fs.writeFile(layout.ownerFile, `${token}\n`);
  await stopStalePostmaster(layout.pgdata, log);
  const password = await ensureCluster(layout, log);
  const port = await choosePort(layout.portFile);
  const server = new EmbeddedPostgres(layout, token, password, port, opts.startTimeoutMs ?? 30_000, log);
  await server.start();
  return server;
}

interface RunAs {
  uid: number;
  gid: number;
}

interface Layout {
  dir: string;
  /** Holds pgdata/, the password, port and owner files, and the log. Owned by the user the server runs as. */
  clusterDir: string;
  pgdata: string;
  passwordFile: string;
  portFile: string;
  ownerFile: string;
  logFile: string;
  /** Set when we are root: the identity initdb and postgres run under. */
  runAs: RunAs | undefined;
}

function layoutIn(dir: string, clusterDir: string, runAs: RunAs | undefined): Layout {
  return {
    dir,
    clusterDir,
    pgdata: path.join(clusterDir, 'pgdata'),
    passwordFile: path.join(clusterDir, 'password'),
    portFile: path.join(clusterDir, 'port'),
    ownerFile: path.join(clusterDir, 'owner'),
    logFile: path.join(clusterDir, 'postgres.log'),
    runAs,
  };
}

async function assertInstalled(): Promise<void> {
  for (const bin of ['initdb', 'postgres']) {
    try {
      await fs.access(path.join(PG_BIN_DIR, bin), fs.constants.X_OK);
    } catch (cause) {
      throw new LocalPostgresError(
        `PostgreSQL 15 is not installed (${path.join(PG_BIN_DIR, bin)} is missing): run \`npm run setup\` (installs Debian's postgresql-15) or set DATABASE_URL to use your own server`,
        '',
        { cause },
      );
    }
  }
}

/** Decides where the cluster lives and prepares that directory with the right owner and mode. */
async function resolveLayout(dir: string, log: Logger | undefined): Promise<Layout> {
  await fs.mkdir(dir, { recursive: true });
  const pointer = (await fs.readFile(path.join(dir, POINTER_FILE), 'utf8').catch(() => '')).split('\n')[0]?.trim() ?? '';
  if (process.getuid?.() !== 0) {
    if (pointer) {
      throw new LocalPostgresError(
        `${dir} was set up by root: its PostgreSQL cluster lives in ${pointer}, owned by the postgres user. Run Hawker as root again, use another DATA_DIR, or set DATABASE_URL`,
      );
    }
    // Not root: the server runs as us, directly in `dir`.
    await fs.chmod(dir, 0o700);
    return layoutIn(dir, dir, undefined);
  }

  const runAs = await lookupUser('postgres');
  let clusterDir: string;
  if (pointer) {
    clusterDir = pointer;
    if (!(await exists(path.join(clusterDir, 'pgdata', 'PG_VERSION')))) {
      log?.warn({ dir, clusterDir }, `${POINTER_FILE} points to a directory without a cluster; creating a new one there`);
    }
  } else if (await canReach(runAs, path.dirname(dir))) {
    clusterDir = dir;
  } else {
    // e.g. a checkout under /root (mode 700): postgres cannot get through /root, so keep the cluster where it can.
    clusterDir = path.join(ROOT_CLUSTERS_DIR, `pg-${createHash('sha256').update(dir).digest('hex').slice(0, 12)}`);
    await fs.mkdir(ROOT_CLUSTERS_DIR, { recursive: true });
    await fs.chmod(ROOT_CLUSTERS_DIR, 0o755); // postgres must get through it, whatever our umask
    const tmp = path.join(dir, `.${POINTER_FILE}.tmp`);
    await fs.writeFile(
      tmp,
      `${clusterDir}\n# Hawker runs as root and the postgres user cannot reach ${dir}, so this PostgreSQL cluster lives in the directory above.\n`,
    );
    await fs.rename(tmp, path.join(dir, POINTER_FILE));
    log?.info({ dir, clusterDir }, 'postgres user cannot reach the data directory; keeping the PostgreSQL cluster elsewhere');
  }
  await fs.mkdir(clusterDir, { recursive: true });
  await fs.chown(clusterDir, runAs.uid, runAs.gid);
  await fs.chmod(clusterDir, 0o700);
  if (!(await canReach(runAs, clusterDir))) {
    throw new LocalPostgresError(
      `the postgres user cannot reach ${clusterDir} (check the modes of its parent directories), so PostgreSQL cannot run there; use another DATA_DIR or set DATABASE_URL`,
    );
  }
  return layoutIn(dir, clusterDir, runAs);
}

/** uid/gid of a system user (through NSS, as `getent` sees it). */
async function lookupUser(name: string): Promise<RunAs> {
  const line = await execFileAsync('getent', ['passwd', name]).then(
    (r) => r.stdout.trim(),
    () => '',
  );
  const [, , uid, gid] = line.split(':');
  if (!uid || !gid) {
    throw new LocalPostgresError(
      `PostgreSQL refuses to run as root and there is no \`${name}\` user to run it as: run \`npm run setup\` (Debian's postgresql-15 creates it), run Hawker as a non-root user, or set DATABASE_URL`,
    );
  }
  return { uid: Number(uid), gid: Number(gid) };
}

/**
 * Whether `who` can search `dir` and every directory above it. Asked of the kernel (a child running as that user) rather
 * than computed from mode bits, so ACLs and group membership count exactly as they will for the server.
 */
async function canReach(who: RunAs, dir: string): Promise<boolean> {
  return new Promise((resolve) => {
    const child = spawn('/usr/bin/test', ['-x', dir], { uid: who.uid, gid: who.gid, stdio: 'ignore', cwd: '/' });
    child.once('error', () => resolve(false));
    child.once('exit', (code) => resolve(code === 0));
  });
}

async function exists(p: string): Promise<boolean> {
  return fs.stat(p).then(
    () => true,
    () => false,
  );
}

/** Our postmaster is `postgres -D <pgdata> ...`: checking both keeps a recycled pid (or another cluster) safe from us. */
async function isOurPostmaster(pid: number, pgdata: string): Promise<boolean> {
  // A zombie or a gone process has an empty cmdline.
  const argv = (await fs.readFile(`/proc/${pid}/cmdline`, 'utf8').catch(() => '')).split('\0');
  const d = argv.indexOf('-D');
  return path.basename(argv[0] ?? '') === 'postgres' && d >= 0 && argv[d + 1] === pgdata;
}

/**
 * A postmaster still running on this cluster (its node was SIGKILLed, or a second start on the same directory) would
 * make ours fail with "lock file already exists"; running two is impossible anyway. Reusing it would mean trusting a
 * process started with settings we did not choose, so stop it (fast shutdown, SIGKILL after 10 s) and start afresh.
 */
async function stopStalePostmaster(pgdata: string, log: Logger | undefined): Promise<void> {
  const pid = Number((await fs.readFile(path.join(pgdata, 'postmaster.pid'), 'utf8').catch(() => '')).split('\n')[0]);
  if (!Number.isInteger(pid) || pid <= 0 || !(await isOurPostmaster(pid, pgdata))) return;
  log?.warn({ postmasterPid: pid, pgdata }, 'a PostgreSQL postmaster from a previous run is still running on this cluster; stopping it');
  const gone = async (ms: number) => {
    for (const end = Date.now() + ms; Date.now() < end; await sleep(50)) if (!(await isOurPostmaster(pid, pgdata))) return true;
    return !(await isOurPostmaster(pid, pgdata));
  };
  signal(pid, 'SIGINT');
  if (await gone(10_000)) return;
  signal(pid, 'SIGKILL');
  if (await gone(5_000)) return;
  throw new LocalPostgresError(
    `a stale PostgreSQL postmaster (pid ${pid}) on ${pgdata} survived SIGKILL; stop it by hand, then start Hawker again`,
  );
}

function signal(pid: number, sig: NodeJS.Signals): void {
  try {
    process.kill(pid, sig);
  } catch {
    // already gone
  }
}

/** Runs initdb on first use (into a temporary directory renamed into place, so a killed initdb leaves nothing half-made). Returns the password. */
async function ensureCluster(l: Layout, log: Logger | undefined): Promise<string> {
  const initialised = await exists(path.join(l.pgdata, 'PG_VERSION'));
  let password = (await fs.readFile(l.passwordFile, 'utf8').catch(() => '')).trim();
  if (initialised) {
    if (!password) {
      throw new LocalPostgresError(
        `${l.passwordFile} is missing, so Hawker cannot log in to the cluster in ${l.pgdata}: restore it, or (losing that data) delete ${l.clusterDir} to create a new cluster, or set DATABASE_URL`,
      );
    }
    return password;
  }
  if (await exists(l.pgdata)) {
    throw new LocalPostgresError(`${l.pgdata} exists but is not a PostgreSQL cluster (no PG_VERSION): move it away, or set DATABASE_URL`);
  }
  if (!password) {
    // base64url: nothing that needs escaping in a URL. Written once, so the URL survives restarts.
    password = randomBytes(24).toString('base64url');
    const tmp = `${l.passwordFile}.tmp`;
    await fs.writeFile(tmp, password, { mode: 0o600 });
    if (l.runAs) await fs.chown(tmp, l.runAs.uid, l.runAs.gid); // initdb, running as postgres, reads it
    await fs.rename(tmp, l.passwordFile);
  }
  const staging = `${l.pgdata}.initdb`;
  await fs.rm(staging, { recursive: true, force: true });
  const args = [
    '-D',
    staging,
    '--username',
    PG_USER,
    '--pwfile',
    l.passwordFile,
    '--encoding=UTF8',
    '--locale=C.UTF-8',
    '--auth-local=scram-sha-256',
    '--auth-host=scram-sha-256',
    // Checksums make silent disk corruption an error instead of wrong balances.
    '--data-checksums',
  ];
  log?.info({ pgdata: l.pgdata }, 'creating the PostgreSQL cluster (initdb)');
  const result = await run(path.join(PG_BIN_DIR, 'initdb'), args, l, 120_000);
  if (result.code !== 0) {
    await fs.rm(staging, { recursive: true, force: true });
    throw new LocalPostgresError(
      `initdb failed (${result.code}); run \`npm run setup\` (installs postgresql-15 and the C.UTF-8 locale) or set DATABASE_URL`,
      tail(result.output, 8),
    );
  }
  await fs.rename(staging, l.pgdata);
  return password;
}

/** Runs a PostgreSQL tool as the cluster's user, collecting its output. */
function run(file: string, args: string[], l: Layout, timeoutMs: number): Promise<{ code: number | string; output: string }> {
  return new Promise((resolve) => {
    const child = spawn(file, args, { ...spawnIdentity(l), stdio: ['ignore', 'pipe', 'pipe'], timeout: timeoutMs });
    let output = '';
    const collect = (d: Buffer) => (output = (output + d.toString()).slice(-8_000));
    child.stdout.on('data', collect);
    child.stderr.on('data', collect);
    child.once('error', (err) => resolve({ code: err.message, output }));
    child.once('close', (code, sig) => resolve({ code: code ?? sig ?? 'unknown', output }));
  });
}

/** uid/gid (when root), a working directory that user can enter, and a small environment for PostgreSQL's processes. */
function spawnIdentity(l: Layout): { uid?: number; gid?: number; cwd: string; env: NodeJS.ProcessEnv } {
  const env: NodeJS.ProcessEnv = { PATH: process.env.PATH ?? '/usr/bin:/bin', LANG: 'C.UTF-8' };
  if (process.env.TZ) env.TZ = process.env.TZ;
  return { ...(l.runAs ?? {}), cwd: l.clusterDir, env };
}

/** The port the cluster used last time when it is still free (stable URL), otherwise a new free one; remembered. */
async function choosePort(portFile: string): Promise<number> {
  const stored = Number((await fs.readFile(portFile, 'utf8').catch(() => '')).trim());
  const port = Number.isInteger(stored) && stored > 0 && stored < 65_536 && (await isPortFree(stored)) ? stored : await freePort();
  await fs.writeFile(portFile, `${port}\n`);
  return port;
}

async function isPortFree(port: number): Promise<boolean> {
  const srv = net.createServer();
  return new Promise((resolve) => {
    srv.once('error', () => resolve(false));
    srv.listen(port, '127.0.0.1', () => srv.close(() => resolve(true)));
  });
}

function tail(text: string, lines: number): string {
  return text.trimEnd().split('\n').slice(-lines).join('\n');
}

function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

/** Resolves when `child` has exited (at once if it already has), or failed to spawn. */
function exitOf(child: ChildProcess): Promise<{ code: number | null; signal: NodeJS.Signals | null }> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve({ code: child.exitCode, signal: child.signalCode });
  return new Promise((resolve) => {
    child.once('exit', (code, signal) => resolve({ code, signal }));
    child.once('error', () => {
      if (child.pid === undefined) resolve({ code: null, signal: null });
    });
  });
}

class EmbeddedPostgres extends EventEmitter implements LocalPostgres {
  readonly url: string;
  readonly dir: string;
  readonly dataDir: string;
  readonly logFile: string;
  private child: ChildProcess | undefined;
  /** True while a postmaster we started is accepting connections (its exit is then a crash). */
  private up = false;
  private stopping = false;
  private stopped: Promise<void> | undefined;
  /** Cuts a restart backoff short when stop() is called. */
  private wake: (() => void) | undefined;

  constructor(
    private readonly layout: Layout,
    private readonly token: string,
    private readonly password: string,
    readonly port: number,
    private readonly startTimeoutMs: number,
    private readonly log: Logger | undefined,
  ) {
    super();
    this.dir = layout.dir;
    this.dataDir = layout.pgdata;
    this.logFile = layout.logFile;
    this.url = `postgres://${PG_USER}:${encodeURIComponent(password)}@127.0.0.1:${port}/${PG_DATABASE}`;
  }

  get pid(): number {
    return this.up ? (this.child?.pid ?? 0) : 0;
  }

  /** First start: a few quick retries (a just-stopped stale server may still be releasing its shared memory). */
  async start(): Promise<void> {
    const deadline = Date.now() + this.startTimeoutMs;
    for (let attempt = 1, delay = RESTART_BACKOFF_FIRST_MS; ; attempt++, delay *= 2) {
      try {
        await this.launch(deadline);
        break;
      } catch (err) {
        const retryable = err instanceof LocalPostgresError && !(err.cause instanceof SpawnFailure) && !this.stopping;
        if (!retryable || attempt >= 4 || Date.now() + delay >= deadline) throw err;
        this.log?.warn({ err, attempt }, 'PostgreSQL did not start; retrying');
        await sleep(delay);
      }
    }
    try {
      await this.ensureDatabase();
    } catch (err) {
      await this.stop();
      throw new LocalPostgresError(`could not create the ${PG_DATABASE} database; see ${this.logFile}, or set DATABASE_URL`, '', {
        cause: err,
      });
    }
  }

  stop(timeoutMs = 10_000): Promise<void> {
    this.stopped ??= (async () => {
      this.stopping = true;
      this.wake?.();
      const child = this.child;
      // No pid: the last restart attempt could not even spawn, so there is nothing to stop.
      if (!child || child.pid === undefined || child.exitCode !== null || child.signalCode !== null) return;
      const exited = exitOf(child);
      // SIGINT is PostgreSQL's fast shutdown; SIGTERM ("smart") would wait for the node's pooled connections forever.
      child.kill('SIGINT');
      const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
      await exited;
      clearTimeout(timer);
      this.up = false;
    })();
    return this.stopped;
  }

  /** Spawns one postmaster and waits until it accepts connections; on failure it is gone again and this throws. */
  private async launch(deadline: number): Promise<void> {
    const l = this.layout;
    await rotateLog(l.logFile);
    const logOffset = (await fs.stat(l.logFile).catch(() => ({ size: 0 }))).size;
    if (this.stopping) throw new LocalPostgresError('stopped while starting');
    const fd = openSync(l.logFile, 'a');
    let child: ChildProcess;
    try {
      child = spawn(path.join(PG_BIN_DIR, 'postgres'), ['-D', l.pgdata, ...serverSettings(l, this.port)], {
        ...spawnIdentity(l),
        stdio: ['ignore', fd, fd],
        // Own session: a terminal's Ctrl-C (SIGINT to the foreground process group) must reach only the node, which
        // stops PostgreSQL after it has closed its connections, not before.
        detached: true,
      });
    } finally {
      closeSync(fd);
    }
    this.child = child;
    const exited = exitOf(child);
    const spawnError = new Promise<Error>((resolve) => child.once('error', resolve));
    child.on('error', () => {}); // a later error (a failed kill) must not crash the node; exits are what we act on
    child.once('exit', (code, signal) => this.onExit(child, code, signal));

    let abandoned = false;
    const outcome = await Promise.race([
      this.waitAccepting(deadline, () => abandoned).then(
        () => 'ready' as const,
        (err: Error) => err,
      ),
      exited.then((e) => new Error(`postgres exited with ${e.code ?? e.signal} before accepting connections`)),
      spawnError.then((e) => new SpawnFailure(e.message, { cause: e })),
    ]);
    abandoned = true;
    if (outcome === 'ready' && !this.stopping) {
      this.up = true;
      return;
    }
    if (child.exitCode === null && child.signalCode === null && child.pid !== undefined) {
      child.kill('SIGINT');
      const timer = setTimeout(() => child.kill('SIGKILL'), 5_000);
      await exited;
      clearTimeout(timer);
    }
    const why = outcome === 'ready' ? new Error('stopped while starting') : outcome;
    const logTail = tail((await fs.readFile(l.logFile, 'utf8').catch(() => '')).slice(logOffset), 8);
    throw new LocalPostgresError(
      `PostgreSQL did not start on 127.0.0.1:${this.port} (${why.message}): fix what its log says, run \`npm run setup\` if postgresql-15 is missing, or set DATABASE_URL to use your own server. Data: ${l.pgdata}, log: ${l.logFile}`,
      logTail,
      { cause: why },
    );
  }

  /** Polls with real logins (not just pg_isready), so a wrong password or a stranger on our port shows up here. */
  private async waitAccepting(deadline: number, abandoned: () => boolean): Promise<void> {
    let last: unknown;
    while (!abandoned() && !this.stopping) {
      const client = new pg.Client({
        host: '127.0.0.1',
        port: this.port,
        user: PG_USER,
        password: this.password,
        database: 'postgres',
        connectionTimeoutMillis: 2_000,
      });
      client.on('error', () => {}); // refusals are expected while the server boots; we poll
      try {
        await client.connect();
        await client.query('SELECT 1');
        return;
      } catch (err) {
        last = err;
        const code = (err as { code?: string }).code;
        // invalid_password / invalid_authorization_specification: waiting will not fix these.
        if (code === '28P01' || code === '28000') {
          throw new Error(
            `login refused (${(err as Error).message}); the password in ${this.layout.passwordFile} does not match the cluster`,
            { cause: err },
          );
        }
      } finally {
        await client.end().catch(() => {});
      }
      if (Date.now() > deadline) {
        throw new Error(`not accepting connections within ${this.startTimeoutMs} ms: ${(last as Error | undefined)?.message}`, {
          cause: last,
        });
      }
      await sleep(100);
    }
    throw new Error('stopped while starting');
  }

  private async ensureDatabase(): Promise<void> {
    const client = new pg.Client({ host: '127.0.0.1', port: this.port, user: PG_USER, password: this.password, database: 'postgres' });
    client.on('error', () => {});
    await client.connect();
    try {
      const { rowCount } = await client.query('SELECT 1 FROM pg_database WHERE datname = $1', [PG_DATABASE]);
      if (!rowCount) await client.query(`CREATE DATABASE ${PG_DATABASE}`);
    } finally {
      await client.end().catch(() => {});
    }
  }

  private onExit(child: ChildProcess, code: number | null, signal: NodeJS.Signals | null): void {
    if (child !== this.child || !this.up) return; // a failed launch: launch() reports it
    this.up = false;
    if (this.stopping) return;
    void this.recover(child.pid ?? 0, code, signal, Date.now());
  }

  /**
   * After an unexpected exit: stand down if another instance claimed the cluster (it stopped our postmaster on
   * purpose), otherwise restart on the same port with bounded backoff until it works or stop() is called.
   */
  private async recover(pid: number, code: number | null, signal: NodeJS.Signals | null, downSince: number): Promise<void> {
    if (await this.superseded(pid)) return;
    this.log?.warn({ postmasterPid: pid, code, signal, log: this.logFile }, 'PostgreSQL postmaster exited unexpectedly; restarting it');
    this.emit('crashed', { pid, code, signal });
    for (let attempt = 1, delay = RESTART_BACKOFF_FIRST_MS; ; attempt++, delay = Math.min(delay * 2, RESTART_BACKOFF_MAX_MS)) {
      // The backoff also lets the dead postmaster's backends exit: until they do, PostgreSQL refuses to start (their
      // shared memory is still attached).
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, delay);
        this.wake = () => {
          clearTimeout(timer);
          resolve();
        };
      });
      this.wake = undefined;
      if (this.stopping || (await this.superseded(pid))) return;
      try {
        await this.launch(Date.now() + this.startTimeoutMs);
        const info = { pid: this.pid, attempts: attempt, downMs: Date.now() - downSince };
        this.log?.info({ postmasterPid: info.pid, attempts: attempt, downMs: info.downMs }, 'PostgreSQL restarted');
        this.emit('restarted', info);
        return;
      } catch (err) {
        if (this.stopping) return;
        this.log?.warn({ err, attempt, retryInMs: Math.min(delay * 2, RESTART_BACKOFF_MAX_MS) }, 'PostgreSQL restart failed; retrying');
      }
    }
  }

  /** True (and this instance stands down for good) when a later startLocalPostgres on the same cluster owns it now. */
  private async superseded(pid: number): Promise<boolean> {
    const owner = (await fs.readFile(this.layout.ownerFile, 'utf8').catch(() => '')).trim();
    if (owner === this.token) return false;
    this.stopping = true;
    this.log?.warn(
      { postmasterPid: pid, pgdata: this.dataDir },
      'another start on this PostgreSQL cluster took it over; this instance no longer restarts it',
    );
    this.emit('superseded', { pid });
    return true;
  }
}

/** Marks a postgres binary that could not be executed at all: retrying will not help. */
class SpawnFailure extends Error {}

/**
 * Command-line settings win over postgresql.conf and ALTER SYSTEM, which is why durability is set here and not in a
 * file someone might edit.
 */
function serverSettings(l: Layout, port: number): string[] {
  // Unix sockets are a convenience (psql -h <pgdata>); Hawker connects over TCP. A data directory too deep for a socket
  // path would stop the server from starting, so then go without.
  const socketDir = Buffer.byteLength(path.join(l.pgdata, `.s.PGSQL.${port}.lock`)) <= MAX_SOCKET_PATH ? l.pgdata : '';
  const settings: Record<string, string> = {
    listen_addresses: '127.0.0.1',
    port: String(port),
    unix_socket_directories: socketDir,
    unix_socket_permissions: '0700',
    fsync: 'on',
    synchronous_commit: 'on',
    full_page_writes: 'on',
    // A small box: Hawker pools connections (DATABASE_POOL_SIZE per node), 200 leaves room for several nodes and psql.
    shared_buffers: '128MB',
    max_connections: '200',
    cluster_name: 'hawker', // shows in `ps` as "postgres: hawker: ...", telling our processes from a system cluster
    log_destination: 'stderr', // our stderr is appended to postgres.log next to the data
    logging_collector: 'off',
    log_line_prefix: '%m [%p] %q%u@%d ',
  };
  return Object.entries(settings).flatMap(([k, v]) => ['-c', `${k}=${v}`]);
}

/** Keeps postgres.log bounded without a log collector: at each start, a log past MAX_LOG_BYTES becomes postgres.log.1. */
async function rotateLog(logFile: string): Promise<void> {
  const st = await fs.stat(logFile).catch(() => null);
  if (st && st.size > MAX_LOG_BYTES) await fs.rename(logFile, `${logFile}.1`);
}
