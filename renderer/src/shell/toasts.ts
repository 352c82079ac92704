/**
 * Toasts: short notes for finished actions, and errors that belong to no
 * field. A zustand store so any component can raise one without threading
 * callbacks through the tree; the shell shows them in one live region.
 */
import { create } from 'zustand';
import type { ShownError } from '../api/errors';

export interface Toast {
  id: number;
  kind: 'info' | 'error';
  message: string;
  fix?: string;
}

interface ToastState {
  toasts: Toast[];
  show: (kind: Toast['kind'], message: string, fix?: string) => void;
  dismiss: (id: number) => void;
}

let nextId = 1;
/** Enough to read a sentence; errors stay until dismissed, since they carry a fix to act on. */
export const INFO_TOAST_MS = 5_000;

export const useToasts = create<ToastState>()((set) => ({
  toasts: [],
  show: (kind, message, fix) => {
    const id = nextId++;
    set((s) => ({ toasts: [...s.toasts.slice(-4), { id, kind, message, ...(fix ? { fix } : {}) }] }));
    if (kind === 'info') setTimeout(() => set((s) => ({ toasts: s.toasts.filter((t) => t.id !== id) })), INFO_TOAST_MS);
  },
  dismiss: (id) => set((s) => ({ toasts: s.toasts.filter((t) => t.id !== id) })),
}));

/** Raises a note for a finished action. */
export function toast(message: string): void {
  useToasts.getState().show('info', message);
}

/** Raises an error that is not tied to a field, with its fix. */
export function toastError(error: ShownError): void {
  useToasts.getState().show('error', error.message, error.fix);
}
