/** @module lib/testing/kube/informerLoop — client-node's informer, restarted after errors (e.g. an API server restart). */
import {
  type KubeConfig,
  type KubernetesListObject,
  type KubernetesObject,
  makeInformer,
} from '@kubernetes/client-node';

export interface InformerHandlers<T extends KubernetesObject> {
  onUpsert(obj: T): void;
  onDelete(obj: T): void;
}

/** A running informer; `stop()` ends it for good. */
export interface InformerLoop {
  /** Resolves once the first list has been delivered. */
  readonly synced: Promise<void>;
  stop(): Promise<void>;
}

/**
 * Starts client-node's informer on `path` and restarts it 300 ms after any error, as client-node's own example does
 * (its informer relists on 410 and reconnects on timeouts, but stops on other errors).
 */
export function startInformerLoop<T extends KubernetesObject>(
  kc: KubeConfig,
  path: string,
  list: () => Promise<KubernetesListObject<T>>,
  handlers: InformerHandlers<T>,
): InformerLoop {
  const informer = makeInformer<T>(kc, path, list);
  let stopped = false;
  informer.on('add', (o) => handlers.onUpsert(o));
  informer.on('update', (o) => handlers.onUpsert(o));
  informer.on('delete', (o) => handlers.onDelete(o));
  informer.on('error', () => {
    if (stopped) return;
    setTimeout(() => {
      if (!stopped) informer.start().catch(() => undefined);
    }, 300);
  });
  const synced = informer.start();
  return {
    synced,
    async stop() {
      stopped = true;
      await informer.stop();
    },
  };
}
