/**
 * @module plugin/goplugin/gob/decoder — a generic, resumable encoding/gob stream decoder driven by the wire types it
 * receives (`golang/go:src/encoding/gob/decoder.go` `decodeTypeSequence`, spec §5.5).
 */
import {
  BuiltinId,
  FIRST_USER_ID,
  GobEncoded,
  GobError,
  NeedMoreData,
  type GobValue,
  InterfaceValue,
  type WireType,
} from './types.ts';

/** Largest gob message accepted; Go's own limit is 1 GiB (`tooBig`), ours is far lower to bound memory. */
export const DEFAULT_MAX_MESSAGE_BYTES = 64 * 1024 * 1024;
const MAX_DEPTH = 200;
const EMPTY = new Uint8Array(0);

/** Reads gob primitives from one complete message. Running off its end is a malformed message, not "need more". */
class MessageReader {
  readonly bytes: Uint8Array;
  pos = 0;
  constructor(bytes: Uint8Array) {
    this.bytes = bytes;
  }
  get remaining(): number {
    return this.bytes.length - this.pos;
  }
  byte(): number {
    if (this.pos >= this.bytes.length) throw new GobError('gob: message ends in the middle of a value');
    return this.bytes[this.pos++] as number;
  }
  uint(): number {
    return readUintFrom(this, () => {
      throw new GobError('gob: message ends in the middle of an unsigned integer');
    });
  }
  int(): number {
    return zigzag(this.uintBig());
  }
  uintBig(): bigint {
    const first = this.byte();
    if (first < 0x80) return BigInt(first);
    const n = 256 - first;
    if (n > 8) throw new GobError(`gob: unsigned integer with ${n} bytes is too large`);
    if (n > this.remaining) throw new GobError('gob: message ends in the middle of an unsigned integer');
    let v = 0n;
    for (let i = 0; i < n; i++) v = (v << 8n) | BigInt(this.byte());
    return v;
  }
  take(n: number): Uint8Array {
    if (n > this.remaining)
      throw new GobError(`gob: length ${n} exceeds the ${this.remaining} bytes left in the message`);
    const out = this.bytes.subarray(this.pos, this.pos + n);
    this.pos += n;
    return out;
  }
}

/** A byte source for uints: a message, or the raw stream for message lengths. */
interface ByteSource {
  pos: number;
  readonly bytes: Uint8Array;
}

function readUintFrom(src: ByteSource, short: () => never): number {
  const end = src.bytes.length;
  if (src.pos >= end) short();
  const first = src.bytes[src.pos] as number;
  if (first < 0x80) {
    src.pos++;
    return first;
  }
  const n = 256 - first;
  if (n > 8) throw new GobError(`gob: unsigned integer with ${n} bytes is too large`);
  if (src.pos + 1 + n > end) short();
  let v = 0;
  for (let i = 1; i <= n; i++) v = v * 256 + (src.bytes[src.pos + i] as number);
  src.pos += 1 + n;
  return v;
}

function zigzag(u: bigint): number {
  const v = u & 1n ? ~(u >> 1n) : u >> 1n;
  return Number(v);
}

function floatFromBits(u: bigint): number {
  // gob sends the IEEE bits byte-reversed (`floatBits`), so small floats take few bytes.
  const b = new DataView(new ArrayBuffer(8));
  b.setBigUint64(0, u, true);
  return new DataView(b.buffer).getFloat64(0, false);
}

const textDecoder = new TextDecoder('utf-8');

/** UTF-8 → string; short ASCII strings (field and type names, most values) skip the TextDecoder call. */
function utf8(b: Uint8Array): string {
  if (b.length > 64) return textDecoder.decode(b);
  let s = '';
  for (let i = 0; i < b.length; i++) {
    const c = b[i] as number;
    if (c >= 0x80) return textDecoder.decode(b);
    s += String.fromCharCode(c);
  }
  return s;
}

/** Options of a {@link GobDecoder}. */
export interface GobDecoderOptions {
  maxMessageBytes?: number;
}

/**
 * One direction of one gob stream. Feed bytes with {@link push}; {@link next} returns the next complete top-level value
 * or `undefined` when more bytes are needed, leaving the buffer and the type table exactly as before the attempt.
 * Type definitions persist for the life of the stream.
 */
