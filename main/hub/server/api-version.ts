/**
 * The hub's API version. Paths carry the major (`/api/v1/…`); a client also
 * says which it speaks in `X-Dstack-Api-Version`, and which dstack it is in
 * its User-Agent (`dstack/0.1.0`). A client of another major gets one clear
 * 4xx naming both versions and the fix, instead of failing on a changed
 * shape somewhere later.
 */
import type { IncomingMessage } from 'node:http';
import { InvalidArgumentError } from '../../common/errors';

/** The API major this hub serves. */
export const HUB_API_VERSION = 1;

export const API_VERSION_HEADER = 'x-dstack-api-version';

const major = (version: string): number | undefined => {
  const m = /^v?(\d+)(?:\.|$)/.exec(version.trim());
  return m ? Number(m[1]) : undefined;
};

/** Throws when the client names an API major or a dstack major other than ours; says nothing when it names none. */
export function checkClientVersion(req: IncomingMessage, hubVersion: string): void {
  const fix = `Use a dstack ${major(hubVersion)}.x client with this hub, or upgrade the hub (it runs dstack ${hubVersion}).`;
  const sent = req.headers[API_VERSION_HEADER];
  if (sent !== undefined) {
    const v = typeof sent === 'string' ? major(sent) : undefined;
    if (v !== HUB_API_VERSION) {
      throw new InvalidArgumentError(`This hub speaks API v${HUB_API_VERSION}; the client asked for API "${String(sent)}".`, fix, {
        hubApiVersion: HUB_API_VERSION,
        clientApiVersion: String(sent),
      });
    }
  }
  const client = /^dstack\/(\S+)/.exec(req.headers['user-agent'] ?? '')?.[1];
  if (client !== undefined && major(client) !== major(hubVersion)) {
    throw new InvalidArgumentError(`This hub runs dstack ${hubVersion}; the client is dstack ${client}, another major version.`, fix, {
      hubVersion,
      clientVersion: client,
    });
  }
}
