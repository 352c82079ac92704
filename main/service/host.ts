/**
 * What the service needs from the shell it runs in. The Electron shell has
 * native dialogs, drag and notifications; `dstack server` has none of those
 * and hands files to the browser instead. Keeping this a small interface is
 * what lets every operation run, and be tested, under plain Node.
 */
export interface Host {
  transport: 'ipc' | 'http';
  /** Native folder picker (Electron). Absent in server mode, where the browser sends a path. */
  pickFolder?(): Promise<string | undefined>;
  /** Native "Save as…" (Electron); undefined when the user cancels. */
  pickSavePath?(defaultName: string): Promise<string | undefined>;
  /** Where downloads go without "Save as…". Absent in server mode: the browser saves them. */
  downloadsDir?(): string;
  /** Starts an OS drag of a file or folder that is in the drag cache (Electron). */
  startDrag?(path: string): void;
  /** Shows a file in the file manager (Electron). */
  reveal?(path: string): void;
  /** A desktop notification, e.g. when a run ends (Electron). */
  notify?(title: string, body: string): void;
  /** Server mode: where the browser downloads a finished task. */
  downloadUrl?(taskId: string): string;
}
