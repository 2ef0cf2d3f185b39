/**
 * @module plugin/goplugin/argoCodec — maps decoded gob values of Argo's types to `argoTypes.ts` and back, including
 * `metav1.Time` (a GobEncoder carrying `time.Time.MarshalBinary()`, spec §4.3).
 */
import type { AnalysisPhase, AnalysisRun, Measurement, Metric, OwnerReference } from '../argoTypes.ts';
import {
  GobEncoded,
  GobError,
  GobString,
  InterfaceValue,
  type GobSchema,
  type GobValue,
} from './gob/types.ts';

/** Seconds from 0001-01-01T00:00:00Z to the Unix epoch (Go's `unixToInternal`). */
const UNIX_TO_INTERNAL = 62_135_596_800n;

/** Encodes a Date as Go `time.Time.MarshalBinary()` version 1, UTC (offset -1). */
export function encodeTime(d: Date): Uint8Array {
  const ms = BigInt(d.getTime());
  let sec = ms / 1000n;
  let rem = ms % 1000n;
  if (rem < 0n) {
    rem += 1000n;
    sec -= 1n;
  }
  const b = new DataView(new ArrayBuffer(15));
  b.setUint8(0, 1);
  b.setBigInt64(1, sec + UNIX_TO_INTERNAL, false);
  b.setInt32(9, Number(rem) * 1_000_000, false);
  b.setInt16(13, -1, false);
  return new Uint8Array(b.buffer);
}

/** Decodes `time.Time.MarshalBinary()` (versions 1 and 2) to a Date (millisecond precision). */
export function decodeTime(bytes: Uint8Array): Date {
  if ((bytes[0] !== 1 || bytes.length !== 15) && (bytes[0] !== 2 || bytes.length !== 16)) {
    throw new GobError(`gob: a Time must be 15 or 16 bytes of version 1 or 2, got ${bytes.length} bytes`);
  }
  const v = new DataView(bytes.buffer, bytes.byteOffset, bytes.length);
  const sec = v.getBigInt64(1, false) - UNIX_TO_INTERNAL;
  const nsec = v.getInt32(9, false);
  return new Date(Number(sec) * 1000 + Math.floor(nsec / 1_000_000));
}

export const TimeSchema = { kind: 'gobEncoder', name: 'Time' } as const satisfies GobSchema;
export const StringMapSchema = {
  kind: 'map',
  name: 'map[string]string',
  key: GobString,
  elem: GobString,
} as const satisfies GobSchema;

/** `v1alpha1.Measurement` as the controller expects it (Time fields must be GobEncoderT). */
export const MeasurementSchema = {
  kind: 'struct',
  name: 'Measurement',
  fields: [
    { name: 'Phase', type: GobString },
    { name: 'Message', type: GobString },
    { name: 'StartedAt', type: TimeSchema },
    { name: 'FinishedAt', type: TimeSchema },
    { name: 'Value', type: GobString },
    { name: 'Metadata', type: StringMapSchema },
    { name: 'ResumeAt', type: TimeSchema },
  ],
} as const satisfies GobSchema;

/** `types.RpcError{ErrorString}`. */
export const RpcErrorSchema = {
  kind: 'struct',
  name: 'RpcError',
  fields: [{ name: 'ErrorString', type: GobString }],
} as const satisfies GobSchema;

/** The gob value for a Measurement reply. */
export function measurementToGob(m: Measurement): Record<string, unknown> {
  const t = (d: Date | undefined): GobEncoded | undefined => (d ? new GobEncoded(encodeTime(d)) : undefined);
  return {
    Phase: m.phase,
    Message: m.message,
    StartedAt: t(m.startedAt),
    FinishedAt: t(m.finishedAt),
    Value: m.value,
    Metadata: m.metadata,
    ResumeAt: t(m.resumeAt),
  };
}

type Obj = Record<string, GobValue>;

function isObj(v: GobValue | undefined): v is Obj {
  return (
    typeof v === 'object' &&
    v !== null &&
    !Array.isArray(v) &&
    !(v instanceof Uint8Array) &&
    !(v instanceof Map) &&
    !(v instanceof GobEncoded) &&
    !(v instanceof InterfaceValue)
  );
}

function obj(v: GobValue | undefined, what: string): Obj {
  if (v === undefined) return {};
  if (!isObj(v)) throw new GobError(`${what}: expected a struct`);
  return v;
}

function str(v: GobValue | undefined, what: string): string {
  if (v === undefined) return '';
  if (typeof v !== 'string') throw new GobError(`${what}: expected a string`);
  return v;
}

