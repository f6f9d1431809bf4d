import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

/**
 * The import rules of the layout (docs/architecture.md, "Import rules"), checked over the source: every import and
 * re-export specifier (static, side-effect and dynamic `import()`) is found with a regex and resolved to a repository
 * path; a rule lists the files it covers and the targets they must not reach. A failure names the file and specifier.
 */
const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const SKIP_DIRS = new Set(['node_modules', 'dist', 'build', 'public', 'results']);
/** Workspace packages, by the name they are imported with. */
const PACKAGES: Record<string, string> = { '@hawker/protocol': 'protocol/src', '@hawker/client-sdk': 'client-sdk/src' };

/** Repository-relative paths of the TypeScript files under `dir` (none if it does not exist). */
function filesUnder(dir: string): string[] {
  if (!existsSync(path.join(ROOT, dir))) return [];
  const out: string[] = [];
  for (const name of readdirSync(path.join(ROOT, dir))) {
    const rel = `${dir}/${name}`;
    if (statSync(path.join(ROOT, rel)).isDirectory()) {
      if (!SKIP_DIRS.has(name)) out.push(...filesUnder(rel));
    } else if (/\.(ts|mts|cts|tsx)$/.test(name) && !name.endsWith('.d.ts')) out.push(rel);
  }
  return out;
}

