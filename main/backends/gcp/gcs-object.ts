/**
 * Cloud Storage's object resource and the URLs of the JSON API, shared by
 * storage.ts, the uploader and the downloader.
 */
import type { ObjectInfo } from '../../core/backend';
import type { GcpHttp } from './http';

/** The fields of an object resource we read; numbers come as strings. */
export interface GcsObject {
  name: string;
  size: string;
  generation: string;
  md5Hash?: string;
  crc32c?: string;
  updated?: string;
}

export interface GcsTarget {
  http: GcpHttp;
  /** The API's root, e.g. https://storage.googleapis.com. */
  endpoint: string;
  bucket: string;
}

/** The object's metadata URL (add `alt=media` for its bytes). */
export function objectUrl(t: GcsTarget, key: string): string {
  return `${t.endpoint}/storage/v1/b/${encodeURIComponent(t.bucket)}/o/${encodeURIComponent(key)}`;
}

export function listUrl(t: GcsTarget): string {
  return `${t.endpoint}/storage/v1/b/${encodeURIComponent(t.bucket)}/o`;
}

export function uploadUrl(t: GcsTarget): string {
  return `${t.endpoint}/upload/storage/v1/b/${encodeURIComponent(t.bucket)}/o`;
}

export function gsUrl(t: GcsTarget, key: string): string {
  return `gs://${t.bucket}/${key}`;
}

/** The generation is the object's version: it changes on every write, as an S3 ETag does. */
export function toInfo(o: GcsObject): ObjectInfo {
  return { key: o.name, size: Number(o.size), etag: o.generation, modified: o.updated ? Date.parse(o.updated) : 0 };
}

/** A precondition as Cloud Storage takes it: 0 means "must not exist yet". */
export function generationMatch(condition: { ifNoneMatch: '*' } | { ifMatch: string }): string | undefined {
  if ('ifNoneMatch' in condition) return '0';
  return /^[1-9]\d*$/.test(condition.ifMatch) ? condition.ifMatch : undefined;
}

/** Cloud Storage says which of the two is missing only in words. */
export function isMissingBucket(message: string): boolean {
  return /bucket does not exist/i.test(message);
}
