/**
 * The shape of an operation's implementation. Each `ops-*.ts` file
 * implements a slice of the contract; `api.ts` joins them and checks,
 * through the type, that together they cover every operation.
 */
import type { OperationName, OpInput, OpOutput } from '../common/api/operations';
import type { ServiceContext } from './context';

/** Who is calling: the transport's client (window or socket), so events go back to it. */
export interface CallMeta {
  clientId?: string;
}

export type Handler<K extends OperationName> = (ctx: ServiceContext, input: OpInput<K>, meta: CallMeta) => Promise<OpOutput<K>>;

export type Handlers<K extends OperationName = OperationName> = { [P in K]: Handler<P> };
