// A small OData $filter parser and evaluator: comparisons (eq ne gt ge lt le), and/or/not,
// parentheses, startswith/endswith/contains, string/number/boolean/null/GUID literals.
// String comparison is case-insensitive, as in Graph directory queries and Dataverse.
import { isGuid } from '../util/guid.ts';

export class FilterError extends Error {}

export type FilterNode =
  | { type: 'literal'; value: string | number | boolean | null }
  | { type: 'property'; name: string }
  | { type: 'compare'; op: 'eq' | 'ne' | 'gt' | 'ge' | 'lt' | 'le'; left: FilterNode; right: FilterNode }
  | { type: 'logical'; op: 'and' | 'or'; left: FilterNode; right: FilterNode }
  | { type: 'not'; operand: FilterNode }
  | { type: 'call'; name: 'startswith' | 'endswith' | 'contains'; args: FilterNode[] };

type Token = { kind: 'string' | 'word' | 'number' | 'punct'; text: string };

const COMPARISONS = new Set(['eq', 'ne', 'gt', 'ge', 'lt', 'le']);
const FUNCTIONS = new Set(['startswith', 'endswith', 'contains']);

function tokenize(text: string): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  while (i < text.length) {
    const ch = text[i]!;
    if (/\s/.test(ch)) {
      i++;
    } else if (ch === "'") {
      let value = '';
      i++;
      for (;;) {
        if (i >= text.length) throw new FilterError('unterminated string literal');
        if (text[i] === "'") {
          if (text[i + 1] === "'") {
            value += "'";
            i += 2;
            continue;
          }
          i++;
          break;
        }
        value += text[i++];
      }
      tokens.push({ kind: 'string', text: value });
    } else if (ch === '(' || ch === ')' || ch === ',') {
      tokens.push({ kind: 'punct', text: ch });
      i++;
    } else {
      const match = /^[A-Za-z0-9_.@/:+-]+/.exec(text.slice(i));
      if (!match) throw new FilterError(`unexpected character '${ch}'`);
      const word = match[0];
      tokens.push({ kind: /^-?\d+(\.\d+)?$/.test(word) ? 'number' : 'word', text: word });
      i += word.length;
    }
  }
  return tokens;
}

export function parseFilter(text: string): FilterNode {
  const tokens = tokenize(text);
  let pos = 0;
  const peek = (): Token | undefined => tokens[pos];
  const isWord = (t: Token | undefined, word: string): boolean => t?.kind === 'word' && t.text.toLowerCase() === word;
  const expect = (text: string): void => {
    const t = tokens[pos++];
    if (t?.kind !== 'punct' || t.text !== text) throw new FilterError(`expected '${text}'`);
  };

  const parseOr = (): FilterNode => {
    let left = parseAnd();
    while (isWord(peek(), 'or')) {
      pos++;
      left = { type: 'logical', op: 'or', left, right: parseAnd() };
    }
    return left;
  };
  const parseAnd = (): FilterNode => {
    let left = parseUnary();
    while (isWord(peek(), 'and')) {
      pos++;
      left = { type: 'logical', op: 'and', left, right: parseUnary() };
    }
    return left;
  };
  const parseUnary = (): FilterNode => {
    if (isWord(peek(), 'not')) {
      pos++;
      return { type: 'not', operand: parseUnary() };
    }
    const left = parseValue();
    const next = peek();
    if (next?.kind === 'word' && COMPARISONS.has(next.text.toLowerCase())) {
      pos++;
      return { type: 'compare', op: next.text.toLowerCase() as 'eq', left, right: parseValue() };
    }
    if (left.type === 'call' || left.type === 'logical' || left.type === 'not' || left.type === 'compare') return left;
    throw new FilterError('expected a comparison');
  };
  const parseValue = (): FilterNode => {
    const t = tokens[pos++];
    if (!t) throw new FilterError('unexpected end of filter');
    if (t.kind === 'punct' && t.text === '(') {
      const inner = parseOr();
      expect(')');
      return inner;
    }
    if (t.kind === 'string') return { type: 'literal', value: t.text };
    if (t.kind === 'number') return { type: 'literal', value: Number(t.text) };
    if (t.kind === 'word') {
      const lower = t.text.toLowerCase();
      if (lower === 'null') return { type: 'literal', value: null };
      if (lower === 'true' || lower === 'false') return { type: 'literal', value: lower === 'true' };
      if (isGuid(t.text)) return { type: 'literal', value: lower };
      if (FUNCTIONS.has(lower) && peek()?.text === '(') {
        pos++;
        const args: FilterNode[] = [parseValue()];
        while (peek()?.text === ',') {
          pos++;
          args.push(parseValue());
        }
        expect(')');
        if (args.length !== 2) throw new FilterError(`${lower} takes two arguments`);
        return { type: 'call', name: lower as 'startswith', args };
      }
      if (/^[A-Za-z_@][A-Za-z0-9_./@]*$/.test(t.text)) return { type: 'property', name: t.text };
    }
    throw new FilterError(`unexpected '${t.text}'`);
  };

  const node = parseOr();
  if (pos !== tokens.length) throw new FilterError(`unexpected '${tokens[pos]!.text}'`);
  return node;
}

