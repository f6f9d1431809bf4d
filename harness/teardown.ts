import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterEach } from 'vitest';

/**
 * Anything that shuts down with one call and no argument: a node, a gateway, a socket, a Redis connection, a peer, a
 * browser context, a child process... `Teardown.add` calls the first of these it has, in this order.
 */
export type Closable = { close(): unknown } | { disconnect(): unknown } | { quit(): unknown } | { stop(): unknown } | { kill(): unknown };

function closerOf(resource: Closable): () => unknown {
  if ('close' in resource) return () => resource.close();
  if ('disconnect' in resource) return () => resource.disconnect();
  if ('quit' in resource) return () => resource.quit();
  if ('stop' in resource) return () => resource.stop();
  return () => resource.kill();
}

/**
 * What a test (or a drill) started, stopped in reverse order: the last thing started is the first stopped, so clients
 * go before the node they talk to and the node before the gateway or Redis it uses.
 */
export class Teardown {
  private readonly closers: (() => unknown)[] = [];

  /** Registers `resource` (closed with its own close/disconnect/quit/stop/kill) and returns it. */
  add<T extends Closable>(resource: T): T;
  /** Registers `resource`, closed by `close(resource)`, and returns it. */
  add<T>(resource: T, close: (resource: T) => unknown): T;
  add<T>(resource: T, close?: (resource: T) => unknown): T {
    // Without `close`, only the first overload matches: `resource` is Closable.
    this.closers.push(close ? () => close(resource) : closerOf(resource as T & Closable));
    return resource;
  }

  /** Registers a step to run at teardown (for what is not one object: a reset, a batch of sockets...). */
  defer(step: () => unknown): void {
    this.closers.push(step);
  }

  /** A fresh directory under the OS temp dir (its name starts with `prefix`), removed with its contents at teardown. */
  async tempDir(prefix: string): Promise<string> {
    const dir = await fs.mkdtemp(path.join(os.tmpdir(), prefix));
    this.defer(() => fs.rm(dir, { recursive: true, force: true }));
    return dir;
  }

  /**
   * Runs every registered step, last registered first, each awaited, and forgets them all (so a test never inherits
   * the previous one's). A step that throws does not stop the others: they all run, then this rejects with an
   * AggregateError of every failure.
   */
  async run(): Promise<void> {
    const errors: unknown[] = [];
    for (const step of this.closers.splice(0).reverse()) {
      try {
        await step();
      } catch (err) {
        errors.push(err);
      }
    }
    if (errors.length > 0) {
      const messages = errors.map((e) => (e instanceof Error ? e.message : String(e)));
      throw new AggregateError(errors, `teardown: ${errors.length} step(s) failed: ${messages.join('; ')}`);
    }
  }
}

/**
 * A Teardown that runs after each test of the file (or of the describe block it is called in): call it once at the
 * top, then register what each test starts, e.g. `const node = t.add(await startNode())`. A failing step fails the
 * test it belongs to.
 */
export function useTeardown(): Teardown {
  const t = new Teardown();
  afterEach(() => t.run());
  return t;
}
