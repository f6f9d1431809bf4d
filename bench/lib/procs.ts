/**
 * Child processes of a benchmark or drill: load generators (forked with an RPC channel over IPC) and anything else it
 * starts. Every child is registered so that the run tears all of them down at the end, on failure, on Ctrl-C and even
 * when the parent dies (children exit when their IPC channel closes, and each has its own deadline).
 */
import { fork, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import path from 'node:path';

export const ROOT = path.resolve(import.meta.dirname, '../..');

const children = new Set<ChildProcess>();
const cleanups: (() => Promise<void> | void)[] = [];
let exiting = false;

/** Registers something to undo at the end of the run (LIFO), whatever happens. */
export function onCleanup(fn: () => Promise<void> | void): void {
  cleanups.push(fn);
}

/** Kills every registered child, then runs the cleanups. Idempotent enough: each cleanup runs once. */
export async function cleanupAll(): Promise<void> {
  for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
  children.clear();
  while (cleanups.length > 0)
    await Promise.resolve(cleanups.pop()!()).catch((err: Error) => process.stderr.write(`cleanup: ${err.message}\n`));
}

/**
 * Runs a benchmark's main function with teardown guaranteed: on success, on a thrown error (in main or, uncaught,
 * anywhere else: a timer, an event handler), on SIGINT/SIGTERM, and after `hardLimitS` whatever is going on (every
 * loop is bounded, this is the last resort).
 */
export function runMain(name: string, main: () => Promise<void>, hardLimitS: number): void {
  const stop = (code: number) => {
    if (exiting) return;
    exiting = true;
    cleanupAll().finally(() => process.exit(code));
  };
  process.on('SIGINT', () => stop(130));
  process.on('SIGTERM', () => stop(143));
  // Node would exit on these without running the cleanups, leaving ffmpeg, browsers and workers behind.
  const crash = (what: string) => (err: unknown) => {
    process.stderr.write(`${name}: ${what}: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
    stop(1);
  };
  process.on('uncaughtException', crash('uncaught exception'));
  process.on('unhandledRejection', crash('unhandled rejection'));
  const limit = setTimeout(() => {
    process.stderr.write(`${name}: hard time limit of ${hardLimitS} s reached; stopping\n`);
    stop(3);
  }, hardLimitS * 1000);
  limit.unref();
  main().then(
    () => stop(0),
    (err: Error) => {
      process.stderr.write(`${name} failed: ${err.stack ?? err.message}\n`);
      stop(1);
    },
  );
}

/** Starts a TypeScript file as a child with IPC (tsx loader); registered for teardown. */
export function forkTs(file: string, args: string[] = [], env: Record<string, string> = {}): ChildProcess {
  const child = fork(path.resolve(ROOT, file), args, {
    cwd: ROOT,
    execArgv: ['--import', 'tsx'],
    env: { ...process.env, ...env },
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  children.add(child);
  child.once('exit', () => children.delete(child));
  return child;
}

type Reply = { id: number; ok: true; result: unknown } | { id: number; ok: false; error: string };

/** The parent's handle on a load process: `call` a command, get its result; `events` are its unsolicited messages. */
export class LoadProcess {
  private nextId = 1;
  private readonly pending = new Map<number, { resolve(v: unknown): void; reject(e: Error): void }>();
  private readonly exited: Promise<unknown>;

  constructor(
    readonly name: string,
    readonly child: ChildProcess,
    onEvent: (msg: unknown) => void = () => {},
  ) {
    child.on('message', (msg: Reply | { event: unknown }) => {
      if ('event' in msg) return onEvent(msg.event);
      const p = this.pending.get(msg.id);
      if (!p) return;
      this.pending.delete(msg.id);
      if (msg.ok) p.resolve(msg.result);
      else p.reject(new Error(`${name}: ${msg.error}`));
    });
    this.exited = once(child, 'exit').then(([code, signal]) => {
      for (const p of this.pending.values()) p.reject(new Error(`${name} exited (${code ?? signal}) during a call`));
      this.pending.clear();
    });
  }

  static start(name: string, file: string, init: unknown, onEvent?: (msg: unknown) => void): LoadProcess {
    return new LoadProcess(name, forkTs(file, [JSON.stringify(init)]), onEvent);
  }

  get pid(): number {
    return this.child.pid!;
  }

  /** Sends a command and resolves with its result; rejects after `timeoutMs` or if the process exits. */
  call<T = unknown>(cmd: string, args: unknown = {}, timeoutMs = 120_000): Promise<T> {
    const id = this.nextId++;
    return new Promise<T>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.pending.delete(id);
        reject(new Error(`${this.name}: ${cmd} took over ${timeoutMs} ms`));
      }, timeoutMs);
      this.pending.set(id, {
        resolve: (v) => {
          clearTimeout(timer);
          resolve(v as T);
        },
        reject: (e) => {
          clearTimeout(timer);
          reject(e);
        },
      });
      this.child.send({ id, cmd, args });
    });
  }

  /** Asks the process to exit, and kills it if it has not within `graceMs`. */
  async stop(graceMs = 5_000): Promise<void> {
    if (this.child.exitCode !== null || this.child.signalCode !== null) return;
    this.child.send({ id: 0, cmd: 'exit', args: {} });
    const timer = setTimeout(() => this.child.kill('SIGKILL'), graceMs);
    await this.exited;
    clearTimeout(timer);
  }
}

/**
 * The child side: parses the init argument, answers commands with `handlers`, exits on `exit`, when the parent goes
 * away, or after `maxSeconds` (a load generator must stop by itself).
 */
export function serveLoad<I>(handlers: (init: I) => Record<string, (args: never) => unknown>, maxSeconds = 900): void {
  const init = JSON.parse(process.argv[2] ?? '{}') as I;
  const table = handlers(init);
  const deadline = setTimeout(() => {
    process.stderr.write(`load process ${process.pid}: deadline of ${maxSeconds} s reached; exiting\n`);
    process.exit(4);
  }, maxSeconds * 1000);
  deadline.unref();
  process.on('disconnect', () => process.exit(0));
  process.on('message', (msg: { id: number; cmd: string; args: unknown }) => {
    if (msg.cmd === 'exit') {
      Promise.resolve(table.exit?.(msg.args as never)).finally(() => process.exit(0));
      return;
    }
    const handler = table[msg.cmd];
    Promise.resolve()
      .then(() => {
        if (!handler) throw new Error(`unknown command ${msg.cmd}`);
        return handler(msg.args as never);
      })
      .then(
        (result) => process.send?.({ id: msg.id, ok: true, result }),
        (err: Error) => process.send?.({ id: msg.id, ok: false, error: err.stack ?? err.message }),
      );
  });
}

/** Sends an unsolicited message (progress) to the parent. */
export function emitEvent(event: unknown): void {
  process.send?.({ event });
}
