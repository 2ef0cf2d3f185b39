/**
 * @module plugin/errors — the plugin's error catalog. Each code is permanent (searchable); messages say what happened
 * and why, hints say what to do. Provider errors become `Error` measurements, never crashes.
 */
import { SentinelError } from '../lib/errors.ts';

/** Every error the plugin reports. */
export class PluginError extends SentinelError {}

export const PLUGIN_NAME = 'rollout-sentinel/canary';

/** go-plugin's own text for a binary started by hand (`hashicorp/go-plugin:server.go`). */
export const NOT_A_COMMAND_MESSAGE =
  'This binary is a plugin. These are not meant to be executed directly.\n' +
  'Please execute the program that consumes these plugins, which will\n' +
  'load any plugins automatically\n';

export function wrongMagicCookie(): PluginError {
  return new PluginError('WrongMagicCookie', NOT_A_COMMAND_MESSAGE.trimEnd(), {
    hint: 'Argo Rollouts starts it with ARGO_ROLLOUTS_RPC_PLUGIN=metricprovider; register it in the argo-rollouts-config ConfigMap instead of running it.',
  });
}

export function unsupportedProtocolVersion(offered: string): PluginError {
  return new PluginError(
    'UnsupportedProtocolVersion',
    `The controller offered plugin protocol versions "${offered}", but this plugin speaks only version 1.`,
    {
      hint: 'Use an Argo Rollouts release whose metric plugins use go-plugin protocol version 1 (all 1.x releases do).',
    },
  );
}

export function pluginConfigMissing(present: string[]): PluginError {
  const seen = present.length > 0 ? present.join(', ') : 'none';
  return new PluginError(
    'PluginConfigMissing',
    `The metric has no provider.plugin["${PLUGIN_NAME}"] block (plugin keys present: ${seen}).`,
    {
      hint: `Add provider: {plugin: {"${PLUGIN_NAME}": {kind: httpProbe, url: …}}} to the metric in the AnalysisTemplate.`,
    },
  );
}

export function pluginConfigNotJson(detail: string): PluginError {
  return new PluginError(
    'PluginConfigNotJson',
    `provider.plugin["${PLUGIN_NAME}"] is not valid JSON: ${detail}.`,
    {
      hint: 'Check the YAML of the metric: the plugin block must be a mapping (argument substitution can break quoting).',
    },
  );
}

export function pluginConfigInvalid(problems: string[]): PluginError {
  return new PluginError(
    'PluginConfigInvalid',
    `provider.plugin["${PLUGIN_NAME}"] is invalid: ${problems.join('; ')}.`,
    {
      hint: 'Fix the named fields in the AnalysisTemplate; plugin/README.md lists every field with an example.',
    },
  );
}

export function conditionSyntax(which: string, source: string, column: number, problem: string): PluginError {
  return new PluginError(
    'ConditionSyntax',
    `${which} ${JSON.stringify(source)} cannot be parsed at column ${column}: ${problem}.`,
    {
      hint: 'Use the supported expression subset (plugin/README.md), e.g. `result.status == 200 && result.latencyMs < 500`.',
    },
  );
}

export function conditionEvaluation(which: string, source: string, problem: string): PluginError {
  return new PluginError(
    'ConditionEvaluation',
    `${which} ${JSON.stringify(source)} could not be evaluated: ${problem}.`,
    {
      hint: 'Compare values of the same type and check the field names against the measurement value.',
    },
  );
}

export function measurementNotFound(jobId: string | undefined): PluginError {
  return new PluginError(
    'MeasurementNotFound',
    jobId
      ? `No running check with id ${jobId} is known to this plugin process (it may have restarted or collected it).`
      : 'The measurement carries no check id in its metadata, so there is nothing to resume.',
    {
      hint: 'The controller counts this as a measurement error and starts a new measurement at the next interval.',
    },
  );
}

export function checkFailed(kind: string, detail: string): PluginError {
  return new PluginError('CheckFailed', `The ${kind} check could not complete: ${detail}.`, {
    hint: 'Check that the target is reachable from the Argo Rollouts controller pod and answers within the timeout.',
  });
}

export function invalidArgs(method: string, detail: string): PluginError {
  return new PluginError('InvalidArgs', `Plugin.${method} received arguments it cannot read: ${detail}.`, {
    hint: 'The controller and plugin disagree about the RPC types; use a supported Argo Rollouts version.',
  });
}

export function providerFailed(method: string, detail: string): PluginError {
  return new PluginError('ProviderFailed', `Plugin.${method} failed unexpectedly: ${detail}.`, {
    hint: 'This is a bug in the plugin; the plugin log (controller stderr) has the details.',
  });
}
