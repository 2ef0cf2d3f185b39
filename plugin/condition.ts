/**
 * @module plugin/condition — `successCondition` / `failureCondition` in a documented subset of expr-lang syntax
 * (the language Argo's `utils/evaluate` uses), and Argo's outcome table for combining them.
 *
 * Supported: literals (numbers, 'single' or "double" quoted strings, true, false, nil); `result` and its fields
 * (`result.a.b`, `result["a"]`, `result.list[0]`); `! not - +`; `* / %`; `+ -` (numbers, or string concatenation);
 * `== != < <= > >=`; `in` (list membership, map key); `&& and`; `|| or`; parentheses; and the functions `len`,
 * `asInt`, `asFloat`, `isNaN`, `isInf`, `isNil`, `default`.
 */

/** A parse error with the 1-based column of the offending token. */
export class ConditionSyntaxError extends Error {
  override name = 'ConditionSyntaxError';
  readonly column: number;
  readonly problem: string;
  constructor(column: number, problem: string) {
    super(`${problem} at column ${column}`);
    this.column = column;
    this.problem = problem;
  }
}

/** The expression parsed but failed at run time (wrong types, missing fields). */
export class ConditionEvalError extends Error {
  override name = 'ConditionEvalError';
}

type Value = unknown;
type Env = { result: Value };
type Node = (env: Env) => Value;

interface Token {
  kind: 'num' | 'str' | 'ident' | 'op' | 'end';
  text: string;
  value?: number | string;
  col: number;
}

const OPS = [
  '&&',
  '||',
  '==',
  '!=',
  '<=',
  '>=',
  '<',
  '>',
  '!',
  '+',
  '-',
  '*',
  '/',
  '%',
  '(',
  ')',
  '[',
  ']',
  '.',
  ',',
];

function tokenize(src: string): Token[] {
  const out: Token[] = [];
  let i = 0;
  while (i < src.length) {
    const c = src[i] as string;
    if (/\s/.test(c)) {
      i++;
      continue;
    }
    const col = i + 1;
    const num = /^(\d+(\.\d+)?([eE][+-]?\d+)?)/.exec(src.slice(i));
    if (num) {
      out.push({ kind: 'num', text: num[1] as string, value: Number(num[1]), col });
      i += (num[1] as string).length;
      continue;
    }
    if (c === '"' || c === "'") {
      const { value, end } = readString(src, i);
      out.push({ kind: 'str', text: src.slice(i, end), value, col });
      i = end;
      continue;
    }
    const ident = /^[A-Za-z_][A-Za-z0-9_]*/.exec(src.slice(i));
    if (ident) {
      out.push({ kind: 'ident', text: ident[0], col });
      i += ident[0].length;
      continue;
    }
    const op = OPS.find((o) => src.startsWith(o, i));
    if (!op) throw new ConditionSyntaxError(col, `unexpected character ${JSON.stringify(c)}`);
    out.push({ kind: 'op', text: op, col });
    i += op.length;
  }
  out.push({ kind: 'end', text: 'end of expression', col: src.length + 1 });
  return out;
}

function readString(src: string, start: number): { value: string; end: number } {
  const quote = src[start];
  let out = '';
  for (let i = start + 1; i < src.length; i++) {
    const c = src[i] as string;
    if (c === quote) return { value: out, end: i + 1 };
    if (c === '\\' && i + 1 < src.length) {
      const n = src[++i] as string;
      out += ({ n: '\n', t: '\t', r: '\r' } as Record<string, string>)[n] ?? n;
    } else out += c;
  }
  throw new ConditionSyntaxError(start + 1, 'unterminated string');
}

const FUNCTIONS: Record<string, { arity: number; fn: (...a: Value[]) => Value }> = {
  len: { arity: 1, fn: (v) => lengthOf(v) },
  asInt: { arity: 1, fn: (v) => toNumber(v, 'asInt', true) },
  asFloat: { arity: 1, fn: (v) => toNumber(v, 'asFloat', false) },
  isNaN: { arity: 1, fn: (v) => typeof v === 'number' && Number.isNaN(v) },
  isInf: { arity: 1, fn: (v) => v === Infinity || v === -Infinity },
  isNil: { arity: 1, fn: (v) => v === null || v === undefined },
  default: { arity: 2, fn: (v, d) => (v === null || v === undefined || v === '' ? d : v) },
};

function lengthOf(v: Value): number {
  if (typeof v === 'string' || Array.isArray(v)) return v.length;
  if (isRecord(v)) return Object.keys(v).length;
  throw new ConditionEvalError(`len() needs a string, list or map, got ${typeName(v)}`);
}

