import { AsyncLocalStorage } from 'node:async_hooks';

/** Who is calling and from where, for the request being served (read by audit and logs). */
export interface RequestContext {
  requestId: string;
  sourceIp: string | null;
  /** Set once a strategy has authenticated the caller. */
  actor?: { kind: ActorKind; id: string | null };
}

/** The kinds of actor the audit trail knows. */
export type ActorKind = 'omflow' | 'client' | 'admin' | 'scheduler' | 'system' | 'anonymous';

const storage = new AsyncLocalStorage<RequestContext>();

export const requestContext = {
  run<T>(context: RequestContext, fn: () => T): T {
    return storage.run(context, fn);
  },
  get(): RequestContext | undefined {
    return storage.getStore();
  },
  setActor(actor: RequestContext['actor']): void {
    const store = storage.getStore();
    if (store) store.actor = actor;
  },
};
