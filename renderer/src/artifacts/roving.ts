/**
 * Roving tabindex for the artifact tree (the ARIA tree pattern): exactly one
 * treeitem is in the Tab order, the one the user last focused, or the first
 * row before that; arrow keys move among the rest. A small store per tree,
 * so moving focus re-renders only the two rows whose state changed, not a
 * page of a thousand.
 */
import { createContext, useContext, useState } from 'react';
import { createStore, useStore, type StoreApi } from 'zustand';

interface Roving {
  active: string | null;
  setActive: (id: string) => void;
}

export type RovingStore = StoreApi<Roving>;

const makeStore = (): RovingStore => createStore<Roving>()((set) => ({ active: null, setActive: (id) => set({ active: id }) }));

/** A row rendered outside any tree (as in a component test) is simply tabbable. */
const outside = makeStore();

export const RovingContext = createContext<RovingStore | null>(null);

/** One store for the lifetime of the calling tree. */
export function useNewRovingStore(): RovingStore {
  const [store] = useState(makeStore);
  return store;
}

/** Whether the row `id` is the tree's tab stop; `first` marks the top row, the stop until the user picks another. */
export function useTabStop(id: string, first: boolean): boolean {
  const store = useContext(RovingContext);
  return useStore(store ?? outside, (s) => !store || s.active === id || (s.active === null && first));
}

/** Makes a row the tree's tab stop (on focus, or when a collapse hides the one that was). */
export function useSetTabStop(): (id: string) => void {
  return useStore(useContext(RovingContext) ?? outside, (s) => s.setActive);
}
