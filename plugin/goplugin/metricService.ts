/**
 * @module plugin/goplugin/metricService — the net/rpc `Plugin` service of Argo's `MetricsRPCServer`
 * (`argoproj/argo-rollouts:metricproviders/plugin/rpc/rpc.go`), mapped onto a {@link MetricProvider}.
 */
import type { Measurement } from '../argoTypes.ts';
import { invalidArgs, providerFailed } from '../errors.ts';
import type { Logger } from '../log.ts';
import { markError } from '../measurement.ts';
import type { MetricProvider } from '../provider.ts';
import {
  analysisRunFromGob,
  interfaceArg,
  measurementFromGob,
  measurementToGob,
  metricFromGob,
  MeasurementSchema,
  RpcErrorSchema,
  StringMapSchema,
} from './argoCodec.ts';
import { GobString, GobUint, type GobValue } from './gob/types.ts';
import { RpcCallError, type RpcReply, type RpcService } from './netrpc.ts';

/** Decodes arguments; a failure is an error on this call (Response.Error), as Go's `invalid args` is. */
function decodeArgs<T>(method: string, decode: () => T): T {
  try {
    return decode();
  } catch (err) {
    throw new RpcCallError(invalidArgs(method, (err as Error).message).describe());
  }
}

async function measurementReply(
  method: string,
  log: Logger,
  work: () => Promise<Measurement>,
): Promise<RpcReply> {
  let m: Measurement;
  try {
    m = await work();
  } catch (err) {
    log.error({ method, err: (err as Error).message }, 'provider threw; returning an Error measurement');
    m = markError({ phase: 'Pending' }, providerFailed(method, (err as Error).message));
  }
  return { schema: MeasurementSchema, value: measurementToGob(m) };
}

/** The `Plugin` service. */
export function metricService(provider: MetricProvider, log: Logger, signal: AbortSignal): RpcService {
  return {
    InitPlugin: async () => {
      try {
        await provider.init(signal);
        return { schema: RpcErrorSchema, value: {} };
      } catch (err) {
        return { schema: RpcErrorSchema, value: { ErrorString: (err as Error).message } };
      }
    },
    Run: async (arg: GobValue) => {
      const a = decodeArgs('Run', () => {
        const v = interfaceArg(arg, 'RunArgs');
        return { run: analysisRunFromGob(v.AnalysisRun), metric: metricFromGob(v.Metric) };
      });
      return measurementReply('Run', log, () => provider.run(a.run, a.metric));
    },
    Resume: async (arg: GobValue) => {
      const a = decodeTerminateAndResume('Resume', arg);
      return measurementReply('Resume', log, () => provider.resume(a.run, a.metric, a.measurement));
    },
    Terminate: async (arg: GobValue) => {
      const a = decodeTerminateAndResume('Terminate', arg);
      return measurementReply('Terminate', log, () => provider.terminate(a.run, a.metric, a.measurement));
    },
    GarbageCollect: async (arg: GobValue) => {
      const a = decodeArgs('GarbageCollect', () => {
        const v = interfaceArg(arg, 'GarbageCollectArgs');
        const limit = typeof v.Limit === 'number' ? v.Limit : 0;
        return { run: analysisRunFromGob(v.AnalysisRun), metric: metricFromGob(v.Metric), limit };
      });
      try {
        await provider.garbageCollect(a.run, a.metric, a.limit);
        return { schema: RpcErrorSchema, value: {} };
      } catch (err) {
        return { schema: RpcErrorSchema, value: { ErrorString: (err as Error).message } };
      }
    },
    Type: async () => ({ schema: GobString, value: provider.type() }),
    GetMetadata: async (arg: GobValue) => {
      const metric = decodeArgs('GetMetadata', () =>
        metricFromGob(interfaceArg(arg, 'GetMetadataArgs').Metric),
      );
      return { schema: StringMapSchema, value: provider.getMetadata(metric) };
    },
  };
}

function decodeTerminateAndResume(method: string, arg: GobValue): ReturnType<typeof unpack> {
  return decodeArgs(method, () => unpack(interfaceArg(arg, 'TerminateAndResumeArgs')));
}

function unpack(v: Record<string, GobValue>): {
  run: ReturnType<typeof analysisRunFromGob>;
  metric: ReturnType<typeof metricFromGob>;
  measurement: Measurement;
} {
  return {
    run: analysisRunFromGob(v.AnalysisRun),
    metric: metricFromGob(v.Metric),
    measurement: measurementFromGob(v.Measurement),
  };
}

/** `Dispenser.Dispense` reply type: the broker id is a `uint32`. */
export const DispenseReplySchema = GobUint;
