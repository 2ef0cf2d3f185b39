/** @module plugin/goplugin/gob/types — gob wire types, builtin ids, decoded value shapes and the encoder's schemas. */

/**
 * Builtin type ids of encoding/gob (`golang/go:src/encoding/gob/type.go`). User ids start at {@link FIRST_USER_ID}.
 * Ids 16–23 describe gob's own `wireType` graph; they only ever appear inside type definitions.
 */
export const BuiltinId = {
  bool: 1,
  int: 2,
  uint: 3,
  float: 4,
  bytes: 5,
  string: 6,
  complex: 7,
  interface: 8,
} as const;

/** The first id a sender may assign to a user type (`firstUserId`). */
export const FIRST_USER_ID = 64;

/** A type definition as received on the wire (`wireType`), keyed by its id in the decoder's table. */
export type WireType =
  | { kind: 'struct'; name: string; fields: { name: string; id: number }[] }
  | { kind: 'slice'; name: string; elem: number }
  | { kind: 'array'; name: string; elem: number; len: number }
  | { kind: 'map'; name: string; key: number; elem: number }
  /** GobEncoderT, BinaryMarshalerT or TextMarshalerT: the value is opaque bytes (e.g. `time.Time`). */
  | { kind: 'gobEncoder'; name: string; flavour: 'gob' | 'binary' | 'text' };

/** The bytes of a GobEncoder value (e.g. `metav1.Time` → `time.Time.MarshalBinary()`), interpreted by the caller. */
export class GobEncoded {
  readonly bytes: Uint8Array;
  constructor(bytes: Uint8Array) {
    this.bytes = bytes;
  }
}

/** A decoded interface value: the registered concrete name (e.g. `RunArgs`) and its value; `null` is a nil interface. */
export class InterfaceValue {
  readonly name: string;
  readonly value: GobValue;
  constructor(name: string, value: GobValue) {
    this.name = name;
    this.value = value;
  }
}

/**
 * A decoded gob value. Structs become objects keyed by the sender's field names (zero fields absent), maps with
 * string keys become null-prototype objects, other maps become `Map`s, `[]byte` becomes `Uint8Array`.
 * Integers outside ±2^53 lose precision (gob has no such values in the Argo types we read).
 */
export type GobValue =
  | boolean
  | number
  | string
  | Uint8Array
  | GobEncoded
  | InterfaceValue
  | null
  | [number, number]
  | GobValue[]
  | Map<GobValue, GobValue>
  | { [key: string]: GobValue };

/** A schema the encoder can send: builtins by kind, user types by object identity (one id per schema per stream). */
export type GobSchema =
  | { kind: 'bool' | 'int' | 'uint' | 'float' | 'bytes' | 'string' }
  | { kind: 'struct'; name: string; fields: readonly { name: string; type: GobSchema }[] }
  | { kind: 'map'; name: string; key: GobSchema; elem: GobSchema }
  | { kind: 'slice'; name: string; elem: GobSchema }
  | { kind: 'gobEncoder'; name: string };

/** Builtin schemas, shared so they compare by identity. */
export const GobBool = { kind: 'bool' } as const satisfies GobSchema;
export const GobInt = { kind: 'int' } as const satisfies GobSchema;
export const GobUint = { kind: 'uint' } as const satisfies GobSchema;
export const GobFloat = { kind: 'float' } as const satisfies GobSchema;
export const GobBytes = { kind: 'bytes' } as const satisfies GobSchema;
export const GobString = { kind: 'string' } as const satisfies GobSchema;

/** The builtin id of a builtin schema, or undefined for user types. */
export function builtinIdOf(schema: GobSchema): number | undefined {
  switch (schema.kind) {
    case 'bool':
      return BuiltinId.bool;
    case 'int':
      return BuiltinId.int;
    case 'uint':
      return BuiltinId.uint;
    case 'float':
      return BuiltinId.float;
    case 'bytes':
      return BuiltinId.bytes;
    case 'string':
      return BuiltinId.string;
    default:
      return undefined;
  }
}

/** A gob stream is malformed or uses a type in a way this decoder does not accept. */
export class GobError extends Error {
  override name = 'GobError';
}

/**
 * Not enough bytes yet: the caller keeps its buffer and tries again when more arrive. Internal control flow, thrown
 * on every partial read, so deliberately not an Error (no stack trace to capture).
 */
export class NeedMoreData {
  /** Buffer offset that must be reached before a retry can succeed. */
  readonly need: number;
  constructor(need: number) {
    this.need = need;
  }
}
