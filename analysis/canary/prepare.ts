/**
 * @module analysis/canary/prepare — everything an analysis needs before it starts, resolved up front so a bad
 * reference fails fast with its name: journey specs (inline or ConfigMap, parsed), the proxy token, the LLM key and
 * the GitHub token. Secret values stay in memory only.
 */
import { errorMessage } from '../../lib/errors.ts';
import { AnalysisError } from '../errors.ts';
import { checkLogFiles } from '../logs/fileCollector.ts';
import type { JourneyRunner } from './journeys.ts';
import { readConfigMapKey, readSecret, type RefContext } from './kubeRefs.ts';
import type { CanaryAnalysis } from './types.ts';

/** The resolved inputs of one analysis. */
export interface Prepared {
  journeys?: { specs: unknown; proxyToken?: string | undefined } | undefined;
  llmApiKey?: string | undefined;
  githubToken?: string | undefined;
}

async function journeySpecs(
  a: CanaryAnalysis,
  ctx: RefContext,
  runner: JourneyRunner | undefined,
): Promise<unknown> {
  const j = a.journeys;
  if (!j) return undefined;
  if (!runner) {
    throw new AnalysisError(
      'JourneysUnavailable',
      'The analysis has journeys but this build has no journey runner.',
      {
        hint: 'Use a sentinel build that includes journeys/, or remove the journeys block to judge logs only.',
      },
    );
  }
  const origin = j.configMap ? `ConfigMap ${a.namespace}/${j.configMap} key ${j.key}` : 'journeys.inline';
  const text = j.configMap ? await readConfigMapKey(j.configMap, j.key, ctx) : (j.inline as string);
  try {
    return await runner.parse(text, origin);
  } catch (err) {
    throw new AnalysisError(
      'JourneySpecInvalid',
      `The journeys in ${origin} do not parse: ${errorMessage(err).slice(0, 500)}`,
      {
        hint: 'Fix the spec (journeys/README.md documents the format); `sentinel journeys --check FILE` validates it locally.',
      },
    );
  }
}

/** Resolves every reference concurrently. Throws the first AnalysisError (config problems: an `Error`, not a verdict). */
export async function prepare(
  a: CanaryAnalysis,
  ctx: RefContext,
  runner: JourneyRunner | undefined,
): Promise<Prepared> {
  if (a.logs.files) await checkLogFiles(a.logs.files);
  const [specs, proxyToken, llmApiKey, githubToken] = await Promise.all([
    journeySpecs(a, ctx, runner),
    a.journeys?.proxyToken ? readSecret(a.journeys.proxyToken, ctx, 'journeys.proxyToken') : undefined,
    a.llm.provider !== 'none' && a.llm.apiKeySecret
      ? readSecret(a.llm.apiKeySecret, ctx, 'llm.apiKeySecret')
      : undefined,
    a.report?.github ? readSecret(a.report.github.tokenSecret, ctx, 'report.github.tokenSecret') : undefined,
  ]);
  return {
    ...(a.journeys ? { journeys: { specs, proxyToken } } : {}),
    llmApiKey,
    githubToken,
  };
}

/** Whether the analysis reads anything from a cluster (pods' logs, a ConfigMap, a Secret by name). */
export function usesCluster(a: CanaryAnalysis): boolean {
  const byName = (ref: { name?: string } | { file?: string } | undefined): boolean =>
    ref !== undefined && 'name' in ref;
  return (
    !a.logs.files ||
    a.journeys?.configMap !== undefined ||
    byName(a.journeys?.proxyToken) ||
    byName(a.llm.apiKeySecret) ||
    byName(a.report?.github?.tokenSecret)
  );
}