export class GobDecoder {
  private chunks: Uint8Array[] = [];
  private buf: Uint8Array = new Uint8Array(0);
  private off = 0;
  private readonly types = new Map<number, WireType>();
  private pending = new Map<number, WireType>();
  private cur: MessageReader | undefined;
  private depth = 0;
  private needBytes = 0;
  private readonly maxMessageBytes: number;

  constructor(opts: GobDecoderOptions = {}) {
    this.maxMessageBytes = opts.maxMessageBytes ?? DEFAULT_MAX_MESSAGE_BYTES;
  }

  /** Appends received bytes (not copied until the next decode attempt). */
  push(chunk: Uint8Array): void {
    if (chunk.length > 0) this.chunks.push(chunk);
  }

  /** Bytes received but not yet consumed by a complete value. */
  get buffered(): number {
    return this.buf.length - this.off + this.chunks.reduce((n, c) => n + c.length, 0);
  }

  /** Number of type definitions received on this stream. */
  get typeCount(): number {
    return this.types.size;
  }

  /** The wire type registered for `id`, if any. */
  wireType(id: number): WireType | undefined {
    return this.types.get(id);
  }

  /**
   * Decodes the next top-level value. Returns `undefined` if the stream does not yet hold all of it.
   * Throws {@link GobError} on malformed input; the stream cannot be resynchronised after that.
   */
  next(): { value: GobValue; typeId: number } | undefined {
    // After a failed attempt, do not retry (and re-copy the buffer) until the missing message can be complete.
    if (this.needBytes > 0 && this.buffered < this.needBytes) return undefined;
    this.needBytes = 0;
    this.compact();
    const start = this.off;
    this.pending = new Map();
    this.cur = undefined;
    this.depth = 0;
    try {
      const id = this.typeSequence(false);
      const value = this.topValue(id);
      for (const [k, v] of this.pending) this.types.set(k, v);
      this.pending.clear();
      this.cur = undefined;
      if (this.off === this.buf.length) {
        // Drop the consumed bytes now: a burst of large requests must not stay referenced while idle.
        this.buf = EMPTY;
        this.off = 0;
      }
      return { value, typeId: id };
    } catch (err) {
      this.pending.clear();
      this.cur = undefined;
      if (err instanceof NeedMoreData) {
        this.needBytes = err.need - start;
        this.off = start;
        return undefined;
      }
      throw err;
    }
  }

  private compact(): void {
    if (this.chunks.length === 0) return;
    if (this.off >= this.buf.length && this.chunks.length === 1) {
      // Common case: everything before was consumed and one chunk arrived; use it without copying.
      this.buf = this.chunks[0] as Uint8Array;
      this.chunks = [];
      this.off = 0;
      return;
    }
    const rest = this.buf.subarray(this.off);
    const total = rest.length + this.chunks.reduce((n, c) => n + c.length, 0);
    const out = new Uint8Array(total);
    out.set(rest, 0);
    let at = rest.length;
    for (const c of this.chunks) {
      out.set(c, at);
      at += c.length;
    }
    this.chunks = [];
    this.buf = out;
    this.off = 0;
  }

  private recvMessage(): MessageReader {
    const src = { pos: this.off, bytes: this.buf };
    const len = readUintFrom(src, () => {
      // Exactly the bytes of the length prefix: waiting for more could stall on a short final message.
      const first = this.buf[this.off];
      throw new NeedMoreData(this.off + (first === undefined || first < 0x80 ? 1 : 1 + 256 - first));
    });
    if (len === 0) throw new GobError('gob: empty message');
    if (len > this.maxMessageBytes) {
      throw new GobError(`gob: message of ${len} bytes exceeds the ${this.maxMessageBytes}-byte limit`);
    }
    if (src.pos + len > this.buf.length) throw new NeedMoreData(src.pos + len);
    this.off = src.pos + len;
    return new MessageReader(this.buf.subarray(src.pos, src.pos + len));
  }

  private reader(): MessageReader {
    if (!this.cur) throw new GobError('gob: no message');
    return this.cur;
  }

  private typeSequence(isInterface: boolean): number {
    for (;;) {
      if (!this.cur || this.cur.remaining === 0) this.cur = this.recvMessage();
      const r = this.cur;
      const id = r.int();
      if (id >= 0) return id;
      this.defineType(-id, r);
      if (r.remaining > 0) {
        if (!isInterface) throw new GobError('gob: extra data in buffer after a type definition');
        r.uint();
      }
    }
  }

