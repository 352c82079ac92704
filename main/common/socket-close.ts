/**
 * Close codes a dstack server gives an event socket on purpose, shared by
 * the hub (which sends them) and the page (which must tell them from a
 * dropped connection: reconnecting cannot help once access is gone).
 */

/**
 * The caller's access ended while the socket was open: their token was
 * revoked or replaced, or they were removed from the project. The close
 * reason is one sentence saying which, for the person to read. 4000–4999
 * are the application's own codes (RFC 6455 §7.4.2).
 */
export const ACCESS_REVOKED_CLOSE = 4001;
