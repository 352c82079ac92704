/**
 * The contract over Electron IPC: the sandboxed preload exposes one function
 * per operation on `window.dstack`, each answering a `{result}|{error}`
 * envelope so typed errors survive the hop, plus `on` for events.
 */
import { fromSerialized } from '../../../main/common/errors';
import type { DstackBridge } from '../../../main/common/api/bridge';
import type { ApiClient, ApiEvents, Envelope, EventName, OperationName, OpInput, OpOutput } from '../../../main/common/api/operations';

export class IpcClient implements ApiClient {
  constructor(private readonly bridge: DstackBridge) {}

  async call<K extends OperationName>(op: K, input: OpInput<K>): Promise<OpOutput<K>> {
    const fn = this.bridge[op] as (input: OpInput<K>) => Promise<Envelope<OpOutput<K>>>;
    const envelope = await fn(input);
    if ('error' in envelope) throw fromSerialized(envelope.error);
    return envelope.result;
  }

  on<E extends EventName>(event: E, listener: (payload: ApiEvents[E]) => void): () => void {
    return this.bridge.on(event, listener);
  }
}