/** Parses a $filter, turning a syntax error into the caller's own service error (which throws). */
export function parseFilterOr(text: string, fail: (message: string) => never): FilterNode {
  try {
    return parseFilter(text);
  } catch (error) {
    if (error instanceof FilterError) fail(error.message);
    throw error;
  }
}

export function filterProperties(node: FilterNode): string[] {
  switch (node.type) {
    case 'property':
      return [node.name];
    case 'literal':
      return [];
    case 'compare':
    case 'logical':
      return [...filterProperties(node.left), ...filterProperties(node.right)];
    case 'not':
      return filterProperties(node.operand);
    case 'call':
      return node.args.flatMap(filterProperties);
  }
}

export function evaluateFilter(node: FilterNode, get: (property: string) => unknown): boolean {
  return Boolean(value(node, get));
}

function value(node: FilterNode, get: (property: string) => unknown): unknown {
  switch (node.type) {
    case 'literal':
      return node.value;
    case 'property':
      return get(node.name);
    case 'not':
      return !value(node.operand, get);
    case 'logical': {
      const left = Boolean(value(node.left, get));
      return node.op === 'and' ? left && Boolean(value(node.right, get)) : left || Boolean(value(node.right, get));
    }
    case 'call': {
      const [a, b] = node.args.map((arg) => normalize(value(arg, get)));
      if (typeof a !== 'string' || typeof b !== 'string') return false;
      return node.name === 'startswith' ? a.startsWith(b) : node.name === 'endswith' ? a.endsWith(b) : a.includes(b);
    }
    case 'compare': {
      const left = normalize(value(node.left, get));
      const right = normalize(value(node.right, get));
      switch (node.op) {
        case 'eq':
          return left === right;
        case 'ne':
          return left !== right;
        default: {
          if (left === null || right === null || left === undefined || right === undefined) return false;
          const l = left as string | number;
          const r = right as string | number;
          return node.op === 'gt' ? l > r : node.op === 'ge' ? l >= r : node.op === 'lt' ? l < r : l <= r;
        }
      }
    }
  }
}

function normalize(v: unknown): unknown {
  if (v === undefined) return null;
  return typeof v === 'string' ? v.toLowerCase() : v;
}

/** Applies $select: keeps the listed fields (plus `always`), in the listed order. */
export function selectFields(row: Record<string, unknown>, select: string | undefined, always: string[] = []): Record<string, unknown> {
  if (!select) return row;
  const fields = select
    .split(',')
    .map((f) => f.trim())
    .filter(Boolean);
  const out: Record<string, unknown> = {};
  for (const key of always) if (key in row) out[key] = row[key];
  for (const field of fields) {
    const key = Object.keys(row).find((k) => k.toLowerCase() === field.toLowerCase());
    if (key !== undefined) out[key] = row[key];
  }
  return out;
}
