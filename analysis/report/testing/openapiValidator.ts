/** @module analysis/report/testing/openapiValidator — validates requests and responses against GitHub's OpenAPI. */
import { readFile } from 'node:fs/promises';
import { Ajv, type ValidateFunction } from 'ajv';
import addFormatsModule from 'ajv-formats';

// ajv-formats is CommonJS; under NodeNext its default export is the module object.
const addFormats = addFormatsModule as unknown as (ajv: Ajv) => Ajv;

type Json = Record<string, unknown>;

/** OpenAPI 3.0 `nullable` → JSON Schema (Ajv rejects `nullable` without `type`, which GitHub's description has). */
function denullable(node: unknown): unknown {
  if (Array.isArray(node)) return node.map(denullable);
  if (!node || typeof node !== 'object') return node;
  const out: Json = {};
  for (const [k, v] of Object.entries(node)) out[k] = k === 'example' || k === 'examples' ? v : denullable(v);
  if (out['nullable'] !== true) return out;
  delete out['nullable'];
  if (typeof out['type'] === 'string' && !out['enum']) return { ...out, type: [out['type'], 'null'] };
  return { anyOf: [out, { type: 'null' }] };
}

function pointer(path: string[]): string {
  return path.map((p) => p.replace(/~/g, '~0').replace(/\//g, '~1')).join('/');
}

/** One operation of the description, matched from a concrete method and path. */
export interface MatchedOperation {
  template: string;
  method: string;
  operationId: string;
  pathParams: Record<string, string>;
}

/** A found mismatch between traffic and GitHub's description. */
export interface Violation {
  where: 'request' | 'response';
  operation: string;
  detail: string;
}

/** Request fields GitHub documents outside the OpenAPI description (with the source), allowed by the strict check. */
const DOCUMENTED_EXTRAS: Record<string, string[]> = {
  // https://github.blog/changelog/2025-12-03-assign-issues-to-copilot-using-the-api (not in @octokit/openapi 23.0.2)
  'issues/add-assignees': ['agent_assignment'],
  'issues/create': ['agent_assignment'],
};

export class OpenApiValidator {
  readonly #spec: Json;
  readonly #ajv: Ajv;
  readonly #cache = new Map<string, ValidateFunction>();
  readonly #routes: { re: RegExp; template: string; names: string[] }[];

  private constructor(spec: Json) {
    this.#spec = spec;
    this.#ajv = new Ajv({
      strict: false,
      allErrors: true,
      validateSchema: false,
      logger: false,
      coerceTypes: false,
    });
    addFormats(this.#ajv);
    this.#ajv.addSchema(spec, 'gh');
    this.#routes = Object.keys(spec['paths'] as Json).map((template) => {
      const names: string[] = [];
      const re = new RegExp(
        `^${template.replace(/[.*+?^$()|[\]\\]/g, '\\$&').replace(/\{(\w+)\}/g, (_m, n: string) => (names.push(n), '([^/]+)'))}$`,
      );
      return { re, template, names };
    });
  }

  /** Loads the description (≈13 MB, ≈0.3 s) and prepares Ajv. */
  static async load(path: string): Promise<OpenApiValidator> {
    return new OpenApiValidator(denullable(JSON.parse(await readFile(path, 'utf8'))) as Json);
  }

  /** The operation for a method and concrete path, preferring literal segments over parameters. */
  match(method: string, path: string): MatchedOperation | undefined {
    const m = method.toLowerCase();
    const hits = this.#routes
      .map((r) => ({ r, x: r.re.exec(path) }))
      .filter((h) => h.x && ((this.#spec['paths'] as Json)[h.r.template] as Json)[m])
      .sort((a, b) => a.r.names.length - b.r.names.length);
    const hit = hits[0];
    if (!hit?.x) return undefined;
    const op = ((this.#spec['paths'] as Json)[hit.r.template] as Json)[m] as Json;
    const pathParams = Object.fromEntries(
      hit.r.names.map((n, i) => [n, decodeURIComponent(hit.x?.[i + 1] ?? '')]),
    );
    return { template: hit.r.template, method: m, operationId: String(op['operationId']), pathParams };
  }

  #op(op: MatchedOperation): Json {
    return ((this.#spec['paths'] as Json)[op.template] as Json)[op.method] as Json;
  }

  #deref(node: Json): Json {
    let n = node;
    for (let i = 0; i < 5 && typeof n['$ref'] === 'string'; i++) {
      const parts = (n['$ref'] as string).replace(/^#\//, '').split('/');
      n = parts.reduce<Json>((acc, p) => acc[p.replace(/~1/g, '/').replace(/~0/g, '~')] as Json, this.#spec);
    }
    return n;
  }

  #validator(ptr: string[]): ValidateFunction {
    const key = pointer(ptr);
    let v = this.#cache.get(key);
    if (!v) {
      v = this.#ajv.compile({ $ref: `gh#/${key}` });
      this.#cache.set(key, v);
    }
    return v;
  }

  #errors(v: ValidateFunction): string {
    return (v.errors ?? [])
      .slice(0, 5)
      .map((e) => `${e.instancePath || '/'} ${e.message ?? ''}`)
      .join('; ');
  }

  /** Checks query and path parameters (types, enums, required, no unknown names) and the JSON body. */
  validateRequest(op: MatchedOperation, query: URLSearchParams, body: unknown): string[] {
    return [...this.#checkParams(op, query), ...this.#checkBody(op, body)];
  }

  #checkParams(op: MatchedOperation, query: URLSearchParams): string[] {
    const problems: string[] = [];
    const params = ((this.#op(op)['parameters'] as Json[] | undefined) ?? []).map((p) => this.#deref(p));
    const known = new Set(params.map((p) => String(p['name'])));
    for (const name of query.keys()) if (!known.has(name)) problems.push(`unknown query parameter "${name}"`);
    for (const p of params) {
      const name = String(p['name']);
      const where = String(p['in']);
      const raw =
        where === 'path'
          ? op.pathParams[name]
          : where === 'query'
            ? (query.get(name) ?? undefined)
            : undefined;
      if (raw === undefined) {
        if (p['required'] === true && where !== 'header')
          problems.push(`missing required ${where} parameter "${name}"`);
        continue;
      }
      const schema = p['schema'] as Json;
      const value = schema['type'] === 'integer' || schema['type'] === 'number' ? Number(raw) : raw;
      const v = this.#ajv.compile(schema);
      if (!v(value)) problems.push(`${where} parameter "${name}"=${JSON.stringify(raw)}: ${this.#errors(v)}`);
    }
    return problems;
  }

  #checkBody(op: MatchedOperation, body: unknown): string[] {
    const rb = this.#op(op)['requestBody'] as Json | undefined;
    if (!rb) return body === undefined ? [] : ['body sent to an operation that takes none'];
    const content = (this.#deref(rb)['content'] as Json | undefined)?.['application/json'] as
      Json | undefined;
    if (!content) return [];
    const v = this.#validator([
      'paths',
      op.template,
      op.method,
      'requestBody',
      'content',
      'application/json',
      'schema',
    ]);
    const problems = v(body) ? [] : [`body: ${this.#errors(v)}`];
    // Strict: a property the description does not know is a typo until shown documented (DOCUMENTED_EXTRAS).
    const props = Object.keys(
      (this.#deref(content['schema'] as Json)['properties'] as Json | undefined) ?? {},
    );
    const extras = DOCUMENTED_EXTRAS[op.operationId] ?? [];
    if (!body || typeof body !== 'object' || Array.isArray(body) || props.length === 0) return problems;
    for (const k of Object.keys(body))
      if (!props.includes(k) && !extras.includes(k)) problems.push(`body: unknown property "${k}"`);
    return problems;
  }

  /** Checks a response body against the schema declared for its status (basic-error for undeclared error statuses). */
  validateResponse(op: MatchedOperation, status: number, body: unknown): string[] {
    const responses = this.#op(op)['responses'] as Json;
    const declared = responses[String(status)] as Json | undefined;
    if (!declared) {
      if (status >= 400) {
        const v = this.#validator(['components', 'schemas', 'basic-error']);
        return v(body) ? [] : [`${status} body: ${this.#errors(v)}`];
      }
      return [`status ${status} is not declared for ${op.operationId}`];
    }
    const resolved = this.#deref(declared);
    const content = (resolved['content'] as Json | undefined)?.['application/json'] as Json | undefined;
    if (!content?.['schema'])
      return body === undefined || body === '' ? [] : [`${status} should have no body`];
    const ptr =
      typeof declared['$ref'] === 'string'
        ? [
            ...(declared['$ref'] as string)
              .replace(/^#\//, '')
              .split('/')
              .map((p) => p.replace(/~1/g, '/')),
            'content',
            'application/json',
            'schema',
          ]
        : [
            'paths',
            op.template,
            op.method,
            'responses',
            String(status),
            'content',
            'application/json',
            'schema',
          ];
    const v = this.#validator(ptr);
    return v(body) ? [] : [`${status} body: ${this.#errors(v)}`];
  }

  /** A `components/examples/<name>` value, deep-copied: the fake builds its objects from GitHub's own examples. */
  example(name: string): Json {
    const ex = ((this.#spec['components'] as Json)['examples'] as Json)[name] as Json | undefined;
    if (!ex) throw new Error(`no example ${name} in the OpenAPI description`);
    return structuredClone(ex['value']) as Json;
  }
}
