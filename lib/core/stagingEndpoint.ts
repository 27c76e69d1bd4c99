/** A database endpoint as drillbook connects to it; `addresses` are what its name resolved to. */
export interface Endpoint {
  host: string;
  port: number;
  addresses?: readonly string[];
}

const hostName = (host: string) =>
  host
    .trim()
    .toLowerCase()
    .replace(/\.$/, '')
    .replace(/^\[(.*)\]$/, '$1');

/**
 * Whether a connection to `staging` reaches `source`: the same port, and the same host name
 * (case and a trailing dot aside) or a shared resolved address (a CNAME or an IP for the name).
 */
export function reachesSource(staging: Endpoint, source: Endpoint): boolean {
  if (staging.port !== source.port) return false;
  const names = (e: Endpoint) => new Set([hostName(e.host), ...(e.addresses ?? []).map(hostName)]);
  const theirs = names(source);
  return [...names(staging)].some((n) => theirs.has(n));
}
