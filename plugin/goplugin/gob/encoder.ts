/**
 * @module plugin/goplugin/gob/encoder — encodes reply values for one direction of one gob stream, sending each
 * user type's definition once before its first use (spec §5.6, `golang/go:src/encoding/gob/encoder.go`).
 */
import { builtinIdOf, FIRST_USER_ID, GobEncoded, GobError, type GobSchema } from './types.ts';

/** Growable byte writer for gob primitives. */
export class GobWriter {
  private buf = new Uint8Array(256);
  length = 0;

  private ensure(n: number): void {
    if (this.length + n <= this.buf.length) return;
    const next = new Uint8Array(Math.max(this.buf.length * 2, this.length + n));
    next.set(this.buf.subarray(0, this.length));
    this.buf = next;
  }
  byte(b: number): void {
    this.ensure(1);
    this.buf[this.length++] = b;
  }
  raw(bytes: Uint8Array): void {
    this.ensure(bytes.length);
    this.buf.set(bytes, this.length);
    this.length += bytes.length;
  }
  uint(v: number | bigint): void {
    let n = BigInt(v);
    if (n < 0n) throw new GobError(`gob: cannot encode negative ${n} as unsigned`);
    if (n < 128n) return this.byte(Number(n));
    const bytes: number[] = [];
    while (n > 0n) {
      bytes.unshift(Number(n & 0xffn));
      n >>= 8n;
    }
    this.byte(256 - bytes.length);
    for (const b of bytes) this.byte(b);
  }
  int(v: number | bigint): void {
    const i = BigInt(v);
    this.uint(i < 0n ? (~i << 1n) | 1n : i << 1n);
  }
  float(v: number): void {
    const dv = new DataView(new ArrayBuffer(8));
    dv.setFloat64(0, v, false);
    this.uint(dv.getBigUint64(0, true));
  }
  bytes(b: Uint8Array): void {
    this.uint(b.length);
    this.raw(b);
  }
  string(s: string): void {
    this.bytes(textEncoder.encode(s));
  }
  result(): Uint8Array {
    return this.buf.slice(0, this.length);
  }
}

const textEncoder = new TextEncoder();

type StructSchema = Extract<GobSchema, { kind: 'struct' }>;

/** A value accepted by the encoder for a given schema (loosely typed; checked at encode time). */
export type EncodableValue = unknown;

/**
 * Per-stream gob encoder. Ids are assigned from 65 in first-use order and never reused on the stream.
 * {@link encode} returns the bytes of every needed type-definition message followed by the value message.
 */
export class GobEncoder {
  private readonly ids = new Map<GobSchema, number>();
  private nextId = FIRST_USER_ID + 1;

  /** Encodes one top-level value of `schema`, preceded by any type definitions this stream has not yet sent. */
  encode(schema: GobSchema, value: EncodableValue): Uint8Array {
    const out = new GobWriter();
    const id = this.define(schema, out);
    const msg = new GobWriter();
    msg.int(id);
    if (schema.kind === 'struct') this.structValue(schema, value, msg);
    else {
      msg.uint(0); // singleton delta
      this.value(schema, value, msg);
    }
    out.uint(msg.length);
    out.raw(msg.result());
    return out.result();
  }

  private idOf(schema: GobSchema): number {
    const b = builtinIdOf(schema);
    if (b !== undefined) return b;
    const id = this.ids.get(schema);
    if (id === undefined) throw new GobError(`gob: type ${schema.kind} has no id yet`);
    return id;
  }

  /** Assigns ids to `schema` and its components and writes definition messages for the new ones. */
  private define(schema: GobSchema, out: GobWriter): number {
    const b = builtinIdOf(schema);
    if (b !== undefined) return b;
    const known = this.ids.get(schema);
    if (known !== undefined) return known;
    const id = this.nextId++;
    this.ids.set(schema, id);
    for (const child of childrenOf(schema)) this.define(child, out);
    const msg = new GobWriter();
    msg.int(-id);
    this.wireType(schema, id, msg);
    out.uint(msg.length);
    out.raw(msg.result());
    return id;
  }

