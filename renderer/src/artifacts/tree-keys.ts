/**
 * Keyboard navigation of the artifact tree, per the ARIA tree pattern:
 * ArrowUp/ArrowDown move through the visible rows, Home/End jump to the
 * first/last, ArrowRight opens a folder or enters it, ArrowLeft closes it or
 * goes to its parent, Enter activates (opens a folder, downloads a file) and
 * Space opens or closes a folder. Rows are found in the DOM: a closed
 * folder's children are not rendered, so every treeitem there is visible,
 * in the order the user sees them.
 */
import type { KeyboardEvent } from 'react';

export interface TreeKeyTarget {
  /** Present for folders. */
  folder?: { expanded: boolean; toggle: () => void };
  activate: () => void;
}

function visibleItems(item: HTMLElement): HTMLElement[] {
  const tree = item.closest('[role="tree"]');
  return tree ? [...tree.querySelectorAll<HTMLElement>('[role="treeitem"]')] : [item];
}

/** Handles a key pressed on a treeitem itself (not on a button inside it); returns whether it was one of the tree's keys. */
export function onTreeKey(e: KeyboardEvent<HTMLElement>, { folder, activate }: TreeKeyTarget): boolean {
  if (e.target !== e.currentTarget || e.altKey || e.ctrlKey || e.metaKey || e.shiftKey) return false;
  const item = e.currentTarget;
  const items = visibleItems(item);
  const at = items.indexOf(item);
  const go = (to: Element | null | undefined) => (to as HTMLElement | null | undefined)?.focus();
  switch (e.key) {
    case 'ArrowDown':
      go(items[at + 1]);
      break;
    case 'ArrowUp':
      go(items[at - 1]);
      break;
    case 'Home':
      go(items[0]);
      break;
    case 'End':
      go(items.at(-1));
      break;
    case 'ArrowRight':
      if (folder && !folder.expanded) folder.toggle();
      else if (folder) go(item.querySelector('[role="group"] [role="treeitem"]'));
      break;
    case 'ArrowLeft':
      if (folder?.expanded) folder.toggle();
      else go(item.parentElement?.closest('[role="treeitem"]'));
      break;
    case 'Enter':
      activate();
      break;
    case ' ':
      if (!folder) return false;
      folder.toggle();
      break;
    default:
      return false;
  }
  e.preventDefault();
  return true;
}
