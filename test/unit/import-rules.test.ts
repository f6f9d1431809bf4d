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

const SPECIFIER = /\bfrom\s*['"]([^'"]+)['"]|\bimport\s*\(?\s*['"]([^'"]+)['"]/g;

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

describe('import rules', () => {
  it.each(Object.entries(RULES))('%s', (_name, rule) => {
    expect(rule.files.length, 'the rule covers no file: a folder moved?').toBeGreaterThan(0);
    const broken = rule.files.flatMap((file) => importsOf(file).filter(({ target, spec }) => rule.forbidden(target, spec)).map(({ spec }) => `${file}: ${spec}`));
    expect(broken).toEqual([]);
  });

  it('the specifier scan finds static, re-export, side-effect and dynamic imports and resolves them', () => {
    const found = [...`import a from './a.ts';\nexport { b } from "../b.ts";\nimport './c.ts';\nconst d = await import('@hawker/protocol/x');\nimport {\n  e,\n} from 'zod';`.matchAll(SPECIFIER)].map((m) => m[1] ?? m[2]);
    expect(found).toEqual(['./a.ts', '../b.ts', './c.ts', '@hawker/protocol/x', 'zod']);
    expect(importsOf('server/domains.ts').map((i) => i.target)).toContain('server/app.ts');
  });
});
