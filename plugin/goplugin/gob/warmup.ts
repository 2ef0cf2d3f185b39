/**
 * @module plugin/goplugin/gob/warmup — decodes a real Argo Rollouts gob conversation at start-up so that the first real
 * `Plugin.Run` (about 220 type definitions) runs on optimised code instead of the interpreter.
 *
 * The corpus is a recorded conversation with Argo's own types (warmupCorpus.ts), not a synthetic stream: it exercises
 * the same decoder paths (interfaces, maps, pointers, GobEncoder values) a controller's first `Run` does. The benchmark
 * (`npm run bench:plugin`) times the first `Run` of a different capture, Go-encoded from the real v1alpha1 and
 * k8s v0.34 types, in a fresh process after this warm-up.
 */
import { GobDecoder } from './decoder.ts';
import { WARMUP_STREAM_BASE64 } from './warmupCorpus.ts';

let corpus: Uint8Array | undefined;

/** Decodes the recorded conversation `rounds` times; returns how many values the last round produced. */
export function warmUpGob(rounds = 20): number {
  corpus ??= Buffer.from(WARMUP_STREAM_BASE64, 'base64');
  let values = 0;
  for (let r = 0; r < rounds; r++) {
    const d = new GobDecoder();
    d.push(corpus);
    values = 0;
    while (d.next()) values++;
  }
  return values;
}

/**
 * Warms up twice with a pause between, so optimising compiles that V8 runs on its (single, see plugin/bundle.ts)
 * worker thread are installed before the plugin announces itself. Adds ~0.1–0.2 s to start-up.
 */
export async function warmUpGobForStartup(pauseMs = 100): Promise<void> {
  warmUpGob();
  await new Promise((resolve) => setTimeout(resolve, pauseMs));
  warmUpGob();
}
