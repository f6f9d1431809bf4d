/**
 * Renders a JSON Schema (as zod's `z.toJSONSchema` produces it) in a compact TypeScript-like notation for the events
 * reference (docs/api/events.md): objects one property a line, `name?:` for optional properties, constraints in
 * parentheses after the type, `= value` for defaults. Keywords it does not know are appended as JSON, so nothing the
 * schema says is dropped silently.
 */

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
type Node = { [key: string]: Json };

/** Explained once at the top of the generated reference. */
export const NOTATION_LEGEND = [
  '- `name?: T`: the property may be omitted; `= v`: the value used when it is omitted.',
  '- Constraints follow the type in parentheses: `string (≤ 120 chars, /regex/)`, `integer (1..99)`, `T[] (≤ 16 items)`.',
  '- `A | B`: either shape; `Record<K, V>`: an object with any keys of type K mapping to V; `unknown`: any JSON value.',
].join('\n');

const KNOWN = new Set([
  '$schema',
  'type',
  'enum',
  'const',
  'anyOf',
  'oneOf',
  'allOf',
  'properties',
  'required',
  'additionalProperties',
  'propertyNames',
  'items',
  'prefixItems',
  'minLength',
  'maxLength',
  'pattern',
  'format',
  'minimum',
  'maximum',
  'exclusiveMinimum',
  'exclusiveMaximum',
  'multipleOf',
  'minItems',
  'maxItems',
  'default',
  'description',
  '$ref',
  '$defs',
  'title',
]);

/** The notation for `schema`; continuation lines are indented by `indent`. */
export function schemaText(schema: unknown, indent = ''): string {
  if (schema === true || (isNode(schema) && Object.keys(schema).filter((k) => k !== '$schema').length === 0)) return 'unknown';
  if (schema === false) return 'never';
  if (!isNode(schema)) return `json ${JSON.stringify(schema)}`;
  const base = baseText(schema, indent);
  const extra = Object.fromEntries(Object.entries(schema).filter(([k]) => !KNOWN.has(k)));
  return Object.keys(extra).length ? `${base} /* ${JSON.stringify(extra)} */` : base;
}

function baseText(s: Node, indent: string): string {
  if (typeof s.$ref === 'string') return `ref ${s.$ref}`;
  if (s.const !== undefined) return JSON.stringify(s.const);
  if (Array.isArray(s.enum)) return s.enum.map((v) => JSON.stringify(v)).join(' | ');
  const union = (Array.isArray(s.anyOf) ? s.anyOf : Array.isArray(s.oneOf) ? s.oneOf : undefined) as Json[] | undefined;
  if (union)
    return withConstraints(
      joinUnion(
        union.map((m) => schemaText(m, indent)),
        indent,
        ' | ',
      ),
      s,
    );
  if (Array.isArray(s.allOf))
    return joinUnion(
      s.allOf.map((m) => schemaText(m, indent)),
      indent,
      ' & ',
    );
  const types = Array.isArray(s.type) ? (s.type as string[]) : typeof s.type === 'string' ? [s.type] : [];
  if (types.length > 1) return types.map((t) => baseText({ ...s, type: t }, indent)).join(' | ');
  const type = types[0];
  if (type === 'object' || (!type && (s.properties || s.additionalProperties))) return objectText(s, indent);
  if (type === 'array') return arrayText(s, indent);
  if (type) return withConstraints(type, s);
  return withConstraints('unknown', s);
}

function objectText(s: Node, indent: string): string {
  const props = isNode(s.properties) ? s.properties : {};
  const required = new Set(Array.isArray(s.required) ? s.required : []);
  const inner = `${indent}  `;
  const lines = Object.entries(props).map(([name, prop]) => {
    const key = /^[A-Za-z_$][\w$]*$/.test(name) ? name : JSON.stringify(name);
    const dflt = isNode(prop) && prop.default !== undefined ? ` = ${JSON.stringify(prop.default)}` : '';
    return `${inner}${key}${required.has(name) ? '' : '?'}: ${schemaText(prop, inner)}${dflt}`;
  });
  const extra = s.additionalProperties;
  if (extra !== undefined && extra !== false) {
    const keys = isNode(s.propertyNames) ? schemaText(s.propertyNames, inner) : 'string';
    const record = `Record<${keys}, ${schemaText(extra, indent)}>`;
    if (lines.length === 0) return record;
    lines.push(`${inner}[other: ${keys}]: ${schemaText(extra, inner)}`);
  }
  if (lines.length === 0) return '{}';
  return `{\n${lines.join('\n')}\n${indent}}`;
}

function arrayText(s: Node, indent: string): string {
  let body: string;
  if (Array.isArray(s.prefixItems)) {
    const rest = s.items === undefined || s.items === false ? '' : `, ...${schemaText(s.items, indent)}[]`;
    body = `[${s.prefixItems.map((m) => schemaText(m, indent)).join(', ')}${rest}]`;
  } else {
    const item = s.items === undefined ? 'unknown' : schemaText(s.items, indent);
    body = item.includes('\n') || item.includes(' ') ? `Array<${item}>` : `${item}[]`;
  }
  const count = range(s.minItems, s.maxItems, 'items');
  return count ? `${body} (${count})` : body;
}

/** `type (constraints)` for scalars (and unions, where only `default`-like keywords could apply). */
function withConstraints(type: string, s: Node): string {
  const parts: string[] = [];
  if (typeof s.format === 'string') parts.push(s.format);
  const chars = range(s.minLength, s.maxLength, 'chars');
  if (chars) parts.push(chars);
  if (typeof s.pattern === 'string') parts.push(`/${s.pattern}/`);
  const low = typeof s.exclusiveMinimum === 'number' ? `> ${s.exclusiveMinimum}` : undefined;
  const high = typeof s.exclusiveMaximum === 'number' ? `< ${s.exclusiveMaximum}` : undefined;
  // zod's .int() bounds integers to the safe range: implied by `integer`, not worth printing.
  const safe = (v: Json | undefined, limit: number) => (v === limit ? undefined : v);
  const bounds = range(safe(s.minimum, Number.MIN_SAFE_INTEGER), safe(s.maximum, Number.MAX_SAFE_INTEGER), '');
  if (bounds) parts.push(bounds);
  if (low) parts.push(low);
  if (high) parts.push(high);
  if (typeof s.multipleOf === 'number') parts.push(`multiple of ${s.multipleOf}`);
  return parts.length ? `${type} (${parts.join(', ')})` : type;
}

function range(min: Json | undefined, max: Json | undefined, unit: string): string | undefined {
  const u = unit ? ` ${unit}` : '';
  const lo = typeof min === 'number' ? min : undefined;
  const hi = typeof max === 'number' ? max : undefined;
  if (lo !== undefined && hi !== undefined) return lo === hi ? `${lo}${u}` : `${lo}..${hi}${u}`;
  if (lo !== undefined) return lo === 0 && unit ? undefined : `≥ ${lo}${u}`;
  if (hi !== undefined) return `≤ ${hi}${u}`;
  return undefined;
}

/** One line when every member is; otherwise each member on its own line, led by the separator. */
function joinUnion(members: string[], indent: string, sep: ' | ' | ' & '): string {
  if (members.every((m) => !m.includes('\n'))) return members.join(sep);
  return members.join(`\n${indent}${sep.trim()} `);
}

function isNode(v: unknown): v is Node {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}