function toNumber(v: Value, fn: string, int: boolean): number {
  const n = typeof v === 'number' ? v : typeof v === 'string' && v.trim() !== '' ? Number(v) : NaN;
  if (Number.isNaN(n) && !(typeof v === 'number'))
    throw new ConditionEvalError(`${fn}(${JSON.stringify(v)}) is not a number`);
  return int ? Math.trunc(n) : n;
}

function isRecord(v: Value): v is Record<string, Value> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function typeName(v: Value): string {
  if (v === null || v === undefined) return 'nil';
  if (Array.isArray(v)) return 'list';
  return typeof v === 'object' ? 'map' : typeof v;
}

function equal(a: Value, b: Value): boolean {
  if ((a === null || a === undefined) && (b === null || b === undefined)) return true;
  return a === b;
}

function compare(op: string, a: Value, b: Value): boolean {
  const ok =
    (typeof a === 'number' && typeof b === 'number') || (typeof a === 'string' && typeof b === 'string');
  if (!ok) throw new ConditionEvalError(`cannot compare ${typeName(a)} ${op} ${typeName(b)}`);
  const x = a as number | string;
  const y = b as number | string;
  return op === '<' ? x < y : op === '<=' ? x <= y : op === '>' ? x > y : x >= y;
}

function arith(op: string, a: Value, b: Value): Value {
  if (op === '+' && typeof a === 'string' && typeof b === 'string') return a + b;
  if (typeof a !== 'number' || typeof b !== 'number') {
    throw new ConditionEvalError(`cannot apply ${op} to ${typeName(a)} and ${typeName(b)}`);
  }
  switch (op) {
    case '+':
      return a + b;
    case '-':
      return a - b;
    case '*':
      return a * b;
    case '/':
      return a / b;
    default:
      return a % b;
  }
}

function truthy(v: Value, what: string): boolean {
  if (typeof v !== 'boolean') throw new ConditionEvalError(`${what} needs a bool, got ${typeName(v)}`);
  return v;
}

function member(obj: Value, key: Value): Value {
  if (Array.isArray(obj)) {
    if (typeof key !== 'number' || !Number.isInteger(key))
      throw new ConditionEvalError('a list index must be an integer');
    const i = key < 0 ? obj.length + key : key;
    if (i < 0 || i >= obj.length)
      throw new ConditionEvalError(`index ${key} out of range (len ${obj.length})`);
    return obj[i];
  }
  if (isRecord(obj)) return Object.hasOwn(obj, String(key)) ? obj[String(key)] : null;
  throw new ConditionEvalError(`cannot read ${JSON.stringify(key)} of ${typeName(obj)}`);
}