  private lookup(id: number): WireType | undefined {
    return this.pending.get(id) ?? this.types.get(id);
  }

  private defineType(id: number, r: MessageReader): void {
    if (id < FIRST_USER_ID) throw new GobError(`gob: type definition for reserved id ${id}`);
    if (this.lookup(id)) throw new GobError(`gob: duplicate type received (id ${id})`);
    this.pending.set(id, readWireType(r));
  }

  private topValue(id: number): GobValue {
    const r = this.reader();
    const wt = this.lookup(id);
    if (id >= FIRST_USER_ID && !wt) throw new GobError(`gob: value of undefined type id ${id}`);
    if (wt?.kind === 'struct') return this.structValue(wt, r);
    if (r.uint() !== 0) throw new GobError(`gob: expected singleton delta 0 before a value of type id ${id}`);
    return this.value(id, r);
  }

  private value(id: number, r: MessageReader): GobValue {
    if (++this.depth > MAX_DEPTH) throw new GobError(`gob: values nested deeper than ${MAX_DEPTH} levels`);
    try {
      return id < FIRST_USER_ID ? this.builtinValue(id, r) : this.userValue(id, r);
    } finally {
      this.depth--;
    }
  }

  private builtinValue(id: number, r: MessageReader): GobValue {
    switch (id) {
      case BuiltinId.bool:
        return r.uint() !== 0;
      case BuiltinId.int:
        return r.int();
      case BuiltinId.uint:
        return Number(r.uintBig());
      case BuiltinId.float:
        return floatFromBits(r.uintBig());
      case BuiltinId.bytes:
        return new Uint8Array(r.take(r.uint()));
      case BuiltinId.string:
        return utf8(r.take(r.uint()));
      case BuiltinId.complex:
        return [floatFromBits(r.uintBig()), floatFromBits(r.uintBig())];
      case BuiltinId.interface:
        return this.interfaceValue(r);
      default:
        throw new GobError(`gob: unknown builtin type id ${id}`);
    }
  }

  private userValue(id: number, r: MessageReader): GobValue {
    const wt = this.lookup(id);
    if (!wt) throw new GobError(`gob: value of undefined type id ${id}`);
    switch (wt.kind) {
      case 'struct':
        return this.structValue(wt, r);
      case 'slice':
      case 'array':
        return this.listValue(wt.elem, r);
      case 'map':
        return this.mapValue(wt, r);
      case 'gobEncoder':
        return new GobEncoded(new Uint8Array(r.take(r.uint())));
    }
  }

  private listValue(elem: number, r: MessageReader): GobValue[] {
    const n = r.uint();
    if (n > r.remaining) throw new GobError(`gob: slice of ${n} elements in ${r.remaining} bytes`);
    const out: GobValue[] = [];
    for (let i = 0; i < n; i++) out.push(this.value(elem, r));
    return out;
  }

  private mapValue(wt: Extract<WireType, { kind: 'map' }>, r: MessageReader): GobValue {
    const n = r.uint();
    if (n > r.remaining) throw new GobError(`gob: map of ${n} entries in ${r.remaining} bytes`);
    if (wt.key === BuiltinId.string) {
      const obj = Object.create(null) as Record<string, GobValue>;
      for (let i = 0; i < n; i++) {
        const k = this.value(wt.key, r) as string;
        obj[k] = this.value(wt.elem, r);
      }
      return obj;
    }
    const map = new Map<GobValue, GobValue>();
    for (let i = 0; i < n; i++) map.set(this.value(wt.key, r), this.value(wt.elem, r));
    return map;
  }

  private structValue(wt: Extract<WireType, { kind: 'struct' }>, r: MessageReader): GobValue {
    const out: Record<string, GobValue> = {};
    let field = -1;
    for (;;) {
      const delta = r.uint();
      if (delta === 0) return out;
      field += delta;
      const f = wt.fields[field];
      if (!f)
        throw new GobError(`gob: field number ${field} out of range for struct ${wt.name || '(unnamed)'}`);
      out[f.name] = this.value(f.id, r);
    }
  }