function strMap(v: GobValue | undefined, what: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, x] of Object.entries(obj(v, what))) out[k] = str(x, `${what}[${k}]`);
  return out;
}

function time(v: GobValue | undefined, what: string): Date | undefined {
  if (v === undefined) return undefined;
  if (!(v instanceof GobEncoded)) throw new GobError(`${what}: expected a Time`);
  return decodeTime(v.bytes);
}

/** Reads a `v1alpha1.Metric`. */
export function metricFromGob(v: GobValue | undefined): Metric {
  const m = obj(v, 'Metric');
  const provider = obj(m.Provider, 'Metric.Provider');
  const plugin: Record<string, Uint8Array> = {};
  for (const [k, raw] of Object.entries(obj(provider.Plugin, 'Metric.Provider.Plugin'))) {
    if (!(raw instanceof Uint8Array))
      throw new GobError(`Metric.Provider.Plugin[${k}]: expected raw JSON bytes`);
    plugin[k] = raw;
  }
  return {
    name: str(m.Name, 'Metric.Name'),
    successCondition: str(m.SuccessCondition, 'Metric.SuccessCondition'),
    failureCondition: str(m.FailureCondition, 'Metric.FailureCondition'),
    plugin,
    raw: m,
  };
}

/** Reads a `v1alpha1.AnalysisRun` (metadata fields; the rest stays in `raw`). */
export function analysisRunFromGob(v: GobValue | undefined): AnalysisRun {
  const run = obj(v, 'AnalysisRun');
  const meta = obj(run.ObjectMeta, 'AnalysisRun.ObjectMeta');
  const owners = meta.OwnerReferences ?? [];
  if (!Array.isArray(owners)) throw new GobError('AnalysisRun.ObjectMeta.OwnerReferences: expected a list');
  const ownerReferences: OwnerReference[] = owners.map((o, i) => {
    const r = obj(o, `OwnerReferences[${i}]`);
    return { kind: str(r.Kind, 'Kind'), name: str(r.Name, 'Name'), uid: str(r.UID, 'UID') };
  });
  return {
    name: str(meta.Name, 'ObjectMeta.Name'),
    namespace: str(meta.Namespace, 'ObjectMeta.Namespace'),
    uid: str(meta.UID, 'ObjectMeta.UID'),
    labels: strMap(meta.Labels, 'ObjectMeta.Labels'),
    annotations: strMap(meta.Annotations, 'ObjectMeta.Annotations'),
    ownerReferences,
    raw: run,
  };
}

const PHASES = new Set(['Pending', 'Running', 'Successful', 'Failed', 'Error', 'Inconclusive', '']);

/** Reads a `v1alpha1.Measurement` (as echoed back on Resume/Terminate). */
export function measurementFromGob(v: GobValue | undefined): Measurement {
  const m = obj(v, 'Measurement');
  const phase = str(m.Phase, 'Measurement.Phase');
  if (!PHASES.has(phase)) throw new GobError(`Measurement.Phase: unknown phase ${JSON.stringify(phase)}`);
  const out: Measurement = { phase: (phase || 'Pending') as AnalysisPhase };
  if (m.Message !== undefined) out.message = str(m.Message, 'Measurement.Message');
  if (m.Value !== undefined) out.value = str(m.Value, 'Measurement.Value');
  if (m.Metadata !== undefined) out.metadata = strMap(m.Metadata, 'Measurement.Metadata');
  const startedAt = time(m.StartedAt, 'Measurement.StartedAt');
  const finishedAt = time(m.FinishedAt, 'Measurement.FinishedAt');
  const resumeAt = time(m.ResumeAt, 'Measurement.ResumeAt');
  if (startedAt) out.startedAt = startedAt;
  if (finishedAt) out.finishedAt = finishedAt;
  if (resumeAt) out.resumeAt = resumeAt;
  return out;
}

/** The struct inside an interface-valued argument, checked against the registered name the method expects. */
export function interfaceArg(arg: GobValue, expected: string): Obj {
  if (arg === null) throw new GobError(`invalid args: expected ${expected}, got a nil interface`);
  if (!(arg instanceof InterfaceValue)) {
    throw new GobError(
      `invalid args: expected an interface holding ${expected}, got a plain ${describe(arg)}`,
    );
  }
  if (arg.name !== expected) throw new GobError(`invalid args: expected ${expected}, got ${arg.name}`);
  return obj(arg.value, expected);
}

function describe(v: GobValue): string {
  if (typeof v === 'string') return 'string';
  if (typeof v === 'number') return 'number';
  if (typeof v === 'boolean') return 'bool';
  if (Array.isArray(v)) return 'slice';
  return 'value';
}