/** Recursive-descent parser producing closures. */
class Parser {
  private readonly toks: Token[];
  private i = 0;
  constructor(src: string) {
    this.toks = tokenize(src);
  }
  private peek(): Token {
    return this.toks[this.i] as Token;
  }
  private isOp(...ops: string[]): boolean {
    const t = this.peek();
    return (t.kind === 'op' && ops.includes(t.text)) || (t.kind === 'ident' && ops.includes(t.text));
  }
  private expect(op: string): void {
    const t = this.peek();
    if (t.kind !== 'op' || t.text !== op)
      throw new ConditionSyntaxError(t.col, `expected "${op}" but found ${show(t)}`);
    this.i++;
  }
  parse(): Node {
    const n = this.or();
    const t = this.peek();
    if (t.kind !== 'end') throw new ConditionSyntaxError(t.col, `unexpected ${show(t)}`);
    return n;
  }
  private binary(next: () => Node, ops: string[], apply: (op: string, l: Node, r: Node) => Node): Node {
    let left = next();
    while (this.isOp(...ops)) {
      const op = (this.toks[this.i++] as Token).text;
      const right = next();
      left = apply(op, left, right);
    }
    return left;
  }
  private or(): Node {
    return this.binary(
      () => this.and(),
      ['||', 'or'],
      (_op, l, r) => (e) => truthy(l(e), 'or') || truthy(r(e), 'or'),
    );
  }
  private and(): Node {
    return this.binary(
      () => this.cmp(),
      ['&&', 'and'],
      (_op, l, r) => (e) => truthy(l(e), 'and') && truthy(r(e), 'and'),
    );
  }
  private cmp(): Node {
    return this.binary(
      () => this.add(),
      ['==', '!=', '<', '<=', '>', '>=', 'in'],
      (op, l, r) => {
        if (op === '==') return (e) => equal(l(e), r(e));
        if (op === '!=') return (e) => !equal(l(e), r(e));
        if (op === 'in') return (e) => contains(r(e), l(e));
        return (e) => compare(op, l(e), r(e));
      },
    );
  }
  private add(): Node {
    return this.binary(
      () => this.mul(),
      ['+', '-'],
      (op, l, r) => (e) => arith(op, l(e), r(e)),
    );
  }
  private mul(): Node {
    return this.binary(
      () => this.unary(),
      ['*', '/', '%'],
      (op, l, r) => (e) => arith(op, l(e), r(e)),
    );
  }
  private unary(): Node {
    if (this.isOp('!', 'not')) {
      this.i++;
      const n = this.unary();
      return (e) => !truthy(n(e), 'not');
    }
    if (this.isOp('-', '+')) {
      const op = (this.toks[this.i++] as Token).text;
      const n = this.unary();
      return (e) => arith(op, 0, n(e));
    }
    return this.postfix(this.primary());
  }
  private postfix(node: Node): Node {
    for (;;) {
      if (this.isOp('.')) {
        this.i++;
        const t = this.peek();
        if (t.kind !== 'ident')
          throw new ConditionSyntaxError(t.col, `expected a field name after "." but found ${show(t)}`);
        this.i++;
        const base = node;
        node = (e) => member(base(e), t.text);
      } else if (this.isOp('[')) {
        this.i++;
        const key = this.or();
        this.expect(']');
        const base = node;
        node = (e) => member(base(e), key(e));
      } else return node;
    }
  }
  private primary(): Node {
    const t = this.peek();
    this.i++;
    if (t.kind === 'num' || t.kind === 'str') return () => t.value;
    if (t.kind === 'op' && t.text === '(') {
      const n = this.or();
      this.expect(')');
      return n;
    }
    if (t.kind === 'ident') return this.identifier(t);
    throw new ConditionSyntaxError(t.col, `unexpected ${show(t)}`);
  }
  private identifier(t: Token): Node {
    if (t.text === 'true') return () => true;
    if (t.text === 'false') return () => false;
    if (t.text === 'nil') return () => null;
    if (t.text === 'result') return (e) => e.result;
    const fn = FUNCTIONS[t.text];
    if (!fn || !this.isOp('('))
      throw new ConditionSyntaxError(
        t.col,
        `unknown name "${t.text}" (only result and the documented functions exist)`,
      );
    this.i++;
    const args: Node[] = [];
    if (!this.isOp(')')) {
      args.push(this.or());
      while (this.isOp(',')) {
        this.i++;
        args.push(this.or());
      }
    }
    this.expect(')');
    if (args.length !== fn.arity)
      throw new ConditionSyntaxError(t.col, `${t.text}() takes ${fn.arity} argument(s), got ${args.length}`);
    return (e) => fn.fn(...args.map((a) => a(e)));
  }
}

function contains(haystack: Value, needle: Value): boolean {
  if (Array.isArray(haystack)) return haystack.some((x) => equal(x, needle));
  if (isRecord(haystack)) return Object.hasOwn(haystack, String(needle));
  throw new ConditionEvalError(`"in" needs a list or map on the right, got ${typeName(haystack)}`);
}

function show(t: Token): string {
  return t.kind === 'end' ? 'the end of the expression' : `"${t.text}"`;
}

/** A compiled condition: call it with the measurement result; it returns a bool or throws ConditionEvalError. */
export type Condition = (result: Value) => boolean;

/** Parses a condition. Throws {@link ConditionSyntaxError} with the column of the problem. */
export function compileCondition(source: string): Condition {
  const node = new Parser(source).parse();
  return (result) => {
    const v = node({ result });
    if (typeof v !== 'boolean')
      throw new ConditionEvalError(`the expression must be a bool, got ${typeName(v)}`);
    return v;
  };
}

/** Argo's outcome table (`utils/evaluate/evaluate.go` `EvaluateResult`). */
export function outcome(
  success: boolean | undefined,
  failure: boolean | undefined,
): 'Successful' | 'Failed' | 'Inconclusive' {
  if (success === undefined && failure === undefined) return 'Successful';
  if (failure === undefined) return success ? 'Successful' : 'Failed';
  if (success === undefined) return failure ? 'Failed' : 'Successful';
  if (failure) return 'Failed';
  return success ? 'Successful' : 'Inconclusive';
}
