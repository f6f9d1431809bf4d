/**
 * Which message families (web/pages/lib/messages/) each page module uses and which it imports: the check behind
 * "a module that uses a family's keys imports that family itself" (lib/i18n.ts), read from the sources.
 */
import fs from 'node:fs';
import path from 'node:path';
import { FAMILIES } from '../../../web/pages/lib/messages/all.ts';

const PAGES = 'web/pages';

/** Every key's family. */
export const FAMILY_OF: ReadonlyMap<string, string> = new Map(
  Object.entries(FAMILIES).flatMap(([family, messages]) => Object.keys(messages.en).map((key) => [key, family] as const)),
);

/** The page modules that can show messages: every .ts under web/pages but lib/i18n.ts and the families themselves. */
export function pageModules(): string[] {
  const out: string[] = [];
  const walk = (dir: string) => {
    for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
      const file = path.join(dir, entry.name);
      if (entry.isDirectory()) {
        if (entry.name !== 'messages') walk(file);
      } else if (file.endsWith('.ts') && file !== path.join(PAGES, 'lib/i18n.ts')) out.push(file);
    }
  };
  walk(PAGES);
  return out.sort();
}

/**
 * The families whose keys `source` names: a quoted key (`'room.live'`, also in maps handed to `t` later) or a template
 * with a key prefix (`order.${status}`: every family with keys under that prefix).
 */
export function familiesUsed(source: string): Set<string> {
  const used = new Set<string>();
  for (const m of source.matchAll(/(['"`])([a-z][\w]*(?:\.[\w]+)+)\1/g)) {
    const family = FAMILY_OF.get(m[2]!);
    if (family) used.add(family);
  }
  for (const m of source.matchAll(/`([a-z]\w*(?:\.\w+)*\.)\$\{/g)) {
    for (const [key, family] of FAMILY_OF) if (key.startsWith(m[1]!)) used.add(family);
  }
  return used;
}

/** The families `source` (a module in `file`'s folder) imports for their effect of registering their messages. */
export function familiesImported(file: string, source: string): Set<string> {
  const imported = new Set<string>();
  for (const m of source.matchAll(/^import\s+(?:[^'"]*?\sfrom\s+)?['"]([^'"]+)['"]/gm)) {
    if (/^import\s+type\s/.test(m[0])) continue;
    const target = path.join(path.dirname(file), m[1]!);
    if (path.dirname(target) === path.join(PAGES, 'lib/messages') && target.endsWith('.ts')) imported.add(path.basename(target, '.ts'));
  }
  return imported;
}

/** The keys a page's HTML names in data-i18n attributes (translated by its entry module, e.g. landing.ts). */
export function htmlFamilies(): Map<string, Set<string>> {
  const byEntry = new Map<string, Set<string>>();
  for (const name of fs.readdirSync('web/public').filter((f) => f.endsWith('.html'))) {
    const html = fs.readFileSync(path.join('web/public', name), 'utf8');
    const entry = /src="\/build\/(\w+)\.js"/.exec(html)?.[1];
    if (!entry) continue;
    const families = new Set<string>();
    for (const m of html.matchAll(/data-i18n[\w-]*="([^"]+)"/g)) families.add(FAMILY_OF.get(m[1]!) ?? `unknown key ${m[1]}`);
    byEntry.set(path.join(PAGES, `${entry}.ts`), families);
  }
  return byEntry;
}