  private wireType(schema: GobSchema, id: number, w: GobWriter): void {
    const common = (name: string): void => {
      w.uint(1);
      if (name) {
        w.uint(1);
        w.string(name);
        w.uint(1);
      } else w.uint(2);
      w.int(id);
      w.uint(0);
    };
    switch (schema.kind) {
      case 'struct':
        w.uint(3); // wireType field 2: StructT
        common(schema.name);
        if (schema.fields.length > 0) {
          w.uint(1);
          w.uint(schema.fields.length);
          for (const f of schema.fields) {
            w.uint(1);
            w.string(f.name);
            w.uint(1);
            w.int(this.idOf(f.type));
            w.uint(0);
          }
        }
        break;
      case 'slice':
        w.uint(2); // field 1: SliceT
        common(schema.name);
        w.uint(1);
        w.int(this.idOf(schema.elem));
        break;
      case 'map':
        w.uint(4); // field 3: MapT
        common(schema.name);
        w.uint(1);
        w.int(this.idOf(schema.key));
        w.uint(1);
        w.int(this.idOf(schema.elem));
        break;
      case 'gobEncoder':
        w.uint(5); // field 4: GobEncoderT — a Go GobDecoder field must receive exactly this kind.
        common(schema.name);
        break;
      default:
        throw new GobError(`gob: no definition for builtin ${schema.kind}`);
    }
    w.uint(0); // end of the kind's struct
    w.uint(0); // end of wireType
  }

  private structValue(schema: StructSchema, value: EncodableValue, w: GobWriter): void {
    if (typeof value !== 'object' || value === null) {
      throw new GobError(`gob: expected an object for struct ${schema.name || '(unnamed)'}`);
    }
    const obj = value as Record<string, unknown>;
    let last = -1;
    schema.fields.forEach((f, i) => {
      const v = obj[f.name];
      if (isZero(f.type, v)) return;
      w.uint(i - last);
      last = i;
      if (f.type.kind === 'struct') this.structValue(f.type, v, w);
      else this.value(f.type, v, w);
    });
    w.uint(0);
  }

  private value(schema: GobSchema, v: EncodableValue, w: GobWriter): void {
    const scalar = SCALARS[schema.kind];
    if (scalar) return scalar(w, v);
    if (schema.kind === 'struct') return this.structValue(schema, v, w);
    if (schema.kind === 'slice') {
      const list = v as unknown[];
      w.uint(list.length);
      for (const e of list) this.value(schema.elem, e, w);
      return;
    }
    if (schema.kind === 'map') {
      const entries = v instanceof Map ? [...v.entries()] : Object.entries(v as object);
      w.uint(entries.length);
      for (const [k, e] of entries) {
        this.value(schema.key, k, w);
        this.value(schema.elem, e, w);
      }
    }
  }
}

const SCALARS: Partial<Record<GobSchema['kind'], (w: GobWriter, v: unknown) => void>> = {
  bool: (w, v) => w.uint(v ? 1 : 0),
  int: (w, v) => w.int(v as number | bigint),
  uint: (w, v) => w.uint(v as number | bigint),
  float: (w, v) => w.float(v as number),
  bytes: (w, v) => w.bytes(v as Uint8Array),
  string: (w, v) => w.string(String(v)),
  gobEncoder: (w, v) => w.bytes(v instanceof GobEncoded ? v.bytes : (v as Uint8Array)),
};

function childrenOf(schema: GobSchema): GobSchema[] {
  switch (schema.kind) {
    case 'struct':
      return schema.fields.map((f) => f.type);
    case 'slice':
      return [schema.elem];
    case 'map':
      return [schema.key, schema.elem];
    default:
      return [];
  }
}

const ZERO: Partial<Record<GobSchema['kind'], (v: unknown) => boolean>> = {
  bool: (v) => v === false,
  int: (v) => v === 0 || v === 0n,
  uint: (v) => v === 0 || v === 0n,
  float: (v) => v === 0,
  string: (v) => v === '',
  bytes: (v) => (v as Uint8Array).length === 0,
  slice: (v) => (v as unknown[]).length === 0,
};

/** gob omits zero fields; nested structs are always sent, nil maps/slices and absent values are not. */
function isZero(schema: GobSchema, v: unknown): boolean {
  if (v === undefined || v === null) return true;
  return ZERO[schema.kind]?.(v) ?? false;
}