  private interfaceValue(r: MessageReader): InterfaceValue | null {
    const n = r.uint();
    if (n === 0) return null;
    const name = utf8(r.take(n));
    const concreteId = this.typeSequence(true);
    // After typeSequence the current message may be a new one; the value's byte count follows (unused).
    const cur = this.reader();
    cur.uint();
    return new InterfaceValue(name, this.topValue(concreteId));
  }
}

// ---- wireType (gob's own bootstrap types, decoded by hand) ----

function readFields(r: MessageReader, onField: (n: number) => void): void {
  let field = -1;
  for (;;) {
    const delta = r.uint();
    if (delta === 0) return;
    field += delta;
    onField(field);
  }
}

function readString(r: MessageReader): string {
  return utf8(r.take(r.uint()));
}

interface Common {
  name: string;
}

function readCommon(r: MessageReader): Common {
  const c: Common = { name: '' };
  readFields(r, (n) => {
    if (n === 0) c.name = readString(r);
    else if (n === 1)
      r.int(); // CommonType.Id is informational; the message header's id wins.
    else throw new GobError(`gob: bad CommonType field ${n}`);
  });
  return c;
}

function readFieldList(r: MessageReader): { name: string; id: number }[] {
  const n = r.uint();
  if (n > r.remaining) throw new GobError(`gob: struct type with ${n} fields in ${r.remaining} bytes`);
  const fields: { name: string; id: number }[] = [];
  for (let i = 0; i < n; i++) {
    const f = { name: '', id: 0 };
    readFields(r, (k) => {
      if (k === 0) f.name = readString(r);
      else if (k === 1) f.id = r.int();
      else throw new GobError(`gob: bad fieldType field ${k}`);
    });
    fields.push(f);
  }
  return fields;
}

/** Reads one composite type body (`arrayType`, `sliceType`, `structType`, `mapType`); fields 1–3 hold ids/len. */
function readComposite(
  r: MessageReader,
  extraList: boolean,
): { name: string; ids: number[]; fields: WireType[] } {
  let name = '';
  const ids: number[] = [];
  let fields: { name: string; id: number }[] = [];
  readFields(r, (n) => {
    if (n === 0) name = readCommon(r).name;
    else if (n === 1 && extraList) fields = readFieldList(r);
    else if (n >= 1 && n <= 3) ids[n - 1] = r.int();
    else throw new GobError(`gob: bad type definition field ${n}`);
  });
  return { name, ids, fields: [{ kind: 'struct', name, fields }] };
}

function readWireType(r: MessageReader): WireType {
  let out: WireType | undefined;
  readFields(r, (n) => {
    if (out) throw new GobError('gob: type definition with more than one kind');
    out = readWireKind(n, r);
  });
  if (!out) throw new GobError('gob: empty type definition');
  return out;
}

function readGobEncoderType(r: MessageReader, flavour: 'gob' | 'binary' | 'text'): WireType {
  let name = '';
  readFields(r, (k) => {
    if (k !== 0) throw new GobError(`gob: bad gobEncoderType field ${k}`);
    name = readCommon(r).name;
  });
  return { kind: 'gobEncoder', name, flavour };
}

/** wireType field number → reader of that kind (`golang/go:src/encoding/gob/type.go` `wireType`). */
const WIRE_KINDS: ((r: MessageReader) => WireType)[] = [
  (r) => {
    const c = readComposite(r, false);
    return { kind: 'array', name: c.name, elem: c.ids[0] ?? 0, len: c.ids[1] ?? 0 };
  },
  (r) => {
    const c = readComposite(r, false);
    return { kind: 'slice', name: c.name, elem: c.ids[0] ?? 0 };
  },
  (r) => readComposite(r, true).fields[0] as WireType,
  (r) => {
    const c = readComposite(r, false);
    return { kind: 'map', name: c.name, key: c.ids[0] ?? 0, elem: c.ids[1] ?? 0 };
  },
  (r) => readGobEncoderType(r, 'gob'),
  (r) => readGobEncoderType(r, 'binary'),
  (r) => readGobEncoderType(r, 'text'),
];

function readWireKind(n: number, r: MessageReader): WireType {
  const read = WIRE_KINDS[n];
  if (!read) throw new GobError(`gob: unknown wireType field ${n}`);
  return read(r);
}
