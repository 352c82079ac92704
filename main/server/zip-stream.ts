/**
 * A folder as a .zip stream, for `dstack server` downloads: a zip is what a
 * browser user can open with a double-click on Windows, macOS and Linux.
 *
 * - Entries are stored, not deflated: artifacts are mostly weights and data
 *   that do not compress, and stored entries make the archive's length known
 *   before the first byte, so the browser shows progress and time left.
 * - Each file is read twice, once for its CRC-32 (the local header carries
 *   it, so streaming unzippers can read the archive too) and once for its
 *   bytes; memory holds one read buffer and the list of entries for the
 *   central directory, whatever the folder's size.
 * - ZIP64 fields are written where a size, an offset or the entry count needs
 *   them (files of 4 GiB and more, archives past 4 GiB, 65,535+ files).
 */
import { createReadStream } from 'node:fs';
import { lstat, readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { crc32 } from 'node:zlib';
import { DstackError } from '../common/errors';

const MAX32 = 0xffffffff;
const MAX16 = 0xffff;
const LOCAL = 30;
const CENTRAL = 46;
const END = 22;
const ZIP64_END = 56 + 20;

interface ZipEntry {
  file: string;
  name: Buffer;
  size: number;
  mtime: Date;
  offset: number;
  zip64: boolean;
}

export interface ZipPlan {
  entries: ZipEntry[];
  /** The archive's exact length in bytes, for Content-Length. */
  length: number;
  /** Where the central directory starts. */
  centralOffset: number;
  centralSize: number;
  zip64End: boolean;
}

export interface ZipOptions {
  /** Writes every ZIP64 field even when sizes fit in 32 bits; lets the >4 GiB layout be checked without 4 GiB of data. */
  forceZip64?: boolean;
  /** A folder name every entry goes under, so unzipping gives one folder (the downloaded one), not its loose contents. */
  root?: string;
}

/** Every regular file under `dir`, sorted, as `/`-separated names. Symlinks are skipped: only what is really in the folder goes out. */
async function* filesUnder(dir: string, rel = ''): AsyncGenerator<{ file: string; name: string; size: number; mtime: Date }> {
  for (const name of (await readdir(join(dir, rel))).sort()) {
    const relName = rel ? `${rel}/${name}` : name;
    const info = await lstat(join(dir, relName));
    if (info.isDirectory()) yield* filesUnder(dir, relName);
    else if (info.isFile()) yield { file: join(dir, relName), name: relName, size: info.size, mtime: info.mtime };
  }
}

function centralExtraLength(e: ZipEntry): number {
  const fields = (e.zip64 ? 2 : 0) + (e.offset >= MAX32 || e.zip64 ? 1 : 0);
  return fields ? 4 + 8 * fields : 0;
}

/** Lists the folder and lays the archive out, so its length is known before streaming. */
export async function planZip(dir: string, opts: ZipOptions = {}): Promise<ZipPlan> {
  const entries: ZipEntry[] = [];
  let offset = 0;
  const root = opts.root?.replace(/[\\/]/g, '_').replace(/^\.{1,2}$/, '_');
  for await (const f of filesUnder(dir)) {
    const zip64 = opts.forceZip64 === true || f.size >= MAX32;
    const entry = { file: f.file, name: Buffer.from(root ? `${root}/${f.name}` : f.name, 'utf8'), size: f.size, mtime: f.mtime, offset, zip64 };
    entries.push(entry);
    offset += LOCAL + entry.name.length + (zip64 ? 20 : 0) + f.size;
  }
  const centralSize = entries.reduce((n, e) => n + CENTRAL + e.name.length + centralExtraLength(e), 0);
  const zip64End = opts.forceZip64 === true || entries.length >= MAX16 || offset >= MAX32 || centralSize >= MAX32 || offset + centralSize >= MAX32;
  return { entries, centralOffset: offset, centralSize, zip64End, length: offset + centralSize + (zip64End ? ZIP64_END : 0) + END };
}

function dosDateTime(d: Date): { time: number; date: number } {
  if (d.getFullYear() < 1980) return { time: 0, date: (1 << 5) | 1 };
  return {
    time: (d.getHours() << 11) | (d.getMinutes() << 5) | (d.getSeconds() >> 1),
    date: ((d.getFullYear() - 1980) << 9) | ((d.getMonth() + 1) << 5) | d.getDate(),
  };
}

function localHeader(e: ZipEntry, crc: number): Buffer {
  const b = Buffer.alloc(LOCAL + e.name.length + (e.zip64 ? 20 : 0));
  const { time, date } = dosDateTime(e.mtime);
  b.writeUInt32LE(0x04034b50, 0);
  b.writeUInt16LE(e.zip64 ? 45 : 20, 4);
  b.writeUInt16LE(0x0800, 6); // names are UTF-8
  b.writeUInt16LE(0, 8); // stored
  b.writeUInt16LE(time, 10);
  b.writeUInt16LE(date, 12);
  b.writeUInt32LE(crc, 14);
  b.writeUInt32LE(e.zip64 ? MAX32 : e.size, 18);
  b.writeUInt32LE(e.zip64 ? MAX32 : e.size, 22);
  b.writeUInt16LE(e.name.length, 26);
  b.writeUInt16LE(e.zip64 ? 20 : 0, 28);
  e.name.copy(b, LOCAL);
  if (e.zip64) {
    const x = LOCAL + e.name.length;
    b.writeUInt16LE(0x0001, x);
    b.writeUInt16LE(16, x + 2);
    b.writeBigUInt64LE(BigInt(e.size), x + 4);
    b.writeBigUInt64LE(BigInt(e.size), x + 12);
  }
  return b;
}

function centralHeader(e: ZipEntry, crc: number): Buffer {
  const extra = centralExtraLength(e);
  const b = Buffer.alloc(CENTRAL + e.name.length + extra);
  const { time, date } = dosDateTime(e.mtime);
  const bigOffset = e.offset >= MAX32 || e.zip64;
  b.writeUInt32LE(0x02014b50, 0);
  b.writeUInt16LE((3 << 8) | 45, 4); // made on Unix, so unzip applies the mode below
  b.writeUInt16LE(e.zip64 || bigOffset ? 45 : 20, 6);
  b.writeUInt16LE(0x0800, 8);
  b.writeUInt16LE(0, 10);
  b.writeUInt16LE(time, 12);
  b.writeUInt16LE(date, 14);
  b.writeUInt32LE(crc, 16);
  b.writeUInt32LE(e.zip64 ? MAX32 : e.size, 20);
  b.writeUInt32LE(e.zip64 ? MAX32 : e.size, 24);
  b.writeUInt16LE(e.name.length, 28);
  b.writeUInt16LE(extra, 30);
  b.writeUInt32LE((0o100644 << 16) >>> 0, 38);
  b.writeUInt32LE(bigOffset ? MAX32 : e.offset, 42);
  e.name.copy(b, CENTRAL);
  if (extra) {
    let x = CENTRAL + e.name.length;
    b.writeUInt16LE(0x0001, x);
    b.writeUInt16LE(extra - 4, x + 2);
    x += 4;
    if (e.zip64) {
      b.writeBigUInt64LE(BigInt(e.size), x);
      b.writeBigUInt64LE(BigInt(e.size), x + 8);
      x += 16;
    }
    if (bigOffset) b.writeBigUInt64LE(BigInt(e.offset), x);
  }
  return b;
}

function endRecords(plan: ZipPlan): Buffer {
  const n = plan.entries.length;
  const end = Buffer.alloc(END);
  end.writeUInt32LE(0x06054b50, 0);
  end.writeUInt16LE(plan.zip64End ? MAX16 : n, 8);
  end.writeUInt16LE(plan.zip64End ? MAX16 : n, 10);
  end.writeUInt32LE(plan.zip64End ? MAX32 : plan.centralSize, 12);
  end.writeUInt32LE(plan.zip64End ? MAX32 : plan.centralOffset, 16);
  if (!plan.zip64End) return end;
  const z = Buffer.alloc(ZIP64_END);
  const at = plan.centralOffset + plan.centralSize;
  z.writeUInt32LE(0x06064b50, 0);
  z.writeBigUInt64LE(44n, 4);
  z.writeUInt16LE((3 << 8) | 45, 12);
  z.writeUInt16LE(45, 14);
  z.writeBigUInt64LE(BigInt(n), 24);
  z.writeBigUInt64LE(BigInt(n), 32);
  z.writeBigUInt64LE(BigInt(plan.centralSize), 40);
  z.writeBigUInt64LE(BigInt(plan.centralOffset), 48);
  z.writeUInt32LE(0x07064b50, 56);
  z.writeBigUInt64LE(BigInt(at), 64);
  z.writeUInt32LE(1, 72);
  return Buffer.concat([z, end]);
}

async function crcOf(file: string): Promise<number> {
  let crc = 0;
  for await (const chunk of createReadStream(file)) crc = crc32(chunk as Buffer, crc);
  return crc;
}

async function* archive(plan: ZipPlan): AsyncGenerator<Buffer> {
  const crcs: number[] = [];
  for (const e of plan.entries) {
    const crc = await crcOf(e.file);
    crcs.push(crc);
    yield localHeader(e, crc);
    let sent = 0;
    let check = 0;
    for await (const chunk of createReadStream(e.file)) {
      sent += (chunk as Buffer).length;
      check = crc32(chunk as Buffer, check);
      yield chunk as Buffer;
    }
    if (sent !== e.size || check !== crc) {
      throw new DstackError('verification', `${e.name.toString('utf8')} changed while it was being zipped.`, { fix: 'Download the folder again.' });
    }
  }
  for (const [i, e] of plan.entries.entries()) yield centralHeader(e, crcs[i]!);
  yield endRecords(plan);
}

/** The archive `plan` describes, exactly `plan.length` bytes, read from disk as the reader pulls. */
export function zipStream(plan: ZipPlan): Readable {
  return Readable.from(archive(plan), { objectMode: false });
}
