/**
 * A fake ApiClient for component tests: the UI's whole boundary with main/.
 * Each test answers the operations it cares about; any other call fails
 * loudly, so a component calling something unexpected is caught.
 */
import type { ApiClient, ApiEvents, EventName, OperationName, OpInput, OpOutput } from '../../../main/common/api/operations';

type Handler<K extends OperationName> = (input: OpInput<K>) => OpOutput<K> | Promise<OpOutput<K>>;
export type Handlers = { [K in OperationName]?: Handler<K> };

export class FakeApi implements ApiClient {
  readonly calls: { op: OperationName; input: unknown }[] = [];
  private readonly listeners = new Map<EventName, Set<(p: unknown) => void>>();

  constructor(private readonly handlers: Handlers) {}

  async call<K extends OperationName>(op: K, input: OpInput<K>): Promise<OpOutput<K>> {
    this.calls.push({ op, input });
    const h = this.handlers[op] as Handler<K> | undefined;
    if (!h) throw new Error(`unexpected call ${op}`);
    return h(input);
  }

  on<E extends EventName>(event: E, listener: (payload: ApiEvents[E]) => void): () => void {
    let set = this.listeners.get(event);
    if (!set) this.listeners.set(event, (set = new Set()));
    set.add(listener as (p: unknown) => void);
    return () => set.delete(listener as (p: unknown) => void);
  }

  emit<E extends EventName>(event: E, payload: ApiEvents[E]): void {
    for (const l of this.listeners.get(event) ?? []) l(payload);
  }

  inputsOf<K extends OperationName>(op: K): OpInput<K>[] {
    return this.calls.filter((c) => c.op === op).map((c) => c.input as OpInput<K>);
  }
}