// A quoted word 'from' (say, a zod issue path) is a string, not an import.
const SPECIFIER = /(?<!['"])\bfrom\s*['"]([^'"]+)['"]|\bimport\s*\(?\s*['"]([^'"]+)['"]/g;

/**
 * What `file` imports: each specifier and its target, a repository path for our code (relative specifiers, workspace
 * packages) or `pkg:<name>` for anything else (npm packages, node: built-ins).
 */
function importsOf(file: string): { spec: string; target: string }[] {
  const text = readFileSync(path.join(ROOT, file), 'utf8');
  return [...text.matchAll(SPECIFIER)].map((m) => {
    const spec = (m[1] ?? m[2])!;
    if (spec.startsWith('.')) return { spec, target: path.posix.normalize(path.posix.join(path.posix.dirname(file), spec)) };
    const pkg = Object.keys(PACKAGES).find((name) => spec === name || spec.startsWith(`${name}/`));
    return { spec, target: pkg ? PACKAGES[pkg]! + spec.slice(pkg.length) : `pkg:${spec}` };
  });
}

const within = (target: string, dir: string): boolean => target === dir || target.startsWith(`${dir}/`);
const harnessExists = existsSync(path.join(ROOT, 'harness'));
/** The node's assembly: the only server files that may import server/app.ts. */
const COMPOSITION_ROOT = new Set(['server/app.ts', 'server/domains.ts', 'server/main.ts']);

interface Rule {
  files: string[];
  /** True for a target (reached with `spec`) these files must not import. */
  forbidden: (target: string, spec: string) => boolean;
}

const RULES: Record<string, Rule> = {
  'media ↛ server': { files: filesUnder('media'), forbidden: (t) => within(t, 'server') },
  'protocol ↛ anything of ours (protocol/src imports only zod and itself)': {
    files: filesUnder('protocol/src'),
    forbidden: (t) => !(within(t, 'protocol/src') || t === 'pkg:zod' || t.startsWith('pkg:zod/')),
  },
  'client-sdk ↛ server': { files: filesUnder('client-sdk/src'), forbidden: (t) => within(t, 'server') || within(t, 'media') },
  // The pages reach the SDK and the protocol by package name only: a relative path out of web/ is refused too.
  'web ↛ server (the pages are browser code: the SDK and the protocol by package name, and themselves)': {
    files: filesUnder('web'),
    forbidden: (t, spec) =>
      ['server', 'media', 'test', 'harness', 'bench'].some((dir) => within(t, dir)) || (spec.startsWith('.') && !within(t, 'web')),
  },
  'domains ↛ app (domains import the context types from server/kernel)': {
    files: filesUnder('server').filter((f) => !COMPOSITION_ROOT.has(f)),
    forbidden: (t) => t === 'server/app.ts',
  },
  'kernel ↛ edge': { files: filesUnder('server/kernel'), forbidden: (t) => within(t, 'server/edge') },
  'edge ↛ domains (the edge imports only the kernel)': {
    files: filesUnder('server/edge'),
    forbidden: (t) => within(t, 'server') && !within(t, 'server/edge') && !within(t, 'server/kernel'),
  },
  'moderation ↛ chat (moderation owns the keys chat reads; it deletes messages through the ChatHistory it is given)': {
    files: filesUnder('server/moderation'),
    forbidden: (t) => within(t, 'server/chat'),
  },
  "chat imports only moderation's keys (server/moderation/keys.ts) of moderation": {
    files: filesUnder('server/chat'),
    forbidden: (t) => within(t, 'server/moderation') && t !== 'server/moderation/keys.ts',
  },
  'presence ↛ likes (likes is one of the stats sources presence is given: server/presence/statsSource.ts)': {
    files: filesUnder('server/presence'),
    forbidden: (t) => within(t, 'server/likes'),
  },
  'server and media ↛ test, harness, bench (production code never imports test code)': {
    files: [...filesUnder('server'), ...filesUnder('media')],
    forbidden: (t) => within(t, 'test') || within(t, 'harness') || within(t, 'bench'),
  },
  // Both share harness/. Until harness/ exists, bench may still use test/helpers (what harness/ replaces).
  'bench ↛ test (bench and test share harness/)': {
    files: filesUnder('bench'),
    forbidden: (t) => within(t, 'test') && (harnessExists || !within(t, 'test/helpers')),
  },
};

/** The folder of `server/` a repository path is in (`server/chat/store.ts` -> `chat`); null for the top-level files. */
const serverFolder = (target: string): string | null => /^server\/([^/]+)\//.exec(target)?.[1] ?? null;

/**
 * Imports between server folders that close a cycle and are not fixed yet, each with the file that makes it. They are
 * left out of the cycle check; the check fails when one disappears, so this list only shrinks.
 */
const KNOWN_CYCLE_EDGES: Record<string, string> = {};

/** The folder-level import graph of `server/`: `from → to` for each pair of folders, with one file and specifier making it. */
function serverFolderGraph(): Map<string, string> {
  const edges = new Map<string, string>();
  for (const file of filesUnder('server')) {
    const from = serverFolder(file);
    if (from === null) continue; // the node's assembly (app.ts, domains.ts, main.ts, config.ts) imports everything
    for (const { spec, target } of importsOf(file)) {
      const to = serverFolder(target);
      if (to !== null && to !== from && !edges.has(`${from} → ${to}`)) edges.set(`${from} → ${to}`, `${file}: ${spec}`);
    }
  }
  return edges;
}

/** The cycles of a graph given as `from → to` keys: its strongly connected components of two or more nodes (Tarjan). */
function cyclesOf(edgeKeys: Iterable<string>): string[][] {
  const next = new Map<string, string[]>();
  for (const key of edgeKeys) {
    const [from, to] = key.split(' → ') as [string, string];
    next.set(from, [...(next.get(from) ?? []), to]);
    if (!next.has(to)) next.set(to, []);
  }
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const onStack = new Set<string>();
  const out: string[][] = [];
  const visit = (v: string): void => {
    index.set(v, index.size);
    low.set(v, index.get(v)!);
    stack.push(v);
    onStack.add(v);
    for (const w of next.get(v)!) {
      if (!index.has(w)) {
        visit(w);
        low.set(v, Math.min(low.get(v)!, low.get(w)!));
      } else if (onStack.has(w)) low.set(v, Math.min(low.get(v)!, index.get(w)!));
    }
    if (low.get(v) !== index.get(v)) return;
    const component: string[] = [];
    let w: string;
    do {
      w = stack.pop()!;
      onStack.delete(w);
      component.push(w);
    } while (w !== v);
    if (component.length > 1) out.push(component.sort());
  };
  for (const v of [...next.keys()].sort()) if (!index.has(v)) visit(v);
  return out;
}

describe('import rules', () => {
  it.each(Object.entries(RULES))('%s', (_name, rule) => {
    expect(rule.files.length, 'the rule covers no file: a folder moved?').toBeGreaterThan(0);
    const broken = rule.files.flatMap((file) =>
      importsOf(file)
        .filter(({ target, spec }) => rule.forbidden(target, spec))
        .map(({ spec }) => `${file}: ${spec}`),
    );
    expect(broken).toEqual([]);
  });

  it("no import cycles between server folders (domains, kernel, edge): each folder's imports go one way", () => {
    const edges = serverFolderGraph();
    expect(edges.size, 'no import between server folders found: did the folders move?').toBeGreaterThan(0);
    const gone = Object.keys(KNOWN_CYCLE_EDGES).filter((edge) => !edges.has(edge));
    expect(gone, 'a known cycle edge is gone: remove it from KNOWN_CYCLE_EDGES (and docs/architecture.md)').toEqual([]);
    const cycles = cyclesOf([...edges.keys()].filter((edge) => !(edge in KNOWN_CYCLE_EDGES)));
    // Each cycle with the imports that make it, so the failure says which file to change.
    const explained = cycles.map((folders) => [
      folders.join(' ⇄ '),
      ...[...edges]
        .filter(([edge]) => folders.includes(edge.split(' → ')[0]!) && folders.includes(edge.split(' → ')[1]!))
        .map(([edge, by]) => `${edge} (${by})`),
    ]);
    expect(explained).toEqual([]);
  });

  it('the cycle finder finds every cycle and nothing else', () => {
    expect(cyclesOf(['a → b', 'b → c', 'c → a', 'c → d', 'd → e', 'e → d', 'f → a'])).toEqual([
      ['d', 'e'],
      ['a', 'b', 'c'],
    ]);
    expect(cyclesOf(['a → b', 'b → c', 'a → c'])).toEqual([]);
  });

  it('the specifier scan finds static, re-export, side-effect and dynamic imports and resolves them', () => {
    const found = [
      ...`import a from './a.ts';\nexport { b } from "../b.ts";\nimport './c.ts';\nconst d = await import('@hawker/protocol/x');\nimport {\n  e,\n} from 'zod';`.matchAll(
        SPECIFIER,
      ),
    ].map((m) => m[1] ?? m[2]);
    expect(found).toEqual(['./a.ts', '../b.ts', './c.ts', '@hawker/protocol/x', 'zod']);
    expect(importsOf('server/domains.ts').map((i) => i.target)).toContain('server/app.ts');
  });
});
